#!/usr/bin/env node
/**
 * The AAuth profile with a pseudonymous key: the agent sends its public key inline,
 * `Signature-Key: sig1=hwk;kty="OKP";crv="Ed25519";x="…";alg="Ed25519"`, and signs the request with it
 * (the signature covers `signature-key`). Nothing to publish, nothing to fetch: the verifier learns no
 * name, only that every request comes from the holder of the same key — its id is the key's thumbprint,
 * `urn:jkt:sha-256:<thumbprint>`, and `pseudonymous` is true.
 *
 * Run: `node examples/aauth-hwk.mjs` (after `pnpm install`).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { ephemeralKey, signedFetch } from '@signet/client';
import { createVerifier, signetMiddleware } from '@signet/verifier';

// ---- The API: accepts AAuth signatures whose key comes inline (hwk). No key discovery is needed.
const verifier = createVerifier({ profiles: ['aauth'], aauth: { schemes: ['hwk'] }, discovery: false });
const protect = signetMiddleware(verifier);
const server = createServer((req, res) => {
  protect(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ agent: req.agent, signatureKey: req.headers['signature-key'] }));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/v1/search?q=signet`;

// ---- The agent: a key made now, in memory only, and the AAuth profile with the `hwk` scheme.
const agentFetch = signedFetch({ key: ephemeralKey(), profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } } });

try {
  const response = await agentFetch(url);
  const body = await response.json();
  console.log(`GET /v1/search?q=signet -> ${response.status}`);
  if (response.status !== 200) throw new Error(`the API refused the signed request: ${body.error}: ${body.message}`);
  console.log(`  Signature-Key: ${body.signatureKey}`);
  console.log(`verified agent: ${body.agent.id}`);
  console.log(`  profile: ${body.agent.profile}, scheme: ${body.agent.scheme}, pseudonymous: ${body.agent.pseudonymous}`);

  // A second request with the same key is the same (pseudonymous) agent.
  const again = await (await agentFetch(url)).json();
  console.log(`second request: same agent: ${again.agent.id === body.agent.id}`);
  if (!body.agent.id.startsWith('urn:jkt:sha-256:') || body.agent.pseudonymous !== true || again.agent.id !== body.agent.id) {
    throw new Error('unexpected agent identity');
  }
} finally {
  server.close();
}
