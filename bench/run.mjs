#!/usr/bin/env node
/**
 * `pnpm bench`: Signet against the raw crypto floor and the peer libraries, in one process and one run.
 * Every figure is a ratio of costs measured side by side (never an absolute time checked anywhere).
 *
 *   node --expose-gc bench/run.mjs            full run (about two minutes), writes bench/results.json
 *   node --expose-gc bench/run.mjs --smoke    seconds: checks the harness itself (CI), timings meaningless
 *   node --expose-gc bench/run.mjs --only=sign,http   some sections only (while working on them): prints, writes nothing
 *
 * Timing (tinybench): each row runs fixed batches of calls, interleaved with the other rows of its section over
 * several rounds; the median of the batches' means is kept. Signet's verifier really checks replay, so every Signet
 * call gets a request with a fresh nonce from a pre-signed pool: the batches have a fixed number of calls, never a
 * fixed time. HTTP is measured with autocannon.
 */
import { constants, sign as cryptoSign, verify as cryptoVerify, createPublicKey, createPrivateKey, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Bench } from 'tinybench';
import { httpbis, createSigner as hmsSigner, createVerifier as hmsVerifier } from 'http-message-signatures';
import { signatureHeaders, verify as wbaVerify } from 'web-bot-auth';
import { Ed25519Signer, RSAPSSSHA512Signer, verifierFromJWK } from 'web-bot-auth/crypto';
import { MessageView, exportPrivateJwk, generateKey, nobleEd25519Backend, readSignatures, signMessage, signatureBase, verifyMessage } from '@signet/core';
import { createDirectory, createRequestSigner, signRequest } from '@signet/client';
import { KeyDiscovery, MemoryNonceStore, createVerifier, signetMiddleware } from '@signet/verifier';

const SMOKE = process.argv.includes('--smoke');
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');
/** Whether to run the section `name` (verify, sign, http, directory, nonces). */
const runs = (name) => ONLY === undefined || ONLY.includes(name);
const ROUNDS = SMOKE ? 2 : 11;
const BATCH = SMOKE ? 20 : 1500;
const AGENT = 'https://agent.bench.example';
const TARGET = 'https://api.bench.example/v1/orders/42';
const COMPONENTS = ['@authority', '"signature-agent";key="agent"', '@method', '@path'];
const results = { smoke: SMOKE, node: process.version, date: new Date().toISOString(), sections: {} };

const check = (condition, message) => {
  if (!condition) throw new Error(`bench harness: ${message}`);
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs every row of a section in interleaved rounds; returns ns/op per row: the median, over the rounds, of each
 * round's mean. Each round gives each row one tinybench run of exactly BATCH calls (`time: 0`, so never more: the
 * verifier rows need a fresh nonce per call), with `i` counting the calls from 0. Rows take turns round after round,
 * so that a drift of the machine's speed touches them all alike.
 */
async function measure(rows) {
  const samples = new Map(rows.map((row) => [row.name, []]));
  const meanNs = async (row, iterations) => {
    let i = 0;
    const bench = new Bench({ iterations, time: 0, warmup: false, throws: true });
    bench.add(row.name, () => row.run(i++), { async: !row.sync });
    await bench.run();
    const { latency } = bench.tasks[0].result;
    check(latency.samplesCount === iterations, `${row.name}: ${latency.samplesCount} calls, expected ${iterations}`);
    return latency.mean * 1e6;
  };
  for (const row of rows) await meanNs(row, Math.min(BATCH, 200)); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      await row.prepare?.(round);
      samples.get(row.name).push(await meanNs(row, BATCH));
    }
  }
  return new Map([...samples].map(([name, values]) => [name, median(values)]));
}

function report(section, floorName, costs, notes = {}) {
  const floor = costs.get(floorName);
  const rows = [...costs].map(([name, ns]) => ({ name, usPerOp: +(ns / 1000).toFixed(2), ratio: +(ns / floor).toFixed(3), ...(notes[name] ? { note: notes[name] } : {}) }));
  results.sections[section] = { floor: floorName, rows };
  console.log(`\n${section}  (ratio = cost / ${floorName})`);
  console.table(Object.fromEntries(rows.map((r) => [r.name, { 'µs/op': r.usPerOp, ratio: r.ratio, ...(r.note ? { note: r.note } : {}) }])));
}

// ---------------------------------------------------------------------------------------------------
// A pool of signed Web Bot Auth requests (fresh nonce each), as Signet's client produces them.

async function signedPool(key, size, alg) {
  const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: AGENT } }, ttl: 300 });
  const pool = [];
  for (let i = 0; i < size; i++) {
    const headers = await signer.sign({ method: 'GET', url: TARGET, headers: new Headers(), body: null });
    pool.push(new Request(TARGET, { headers }));
  }
  const checked = await verifyMessage(pool[0], { key: key.toPublic(), tag: 'web-bot-auth' });
  check(checked.alg === alg, `pool signed with ${checked.alg}, expected ${alg}`);
  return { pool, floor: precomputedBases(pool) };
}

/**
 * The floor's inputs: each request's own finished signature base (UTF-8) and signature bytes, computed before
 * timing. A verifier checks a different signature on every request; verifying one pair over and over instead
 * runs ~3% faster (Ed25519's variable-time verification is branch-predicted perfectly on a repeated input), which
 * no verifier sees in service. The repeated pair is still shown, as a row of its own.
 */
function precomputedBases(messages) {
  return messages.map((message) => {
    const view = MessageView.from(message);
    const { inputs, signatures } = readSignatures(view);
    return { base: Buffer.from(signatureBase(view, inputs[0])), signature: Buffer.from(signatures.get(inputs[0].label)) };
  });
}

function rawVerifier(alg, key) {
  const publicKey = createPublicKey(exportPublicPem(key));
  if (alg === 'ed25519') return (data, sig) => cryptoVerify(null, data, publicKey, sig);
  if (alg === 'ecdsa-p256-sha256') return (data, sig) => cryptoVerify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
  return (data, sig) => cryptoVerify('sha512', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, sig);
}

function exportPublicPem(key) {
  return createPublicKey({ key: key.publicJwk(), format: 'jwk' }).export({ type: 'spki', format: 'pem' });
}

function privateKeyObject(key) {
  return createPrivateKey({ key: exportPrivateJwk(key), format: 'jwk' });
}

// Peers sign their own requests (their conventions differ: web-bot-auth@0.1.3 covers a bare "signature-agent").
async function peerRequests(alg, key) {
  const wbaSigner = alg === 'ed25519'
    ? new Ed25519Signer(key.thumbprint, await crypto.subtle.importKey('jwk', exportPrivateJwk(key), { name: 'Ed25519' }, false, ['sign']))
    : alg === 'rsa-pss-sha512'
      ? new RSAPSSSHA512Signer(key.thumbprint, await crypto.subtle.importKey('jwk', { ...exportPrivateJwk(key), alg: 'PS512' }, { name: 'RSA-PSS', hash: 'SHA-512' }, false, ['sign']))
      : undefined;
  let wba;
  if (wbaSigner !== undefined) {
    const now = new Date();
    const unsigned = new Request(TARGET, { headers: { 'signature-agent': `"${AGENT}"` } });
    const h = await signatureHeaders(unsigned, wbaSigner, { created: now, expires: new Date(+now + 300_000), components: ['@authority', 'signature-agent', '@method', '@path'] });
    wba = { request: new Request(TARGET, { headers: { 'signature-agent': `"${AGENT}"`, ...h } }), verifier: await verifierFromJWK({ ...key.publicJwk(), ...(alg === 'rsa-pss-sha512' ? { alg: 'PS512' } : {}) }) };
  }
  const hmsKey = hmsSigner(privateKeyObject(key), alg, key.thumbprint);
  const hmsRequest = await httpbis.signMessage(
    { key: hmsKey, name: 'sig1', fields: ['@authority', 'signature-agent;key="agent"', '@method', '@path'], params: ['created', 'expires', 'keyid', 'alg', 'nonce', 'tag'], paramValues: { nonce: randomBytes(64).toString('base64'), tag: 'web-bot-auth', expires: new Date(Date.now() + 300_000) } },
    { method: 'GET', url: TARGET, headers: { 'signature-agent': `agent="${AGENT}"` } },
  );
  const hmsVerify = hmsVerifier(createPublicKey(exportPublicPem(key)), alg);
  const hmsLookup = async () => ({ id: key.thumbprint, algs: [alg], verify: hmsVerify });
  return { wba, hms: { request: hmsRequest, config: { keyLookup: hmsLookup } } };
}

async function verifySection(alg) {
  const key = generateKey(alg);
  const poolSize = BATCH * (ROUNDS + 1) + 200;
  const { pool, floor } = await signedPool(key, poolSize, alg);
  const raw = rawVerifier(alg, key);
  const publicKey = key.toPublic();
  check(floor.every(({ base, signature }) => raw(base, signature)), 'the floor must accept every precomputed base');
  let verifier;
  let cursor = 0;
  const makeVerifier = () => createVerifier({ keys: [{ key: key.toPublic(), agent: AGENT }], nonceStore: new MemoryNonceStore(), maxLifetime: 300 });
  verifier = makeVerifier();
  const ours = await verifier.verify(pool[cursor++]);
  check(ours.agent.id === AGENT, 'Signet must identify the agent');
  await verifier.verify(pool[0]).then(() => check(false, 'a replay must be refused'), (e) => check(e.code === 'replayed', `replay gave ${e.code}`));

  const peers = await peerRequests(alg, key);
  const rows = [
    { name: 'floor: crypto.verify', sync: true, run: (i) => raw(floor[i % floor.length].base, floor[i % floor.length].signature) },
    ...(alg === 'ed25519' ? [{ name: 'crypto.verify of one repeated base (not the floor)', sync: true, run: () => raw(floor[0].base, floor[0].signature) }] : []),
    {
      name: 'Signet verify',
      prepare: () => {
        // One fresh request per iteration; a fresh verifier (and replay store) once the pool is used up.
        if (cursor + BATCH > pool.length) {
          verifier = makeVerifier();
          cursor = 0;
        }
      },
      run: () => verifier.verify(pool[cursor++]),
    },
    { name: 'Signet engine only (core verifyMessage)', run: (i) => verifyMessage(pool[i % pool.length], { key: publicKey, tag: 'web-bot-auth', keyidIsThumbprint: true }) },
  ];
  if (alg === 'ed25519') {
    rows.push({ name: 'Signet engine, @noble/ed25519 backend', run: (i) => verifyMessage(pool[i % pool.length], { key: publicKey, tag: 'web-bot-auth', backend: nobleEd25519Backend }) });
  }
  if (peers.wba !== undefined) {
    await wbaVerify(peers.wba.request, peers.wba.verifier); // throws if the peer cannot verify its own request
    rows.push({ name: 'Cloudflare web-bot-auth verify', run: () => wbaVerify(peers.wba.request, peers.wba.verifier) });
  }
  check((await httpbis.verifyMessage(peers.hms.config, peers.hms.request)) === true, 'http-message-signatures must verify its own request');
  rows.push({ name: 'http-message-signatures verifyMessage', run: () => httpbis.verifyMessage(peers.hms.config, peers.hms.request) });
  report(`verify ${alg}`, 'floor: crypto.verify', await measure(rows));
}

async function signSection() {
  const key = generateKey('ed25519');
  const privateKey = privateKeyObject(key);
  const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: AGENT } } });
  const parts = { method: 'GET', url: TARGET, headers: new Headers(), body: null };
  const sample = await signer.sign(parts);
  // Every signature the signer makes is over a new base (new nonce): so is every floor signature.
  const samples = [];
  for (let i = 0; i < 2000; i++) samples.push({ method: 'GET', url: TARGET, headers: await signer.sign(parts) });
  const bases = precomputedBases(samples).map(({ base }) => base);
  // Each Signet row must produce a request that verifies.
  const publicKey = key.toPublic();
  const verifies = async (message) => (await verifyMessage(message, { key: publicKey, tag: 'web-bot-auth' })).label === 'sig1';
  check(await verifies({ method: 'GET', url: TARGET, headers: await signer.signEntries(parts) }), 'signEntries must sign a request that verifies');
  check(await verifies({ method: 'GET', url: TARGET, headers: await signer.sign(parts) }), 'sign must sign a request that verifies');
  check(await verifies(await signRequest(new Request(TARGET), signer)), 'signRequest must sign a request that verifies');
  const peers = await peerRequests('ed25519', key);
  const wbaSigner = new Ed25519Signer(key.thumbprint, await crypto.subtle.importKey('jwk', exportPrivateJwk(key), { name: 'Ed25519' }, false, ['sign']));
  const unsigned = new Request(TARGET, { headers: { 'signature-agent': `"${AGENT}"` } });
  const hmsKey = hmsSigner(privateKey, 'ed25519', key.thumbprint);
  check(peers.hms !== undefined, 'peers');
  const rows = [
    { name: 'floor: crypto.sign', sync: true, run: (i) => cryptoSign(null, bases[i % bases.length], privateKey) },
    // The target row: what signedFetch and the interceptor call. The peers' rows also return plain header values.
    { name: 'Signet signEntries (nonce, params, base, sign)', run: () => signer.signEntries(parts) },
    { name: 'Signet sign (the same, as a web Headers)', run: () => signer.sign(parts) },
    // A new Request each time, as callers make them: one signed over and over would gather a follower of its signal
    // for every signed copy (undici), and slow down as they pile up.
    { name: 'Signet signRequest (new web Request in, signed Request out)', run: () => signRequest(new Request(TARGET), signer) },
    { name: 'Signet engine only (core signMessage)', run: () => signMessage({ method: 'GET', url: TARGET, headers: sample }, { key, components: COMPONENTS, params: { created: 1, keyid: key.thumbprint, alg: 'ed25519', expires: 61, nonce: 'n', tag: 'web-bot-auth' } }) },
    { name: 'Cloudflare web-bot-auth signatureHeaders', run: () => signatureHeaders(unsigned, wbaSigner, { created: new Date(), expires: new Date(Date.now() + 60_000), components: ['@authority', 'signature-agent', '@method', '@path'] }) },
    {
      name: 'http-message-signatures signMessage',
      run: () => httpbis.signMessage({ key: hmsKey, name: 'sig1', fields: ['@authority', 'signature-agent;key="agent"', '@method', '@path'], params: ['created', 'expires', 'keyid', 'alg', 'nonce', 'tag'], paramValues: { nonce: randomBytes(64).toString('base64'), tag: 'web-bot-auth', expires: new Date(Date.now() + 60_000) } }, { method: 'GET', url: TARGET, headers: { 'signature-agent': `agent="${AGENT}"` } }),
    },
  ];
  report('sign ed25519', 'floor: crypto.sign', await measure(rows));
}

// ---------------------------------------------------------------------------------------------------
// HTTP: requests per second of three node:http servers, measured one after the other with autocannon.

async function listen(handler) {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Loads a server for `seconds`; `cursor` walks the pre-signed pool across calls, so no nonce is sent twice. */
async function load(port, pool, seconds, connections, cursor) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v1/orders/42`,
    connections,
    duration: seconds,
    // Smoke: never more requests than pre-signed ones left (a faster server would otherwise wrap around the pool
    // and replay nonces). The full run's pool is sized for its duration.
    ...(SMOKE ? { amount: pool.length - cursor.next } : {}),
    requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...pool[cursor.next++ % pool.length] } }) }],
  });
  return result;
}

async function httpSection() {
  const key = generateKey('ed25519');
  const seconds = SMOKE ? 1 : 3;
  const rounds = SMOKE ? 1 : 7;
  const connections = 32;
  const poolSize = SMOKE ? 3_000 : 170_000;
  const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: AGENT } }, ttl: 600 });
  const pool = [];
  // The server sees http://127.0.0.1:<port>: sign for that authority once the port is known.
  const verifier = createVerifier({ keys: [{ key: key.toPublic(), agent: AGENT }], nonceStore: new MemoryNonceStore(), maxLifetime: 600 });
  const middleware = signetMiddleware(verifier);
  let accepted = 0;
  const protectedServer = await listen((req, res) => middleware(req, res, () => {
    accepted++;
    res.end('ok');
  }));
  const port = protectedServer.address().port;
  for (let i = 0; i < poolSize; i++) {
    pool.push(Object.fromEntries(await signer.signEntries({ method: 'GET', url: `http://127.0.0.1:${port}/v1/orders/42`, headers: new Headers(), body: null })));
  }
  const publicKey = createPublicKey(exportPublicPem(key));
  // The floor server verifies a different precomputed base per request, as a verifier does.
  const floor = precomputedBases(pool.slice(0, 5000).map((headers) => ({ method: 'GET', url: `http://127.0.0.1:${port}/v1/orders/42`, headers })));
  check(floor.every(({ base, signature }) => cryptoVerify(null, base, publicKey, signature)), 'the floor server must accept every precomputed base');
  let floorCursor = 0;
  const floorServer = await listen((req, res) => {
    const { base, signature } = floor[floorCursor++ % floor.length];
    res.end(cryptoVerify(null, base, publicKey, signature) ? 'ok' : 'no');
  });
  const openServer = await listen((req, res) => res.end('ok'));
  // Building the pool grew the heap: settle it before any server is measured, so that none pays for it.
  globalThis.gc();
  try {
    const runs = { protected: [], floor: [], open: [] };
    const cursor = { next: 0 };
    // The floor and open servers check no nonces: they may reuse the pool from its start.
    const loadProtected = (s) => load(port, pool, s, connections, cursor);
    const loadFloor = (s) => load(floorServer.address().port, pool, s, connections, { next: 0 });
    const loadOpen = (s) => load(openServer.address().port, pool, s, connections, { next: 0 });
    // An unmeasured second of load on each first (JIT warm-up), then the Signet and floor servers in rounds of one
    // load each, back to back, which goes first alternating from round to round. Each round gives one ratio of the
    // two rates, measured under the same conditions of the machine; the median ratio counts. (The medians of each
    // server's rates alone would pair a round of one with a round of the other from another time.)
    if (!SMOKE) for (const warm of [loadProtected, loadFloor, loadOpen]) await warm(1);
    for (let round = 0; round < rounds; round++) {
      if (round % 2 === 0) {
        runs.protected.push(await loadProtected(seconds));
        runs.floor.push(await loadFloor(seconds));
      } else {
        runs.floor.push(await loadFloor(seconds));
        runs.protected.push(await loadProtected(seconds));
      }
    }
    runs.open.push(await loadOpen(seconds));
    const roundRatios = runs.protected.map((r, i) => +(r.requests.average / runs.floor[i].requests.average).toFixed(3));
    const roundRates = { signet: runs.protected.map((r) => Math.round(r.requests.average)), floor: runs.floor.map((r) => Math.round(r.requests.average)) };
    const refused = runs.protected.reduce((n, r) => n + r.non2xx, 0);
    check(refused === 0, `the Signet server refused ${refused} valid requests (pool too small for the rate?)`);
    check(accepted >= runs.protected.reduce((n, r) => n + r.requests.total, 0) * 0.99, 'every request must reach the handler after verification');
    const medianRun = (list) => [...list].sort((a, b) => a.requests.average - b.requests.average)[Math.floor(list.length / 2)];
    for (const name of Object.keys(runs)) runs[name] = medianRun(runs[name]);
    const rps = (r) => r.requests.average;
    const rows = [
      { name: 'floor server: bare crypto.verify per request', rps: rps(runs.floor) },
      { name: 'Signet middleware (verify + replay check)', rps: rps(runs.protected) },
      { name: 'unprotected server', rps: rps(runs.open) },
    ].map((row) => ({ ...row, rps: Math.round(row.rps), ofFloor: +(row.rps / rps(runs.floor)).toFixed(3), p99ms: undefined }));
    rows[0].p99ms = runs.floor.latency.p99;
    rows[1].ofFloor = median(roundRatios);
    rows[1].p99ms = runs.protected.latency.p99;
    rows[2].p99ms = runs.open.latency.p99;
    results.sections.http = { connections, seconds, rounds, roundRatios, roundRates, rows };
    console.log(`\nHTTP, node:http, ${connections} connections, ${rounds} rounds of ${seconds} s: req/s the median round; Signet's ofFloor the median of its rounds' rate / the floor's rate in the same round (${roundRatios.join(', ')})`);
    console.table(Object.fromEntries(rows.map((r) => [r.name, { 'req/s': r.rps, ofFloor: r.ofFloor, 'p99 ms': r.p99ms }])));
    console.log(`req/s by round: Signet ${roundRates.signet.join(', ')}; floor ${roundRates.floor.join(', ')}`);
  } finally {
    for (const server of [protectedServer, floorServer, openServer]) server.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Directory: 1,000 concurrent first requests from one new agent.

async function directorySection() {
  const key = generateKey('ed25519');
  const directory = createDirectory({ keys: [key] });
  let fetches = 0;
  const server = await listen((req, res) => {
    fetches++;
    directory.node(req, res);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const concurrent = SMOKE ? 100 : 1000;
  try {
    const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: origin } }, ttl: 300 });
    const requests = [];
    for (let i = 0; i < concurrent; i++) requests.push(new Request(TARGET, { headers: await signer.sign({ method: 'GET', url: TARGET, headers: new Headers(), body: null }) }));
    const verifier = createVerifier({ discovery: new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'] }), nonceStore: new MemoryNonceStore(), maxLifetime: 300 });
    const outcomes = await Promise.allSettled(requests.map((request) => verifier.verify(request)));
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
    check(accepted === concurrent, `${concurrent - accepted} of ${concurrent} first requests failed: ${outcomes.find((o) => o.status === 'rejected')?.reason?.message}`);
    results.sections.directory = { concurrentFirstRequests: concurrent, accepted, directoryFetches: fetches };
    console.log(`\nDirectory: ${concurrent} concurrent first requests from one new agent → ${fetches} directory fetch(es), ${accepted} accepted`);
  } finally {
    server.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// Replay store: heap bytes per nonce held by MemoryNonceStore.

async function nonceSection() {
  check(typeof globalThis.gc === 'function', 'run with node --expose-gc (pnpm bench does)');
  const count = SMOKE ? 10_000 : 1_000_000;
  const keys = [];
  // Keys as the verifier makes them (base64url SHA-256), generated before the baseline so they are not counted.
  for (let i = 0; i < count; i++) keys.push(randomBytes(32).toString('base64url'));
  globalThis.gc();
  const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const store = new MemoryNonceStore({ capacity: count });
  for (let i = 0; i < count; i++) await store.checkAndStore(keys[i], 600_000);
  globalThis.gc();
  const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  check((await store.checkAndStore(keys[count - 1], 600_000)) === false, 'the store must remember the last nonce');
  check((await store.checkAndStore(keys[0], 600_000)) === false, 'the store must remember the first nonce');
  const perNonce = (after - before) / count;
  results.sections.nonceStore = { nonces: count, bytesPerNonce: +perNonce.toFixed(1) };
  console.log(`\nReplay store: MemoryNonceStore holding ${count.toLocaleString('en')} nonces → ${perNonce.toFixed(1)} bytes of heap per nonce`);
}

/**
 * The HTTP section runs in a child process of its own: the sections before it send web `Request`s through the same
 * verifier code, and a server only ever sees node requests, so measuring it after them would measure code made
 * polymorphic by the benchmark itself. Its three servers still share that one process and run.
 */
async function httpSectionInChild() {
  const out = join(mkdtempSync(join(tmpdir(), 'signet-bench-')), 'http.json');
  const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--http-section', ...(SMOKE ? ['--smoke'] : [])], { stdio: 'inherit', env: { ...process.env, SIGNET_BENCH_HTTP_OUT: out } });
  check(child.status === 0, `the HTTP section exited with ${child.status ?? child.signal}`);
  results.sections.http = JSON.parse(readFileSync(out, 'utf8'));
}

if (process.argv.includes('--http-section')) {
  await httpSection();
  writeFileSync(process.env.SIGNET_BENCH_HTTP_OUT, JSON.stringify(results.sections.http));
  process.exit(0);
}

const started = performance.now();
if (runs('verify')) {
  await verifySection('ed25519');
  await verifySection('ecdsa-p256-sha256');
  await verifySection('rsa-pss-sha512');
}
if (runs('sign')) await signSection();
if (runs('http')) await httpSectionInChild();
if (runs('directory')) await directorySection();
if (runs('nonces')) await nonceSection();
if (ONLY !== undefined) {
  console.log(`\nsections ${ONLY.join(', ')} only: nothing written`);
  process.exit(0);
}

const verify = results.sections['verify ed25519'].rows;
const sign = results.sections['sign ed25519'].rows;
const http = results.sections.http.rows;
results.targets = [
  { target: 'verify <= 1.10x floor (Ed25519)', value: verify.find((r) => r.name === 'Signet verify').ratio, limit: 1.1 },
  { target: 'sign <= 1.15x raw sign', value: sign.find((r) => r.name.startsWith('Signet signEntries')).ratio, limit: 1.15 },
  { target: 'middleware server >= 0.90 of floor server rate', value: http[1].ofFloor, limit: 0.9, atLeast: true },
  { target: 'exactly 1 directory fetch', value: results.sections.directory.directoryFetches, limit: 1, exact: true },
  { target: '<= 200 bytes per nonce', value: results.sections.nonceStore.bytesPerNonce, limit: 200 },
].map((t) => ({ ...t, met: t.exact ? t.value === t.limit : t.atLeast ? t.value >= t.limit : t.value <= t.limit }));
console.log('\nTargets');
console.table(Object.fromEntries(results.targets.map((t) => [t.target, { value: t.value, met: t.met }])));
results.seconds = +((performance.now() - started) / 1000).toFixed(1);
if (!SMOKE) writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
console.log(`\n${SMOKE ? 'smoke run (timings meaningless)' : 'wrote bench/results.json'} in ${results.seconds} s`);
