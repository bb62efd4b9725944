#!/usr/bin/env node
/**
 * An agent operator publishes its keys: a signed key directory that follows a rotation plan, and a
 * Signature Agent Card that describes the agent and points at the directory.
 *
 * Then, as a verifier would, it fetches the directory and checks it with `@signet/core` alone:
 * the JWKS, its Cache-Control, and one signature per published key, each over the request–response
 * pair (`"@authority";req` — the host the verifier asked — and `content-digest` — the body it got).
 *
 * Run: `node examples/publish-directory.mjs` (after `pnpm install`).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { MessageView, generateKey, importJwk, readSignatures, verifyDigest, verifyMessage } from '@signet/core';
import { DIRECTORY_PATH, DIRECTORY_TAG, createDirectory, createSignatureAgentCard, rotatingKeySource } from '@signet/client';

// ---- The operator ------------------------------------------------------------------------------------

// The rotation plan: the current key signs for 30 more minutes, then the next key takes over for 30 days.
// Each key is published an hour before it starts signing (verifiers that cached the directory already
// know it) and stays published a day after it stops (signatures made just before the switch still verify).
const now = Math.floor(Date.now() / 1000);
const keys = rotatingKeySource({
  keys: [
    { key: generateKey('ed25519'), notBefore: now - 86_400, notAfter: now + 1800 },
    { key: generateKey('ed25519'), notBefore: now + 1800, notAfter: now + 31 * 86_400 },
  ],
  publishAheadSeconds: 3600,
  graceSeconds: 86_400,
});
// The same `keys` is what the agent signs with: signedFetch({ key: keys, ... }).

// The directory re-signs itself before its signatures expire, and caps Cache-Control below their lifetime.
const directory = createDirectory({ keys, signatureTtl: 300 });

// The card. In production this server is https://agent.example (the card is served at the URL its
// client_id names, and jwks_uri must be https); in this example the same handler listens on 127.0.0.1.
const PUBLIC_ORIGIN = 'https://agent.example';
const card = createSignatureAgentCard({
  url: `${PUBLIC_ORIGIN}/bot`,
  name: 'Example Agent',
  contacts: ['mailto:bots@agent.example'],
  jwksUri: `${PUBLIC_ORIGIN}${DIRECTORY_PATH}`,
  webBotAuth: { 'expected-user-agent': 'ExampleAgent/1.0', 'rfc9309-product-token': 'ExampleAgent', trigger: 'fetcher', purpose: 'search' },
});

const server = createServer((req, res) => {
  // The directory answers its well-known path and hands every other request to `next`.
  directory.node(req, res, () => {
    if (req.url !== '/bot') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- A verifier fetches the directory --------------------------------------------------------------------

try {
  const cardResponse = await fetch(`${origin}/bot`);
  const served = await cardResponse.json();
  console.log(`Signature Agent Card: ${served.client_name} (${served.client_id}), keys at ${served.jwks_uri}`);

  const url = `${origin}${DIRECTORY_PATH}`;
  const response = await fetch(url);
  const body = await response.text();
  const headers = Object.fromEntries(response.headers);
  const jwks = JSON.parse(body);
  console.log(`GET ${DIRECTORY_PATH} -> ${response.status} ${headers['content-type']}`);
  for (const jwk of jwks.keys) {
    const date = (seconds) => new Date(seconds * 1000).toISOString();
    console.log(`  key ${jwk.kid}  ${jwk.kty}/${jwk.crv}  nbf ${date(jwk.nbf)}  exp ${date(jwk.exp)}`);
  }
  console.log(`Cache-Control: ${headers['cache-control']}`);
  console.log(`Content-Digest: ${headers['content-digest']}`);
  console.log(`Signature-Input: ${headers['signature-input']}`);
  console.log(`Signature: ${headers.signature}`);

  // The body is the one that was signed…
  verifyDigest(headers['content-digest'], body);
  // …and each key signed this response to this request. The request part of the pair is what the
  // verifier sent: `"@authority";req` is the host it asked, so a directory copied to another host fails.
  const pair = { request: { method: 'GET', url, headers: {} }, response: { status: response.status, headers, body } };
  const { inputs } = readSignatures(MessageView.from(pair));
  for (const input of inputs) {
    const jwk = jwks.keys.find((k) => k.kid === input.params.keyid);
    if (jwk === undefined) throw new Error(`signature ${input.label} is by a key the directory does not publish`);
    const verified = await verifyMessage(pair, {
      key: importJwk(jwk),
      label: input.label,
      tag: DIRECTORY_TAG,
      requiredParams: ['created', 'expires', 'keyid'],
      requiredComponents: ['"@authority";req', 'content-digest'],
      keyidIsThumbprint: true,
    });
    console.log(`verified ${verified.label}: key ${verified.params.keyid} signed (${verified.covered.join(' ')}), expires in ${verified.params.expires - now} s`);
  }
  if (inputs.length !== jwks.keys.length) throw new Error(`${jwks.keys.length} keys but ${inputs.length} signatures`);

  // The same response, presented as if fetched from another host, does not verify.
  const copied = { ...pair, request: { ...pair.request, url: `https://mirror.example${DIRECTORY_PATH}` } };
  const refused = await verifyMessage(copied, { key: importJwk(jwks.keys[0]), tag: DIRECTORY_TAG }).then(() => undefined, (error) => error);
  if (refused === undefined) throw new Error('the directory verified for another host');
  console.log(`copied to another host: refused (${refused.code})`);
} finally {
  server.close();
}
