#!/usr/bin/env node
/**
 * A Fastify API protected by ONE plugin: `app.register(signetFastify(verifier))`.
 * Verified requests reach the routes with `request.agent` (who signed them); anything else gets a 401 with a
 * JSON `{ error, message }` body and an `Accept-Signature` header that says what to sign.
 *
 * To demonstrate, the program sends itself one signed request (accepted) and one unsigned (refused).
 *
 * Run: `node examples/server-fastify.mjs` (after `pnpm install`).
 */
import Fastify from 'fastify';
import { generateKey } from '@signet/core';
import { signedFetch } from '@signet/client';
import { createVerifier, signetFastify } from '@signet/verifier';

// The agent that will call us, and its identity (Signature-Agent).
const agentKey = generateKey('ed25519');
const AGENT = 'https://agent.example';

// ---- The API -----------------------------------------------------------------------------------------

// With no options, createVerifier() accepts any Web Bot Auth agent and fetches its key directory over https.
// Here the agent's key is also trusted statically (an allowlist), so the example needs no other server.
const verifier = createVerifier({ keys: [{ key: agentKey.toPublic(), agent: AGENT }] });

const app = Fastify();
await app.register(signetFastify(verifier)); // protects every route of `app` (an onRequest hook)
app.post('/v1/orders', async (request) => {
  // Verified: request.agent is the agent, request.body the JSON body it signed.
  return { agent: request.agent.id, order: request.body };
});
const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/v1/orders`;

// ---- Demonstrate: one signed request, one unsigned -----------------------------------------------------

const agentFetch = signedFetch({ key: agentKey, profile: { name: 'web-bot-auth', signatureAgent: AGENT } });
const order = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'book', quantity: 1 }) };
try {
  const signed = await agentFetch(url, order);
  console.log(`signed   POST /v1/orders -> ${signed.status} ${await signed.text()}`);

  const unsigned = await fetch(url, order);
  console.log(`unsigned POST /v1/orders -> ${unsigned.status} ${await unsigned.text()}`);
  console.log(`  Accept-Signature: ${unsigned.headers.get('accept-signature')}`);

  if (signed.status !== 200 || unsigned.status !== 401) throw new Error('unexpected status (expected 200 then 401)');
} finally {
  await app.close();
  await verifier.close();
}
