#!/usr/bin/env node
/**
 * An Express API protected by ONE middleware: `app.use(signetMiddleware(verifier))`.
 * Verified requests reach the routes with `req.agent` (who signed them); anything else gets a 401 with a
 * JSON `{ error, message }` body and an `Accept-Signature` header that says what to sign.
 *
 * To demonstrate, the program sends itself one signed request (accepted) and one unsigned (refused).
 *
 * Run: `node examples/server-express.mjs` (after `pnpm install`).
 */
import { once } from 'node:events';
import express from 'express';
import { generateKey } from '@signet/core';
import { signedFetch } from '@signet/client';
import { createVerifier, signetMiddleware } from '@signet/verifier';

// The agent that will call us, and its identity (Signature-Agent).
const agentKey = generateKey('ed25519');
const AGENT = 'https://agent.example';

// ---- The API -----------------------------------------------------------------------------------------

// With no options, createVerifier() accepts any Web Bot Auth agent and fetches its key directory over https.
// Here the agent's key is also trusted statically (an allowlist), so the example needs no other server.
const verifier = createVerifier({ keys: [{ key: agentKey.toPublic(), agent: AGENT }] });

const app = express();
app.use(signetMiddleware(verifier)); // first: before body parsers, so that it can check the Content-Digest
app.use(express.json());
app.post('/v1/orders', (req, res) => {
  // Verified: req.agent is the agent, req.body the JSON body it signed.
  res.json({ agent: req.agent.id, order: req.body });
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/v1/orders`;

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
  server.close();
  await verifier.close();
}
