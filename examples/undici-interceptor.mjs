#!/usr/bin/env node
/**
 * Signing undici traffic: `signingInterceptor` composed onto an undici `Agent` (and a `Pool`), so that
 * `undici.request` calls are signed without changing them. A JSON body gets a `Content-Digest`, which
 * the signature covers: the server knows the body it reads is the body the agent signed.
 *
 * On 127.0.0.1 this starts an API protected by `@signet/verifier` that trusts the agent's public key
 * statically (an allowlist: no key directory, no network lookups), then POSTs an order to it.
 *
 * Run: `node examples/undici-interceptor.mjs` (after `pnpm install`).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { text } from 'node:stream/consumers';
import { Agent, Pool, request } from 'undici';
import { generateKey } from '@signet/core';
import { signingInterceptor } from '@signet/client';
import { createVerifier, signetMiddleware } from '@signet/verifier';

// The agent's key, and the identity it signs as (its Signature-Agent).
const key = generateKey('ed25519');
const AGENT = 'https://agent.example';

// ---- The API: it trusts this one public key for this one agent, and requires a Content-Digest on bodies.
const protect = signetMiddleware(
  createVerifier({
    keys: [{ key: key.toPublic(), agent: AGENT }],
    discovery: false, // the allowlist is all it needs
    body: { requireDigest: true },
  }),
);
const server = createServer((req, res) => {
  protect(req, res, async () => {
    // The middleware already checked the body against its Content-Digest, and put the bytes back.
    const order = req.method === 'POST' ? JSON.parse(await text(req)) : undefined;
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ agent: req.agent.id, digest: req.headers['content-digest'] ?? null, order }));
  });
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- The agent: one interceptor, composed onto the dispatcher. Every request through it is signed.
const signing = { key, profile: { name: 'web-bot-auth', signatureAgent: AGENT } };
const agent = new Agent().compose(signingInterceptor(signing));

// A Pool's requests carry only a path: tell the interceptor the origin, so it can sign "@authority".
const pool = new Pool(origin).compose(signingInterceptor({ ...signing, origin }));

try {
  // undici.request with a JSON body, through the signing Agent.
  const order = { item: 'book', quantity: 1 };
  const created = await request(`${origin}/v1/orders`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  const createdBody = await created.body.json();
  console.log(`POST /v1/orders -> ${created.statusCode}, verified agent: ${createdBody.agent}`);
  console.log(`  Content-Digest: ${createdBody.digest}`);
  console.log(`  order received: ${JSON.stringify(createdBody.order)}`);
  if (created.statusCode !== 201) throw new Error(`the API refused the signed POST: ${JSON.stringify(createdBody)}`);
  if (JSON.stringify(createdBody.order) !== JSON.stringify(order)) throw new Error('the server read another body');

  // The same through a Pool: pool.request({ path }) is signed too.
  const listed = await pool.request({ path: '/v1/orders?status=open', method: 'GET' });
  const listedBody = await listed.body.json();
  console.log(`GET /v1/orders?status=open (Pool) -> ${listed.statusCode}, verified agent: ${listedBody.agent}`);
  if (listed.statusCode !== 200) throw new Error(`the API refused the signed GET: ${JSON.stringify(listedBody)}`);
} finally {
  await Promise.all([agent.close(), pool.close()]);
  server.close();
}
