// A protected server for the load test, in its own process (so that its RSS and latency are its own): node:http or
// Express, the Redis replay store, static trusted keys. It records every decision (request id → code) from the
// diagnostics channel and serves them on /__control/* (unprotected, outside the middleware).
import { createServer } from 'node:http';
import { once } from 'node:events';
import { subscribe } from 'node:diagnostics_channel';
import express from 'express';
import { Redis } from 'ioredis';
import { DECISION_CHANNEL, RedisNonceStore, createVerifier, signetMiddleware } from '@signet/verifier';

const config = JSON.parse(process.argv[2]);
const client = new Redis({ port: config.redisPort, host: '127.0.0.1', enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
client.on('error', () => undefined);
if (client.status !== 'ready') await once(client, 'ready');

const verifier = createVerifier({
  baseUrl: 'https://api.example',
  discovery: false,
  keys: config.keys.map((k) => ({ key: k.jwk, agent: k.agent })),
  nonceStore: new RedisNonceStore({ client, prefix: `load:${config.framework}:` }),
});

let decisions = [];
subscribe(DECISION_CHANNEL, (d) => {
  const id = d.request.headers['x-req-id'];
  decisions.push([typeof id === 'string' ? id : null, d.outcome === 'accepted' ? 'ok' : d.code, d.durationMs]);
});

let baselineRss = process.memoryUsage().rss;
let baselineHeap = process.memoryUsage().heapUsed;
let peakRss = baselineRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
sampler.unref();

function control(req, res) {
  const json = (value) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };
  if (req.url === '/__control/reset') {
    globalThis.gc?.();
    decisions = [];
    baselineRss = process.memoryUsage().rss;
    baselineHeap = process.memoryUsage().heapUsed;
    peakRss = baselineRss;
    return json({ baselineRss });
  }
  if (req.url === '/__control/report') {
    globalThis.gc?.();
    const end = process.memoryUsage();
    return json({ decisions, baselineRss, peakRss, endRss: end.rss, baselineHeap, endHeap: end.heapUsed, stats: verifier.stats() });
  }
  res.writeHead(404).end();
}

let server;
if (config.framework === 'express') {
  const app = express();
  app.use('/__control', (req, res) => {
    req.url = req.originalUrl;
    control(req, res);
  });
  app.use(signetMiddleware(verifier));
  app.use(express.json());
  app.use((req, res) => res.json({ ok: true, agent: req.agent.id, items: Array.isArray(req.body?.items) ? req.body.items.length : 0 }));
  server = createServer(app);
} else {
  const mw = signetMiddleware(verifier);
  server = createServer((req, res) => {
    if (req.url.startsWith('/__control/')) return control(req, res);
    mw(req, res, () => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, agent: req.agent.id, bytes: Buffer.concat(chunks).length }));
      });
    });
  });
}
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message === 'stop') server.close(() => client.quit().finally(() => process.exit(0)));
});
