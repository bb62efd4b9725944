#!/usr/bin/env node
/**
 * An AI agent that signs ALL of its traffic with one line: `signedFetch` (Web Bot Auth profile).
 *
 * On 127.0.0.1 this starts:
 *   - the agent's public key directory (`createDirectory`), which verifiers fetch to learn its keys;
 *   - an API protected by `@signet/verifier`, which answers with the agent identity it verified.
 * Then the agent calls the API with its signed fetch, and the program prints who the API says it is.
 *
 * Run: `node examples/agent-signed-fetch.mjs` (after `pnpm install`).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { generateKey } from '@signet/core';
import { createDirectory, signedFetch } from '@signet/client';
import { KeyDiscovery, createVerifier, signetMiddleware } from '@signet/verifier';

/** Starts a node:http server on a free loopback port. */
async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// ---- The agent's side ------------------------------------------------------------------------------

// The agent's private key. In production load it from a file or a KMS (`fileKeySource`, an external signer).
const key = generateKey('ed25519');

// Its key directory: /.well-known/http-message-signatures-directory, a signed JWKS of the public key.
// In production this is served at the agent's https origin, e.g. https://agent.example.
const directory = await listen(createDirectory({ keys: [key] }).node);

// The one line: a fetch that signs every request. `Signature-Agent` tells verifiers where the keys are.
const agentFetch = signedFetch({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: directory.origin } } });

// ---- The API's side --------------------------------------------------------------------------------

// Key discovery fetches the agent's directory. Production is https-only and refuses private addresses;
// plain http to 127.0.0.1 is allowed here only because this example runs on loopback.
const discovery = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'] });
const protect = signetMiddleware(createVerifier({ discovery }));
const api = await listen((req, res) => {
  protect(req, res, () => {
    // Only verified requests get here: req.agent is who signed them.
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ agent: req.agent }));
  });
});

// ---- The call --------------------------------------------------------------------------------------

try {
  const response = await agentFetch(`${api.origin}/v1/whoami`);
  const body = await response.json();
  console.log(`GET ${api.origin}/v1/whoami -> ${response.status}`);
  if (response.status !== 200) throw new Error(`the API refused the signed request: ${body.error}: ${body.message}`);
  console.log(`verified agent: ${body.agent.id}`);
  console.log(`  profile: ${body.agent.profile}, keyid: ${body.agent.keyid}, pseudonymous: ${body.agent.pseudonymous}`);
  if (body.agent.id !== directory.origin) throw new Error(`expected the agent ${directory.origin}, got ${body.agent.id}`);
} finally {
  api.server.close();
  directory.server.close();
  await discovery.close();
}
