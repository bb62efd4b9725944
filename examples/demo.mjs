#!/usr/bin/env node
/**
 * `pnpm demo`: what Signet is for, in one command, on loopback only.
 *
 * Starts three services on 127.0.0.1:
 *   - agent Alpha's key directory (/.well-known/http-message-signatures-directory, signed, with a key rotation plan);
 *   - a token issuer that gives an agent a JWT bound to the key that signed the token request (cnf.jkt);
 *   - an API protected by one @signet/verifier middleware;
 * and an attacker, Mallory, with a key directory of her own. Then it plays seven scenarios and prints
 * what happened. It exits 0 only if every outcome is the expected one.
 *
 * All parties share one clock so that the key rotation can happen "16 minutes later" without waiting.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { generateKey } from '@signet/core';
import { createDirectory, createRequestSigner, rotatingKeySource, signedFetch } from '@signet/client';
import { KeyDiscovery, MemoryNonceStore, createVerifier, signetMiddleware } from '@signet/verifier';

let offsetSeconds = 0; // the shared clock: real time plus a jump for the rotation scenario
const nowSeconds = () => Date.now() / 1000 + offsetSeconds;
const nowMs = () => nowSeconds() * 1000;
const T0 = Math.floor(nowSeconds());

async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// Key discovery over loopback http: a development setting (production is https-only and refuses private addresses).
const discovery = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'], now: nowMs });

// ---- Agent Alpha: key 1 signs now; key 2 takes over 15 minutes from now (published 5 minutes ahead).
const alphaKey1 = generateKey('ed25519');
const alphaKey2 = generateKey('ed25519');
const alphaKeys = rotatingKeySource({
  keys: [
    { key: alphaKey1, notBefore: T0 - 3600, notAfter: T0 + 900 },
    { key: alphaKey2, notBefore: T0 + 900, notAfter: T0 + 90 * 86400 },
  ],
  publishAheadSeconds: 300,
  graceSeconds: 600,
  now: nowSeconds,
});
const alphaDirectory = await listen(createDirectory({ keys: alphaKeys, now: nowSeconds }).node);

// ---- Mallory: a real agent with a real directory, but not Alpha.
const malloryKey = generateKey('ed25519');
const malloryDirectory = await listen(createDirectory({ keys: [malloryKey], now: nowSeconds }).node);

// ---- The token issuer: a signed token request gets a JWT bound to the key that signed it.
const issuerKeys = await generateKeyPair('ES256');
const issuerJwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'issuer-1', alg: 'ES256' };
const issuerVerifier = createVerifier({ discovery, now: nowMs, nonceStore: new MemoryNonceStore() });
const issuer = await listen(async (req, res) => {
  try {
    const { agent } = await issuerVerifier.verify(req);
    const token = await new SignJWT({ cnf: { jkt: agent.thumbprint } })
      .setProtectedHeader({ alg: 'ES256', kid: issuerJwk.kid, typ: 'at+jwt' })
      .setIssuer(issuer.origin)
      .setSubject(agent.id)
      .setAudience('orders-api')
      .setIssuedAt(Math.floor(nowSeconds()))
      .setExpirationTime(Math.floor(nowSeconds()) + 3600)
      .sign(issuerKeys.privateKey);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ access_token: token, token_type: 'Bearer' }));
  } catch (error) {
    res.statusCode = 401;
    res.end(JSON.stringify({ error: error.code ?? 'error' }));
  }
});

// ---- The API: one middleware. Tokens must be JWTs from the issuer, bound to the key that signs the request.
const verifier = createVerifier({
  discovery,
  now: nowMs,
  nonceStore: new MemoryNonceStore(),
  tokens: { jwt: { jwks: { keys: [issuerJwk] }, issuer: issuer.origin, audience: 'orders-api' } },
});
const protect = signetMiddleware(verifier);
const api = await listen((req, res) => {
  protect(req, res, () => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true, agent: req.agent.id, keyid: req.agent.keyid, received: Buffer.concat(chunks).toString() }));
    });
  });
});

// ---- The agents' fetch: every request signed, Web Bot Auth profile.
const agentFetch = (keys, directory, extra = {}) =>
  signedFetch({ key: keys, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: directory.origin } }, now: nowSeconds, ...extra });
const alpha = agentFetch(alphaKeys, alphaDirectory);
const mallory = agentFetch(malloryKey, malloryDirectory);

async function tokenFor(fetchAsAgent) {
  const response = await fetchAsAgent(`${issuer.origin}/token`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`the issuer refused the token request: ${await response.text()}`);
  return (await response.json()).access_token;
}

/** Sends a request the way an attacker on the wire can: exact headers, any body, no signing. */
async function raw(url, { method = 'GET', headers = {}, body } = {}) {
  return fetch(url, { method, headers, body });
}

/** Signs a request as Alpha would, without sending it, and returns its headers (what a wiretap captures). */
async function captured(url, { method = 'GET', headers = {}, body, signer } = {}) {
  const signed = await (signer ?? alphaSigner).signEntries({ method, url, headers: new Headers(headers), body: body === undefined ? null : new TextEncoder().encode(body) });
  return Object.fromEntries(signed);
}
const alphaSigner = createRequestSigner({ key: alphaKeys, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: alphaDirectory.origin } }, now: nowSeconds });

const orders = `${api.origin}/v1/orders`;
const scenarios = [];
async function play(name, request, expected, send) {
  const response = await send();
  const body = await response.json().catch(() => ({}));
  const code = response.status === 200 ? `agent ${body.agent === alphaDirectory.origin ? 'Alpha' : body.agent}` : body.error;
  scenarios.push({ name, request, expected, got: response.status, code, ok: response.status === expected.status && (expected.code === undefined || expected.code === body.error) });
}

try {
  let token = await tokenFor(alpha);

  await play('1. Alpha, signed, with its bound token', 'GET /v1/orders  (signed by Alpha key 1, Bearer token)', { status: 200 }, () =>
    alpha(orders, { headers: { authorization: `Bearer ${token}` } }),
  );

  const wiretap = await captured(orders, { headers: { authorization: `Bearer ${token}` } });
  await play('2. Attacker replays Alpha\'s exact request', 'GET /v1/orders  (copied headers: signature, nonce, token)', { status: 401, code: 'replayed' }, async () => {
    await raw(orders, { headers: wiretap }); // the original reaches the API first
    return raw(orders, { headers: wiretap });
  });

  await play('3. Stolen token + Mallory\'s own signature', 'GET /v1/orders  (signed by Mallory, Alpha\'s token)', { status: 401, code: 'token_key_mismatch' }, () =>
    mallory(orders, { headers: { authorization: `Bearer ${token}` } }),
  );

  await play('4. Stolen token alone', 'GET /v1/orders  (Bearer token, no signature)', { status: 401, code: 'missing_signature' }, () =>
    raw(orders, { headers: { authorization: `Bearer ${token}` } }),
  );

  const order = JSON.stringify({ item: 'book', quantity: 1 });
  const signedPost = await captured(orders, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: order });
  await play('5. Alpha\'s body changed in transit', 'POST /v1/orders  (signed {"quantity":1}, delivered {"quantity":100})', { status: 401, code: 'digest_mismatch' }, () =>
    raw(orders, { method: 'POST', headers: signedPost, body: order.replace('1}', '100}') }),
  );

  const oldSigner = createRequestSigner({ key: alphaKeys, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: alphaDirectory.origin } }, ttl: 60, now: () => nowSeconds() - 600 });
  const stale = await captured(orders, { headers: { authorization: `Bearer ${token}` }, signer: oldSigner });
  await play('6. An expired signature', 'GET /v1/orders  (signed 10 minutes ago, 60 s lifetime)', { status: 401, code: 'expired' }, () => raw(orders, { headers: stale }));

  offsetSeconds = 16 * 60; // 16 minutes later: key 2 signs now; the directory publishes both keys.
  token = await tokenFor(alpha); // a token bound to the new key
  await play('7. Alpha rotated its key (16 min later)', 'GET /v1/orders  (signed by Alpha key 2, new token)', { status: 200 }, () =>
    alpha(orders, { headers: { authorization: `Bearer ${token}` } }),
  );
} finally {
  for (const { server } of [alphaDirectory, malloryDirectory, issuer, api]) server.close();
  await discovery.close?.();
}

// ---- The table.
const columns = [
  ['scenario', (s) => s.name],
  ['request', (s) => s.request],
  ['expected', (s) => `${s.expected.status}${s.expected.code ? ` ${s.expected.code}` : ''}`],
  ['got', (s) => String(s.got)],
  ['code', (s) => s.code ?? ''],
  ['result', (s) => (s.ok ? 'ok' : 'MISMATCH')],
];
const widths = columns.map(([title, cell]) => Math.max(title.length, ...scenarios.map((s) => cell(s).length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log('\nSignet demo: a stolen token alone is worthless\n');
console.log(line(columns.map(([title]) => title)));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const s of scenarios) console.log(line(columns.map(([, cell]) => cell(s))));
const stats = verifier.stats();
const fetches = discovery.stats().fetches;
console.log(`\nAPI verifier: ${stats.accepted} accepted, ${stats.rejected} rejected; key directory fetches: ${fetches}.`);
const failed = scenarios.filter((s) => !s.ok);
if (failed.length > 0 || scenarios.length !== 7) {
  console.log(`\n${failed.length} scenario(s) did not go as expected.`);
  process.exit(1);
}
console.log('\nEvery scenario went as expected.');
process.exit(0);
