/**
 * Bounded mixed-traffic load test (issue 7 §4): autocannon sends 10,000 requests at concurrency 64 to the node:http
 * and the Express server (each in its own process, with the Redis replay store): 60% valid, the rest replayed,
 * expired, tampered, stolen-token, unknown-agent and malformed — all distinct, pre-generated. The server records
 * every decision; each is compared with the ground truth: zero wrong decisions. p99 latency and RSS growth are
 * reported.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { generateKey, type SignetKey } from '@signet/core';
import { RedisServer } from '../../packages/verifier/test/support/redis.js';
import { joseKey, signWba, type SignedRequestSpec } from '../../packages/verifier/test/support/sign.js';

/** The part of autocannon's API used here (the package ships no types). */
interface CannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
interface CannonResult {
  duration: number;
  requests: { average: number };
  latency: { p50: number; p90: number; p99: number; max: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: { url: string; connections: number; amount: number; timeout: number; requests: Array<{ setupRequest: (request: CannonRequest) => CannonRequest }> }) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const TOTAL = 10_000;
const CONNECTIONS = 64;
const ORIGIN = 'https://api.example';
const SERVER_SCRIPT = fileURLToPath(new URL('../../packages/verifier/test/support/load-server.mjs', import.meta.url));

type Kind = 'valid' | 'replayed' | 'expired' | 'tampered' | 'stolen-token' | 'unknown-agent' | 'malformed';
const MIX: ReadonlyArray<[Kind, number]> = [
  ['valid', 0.6],
  ['replayed', 0.08],
  ['expired', 0.08],
  ['tampered', 0.08],
  ['stolen-token', 0.06],
  ['unknown-agent', 0.05],
  ['malformed', 0.05],
];

interface Planned {
  id: string;
  kind: Kind;
  /** 'ok' or the error code the verifier must answer. */
  expected: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

interface Agent {
  uri: string;
  key: SignetKey;
}

/** A small seeded PRNG (mulberry32), so a failing run can be reproduced. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seconds = (): number => Math.floor(Date.now() / 1000);
const pathOf = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};
const planned = (id: string, kind: Kind, expected: string, spec: SignedRequestSpec, override: Partial<Planned> = {}): Planned => ({
  id,
  kind,
  expected,
  method: spec.method,
  path: pathOf(spec.url),
  headers: { ...spec.headers, 'x-req-id': id },
  body: typeof spec.body === 'string' ? spec.body : undefined,
  ...override,
});

class Generator {
  readonly agents: Agent[] = [
    { uri: 'https://alpha.example', key: generateKey('ed25519') },
    { uri: 'https://beta.example', key: generateKey('ecdsa-p256-sha256') },
  ];
  readonly thief: Agent = { uri: 'https://thief.example', key: generateKey('ed25519') };
  readonly unknown: Agent = { uri: 'https://unknown.example', key: generateKey('ed25519') };
  token = '';
  #count = 0;

  constructor(readonly random: () => number) {}

  async init(): Promise<void> {
    const issuer = generateKey('ed25519');
    // An access token bound (cnf.jkt) to agent alpha.
    this.token = await new SignJWT({ sub: 'user-1', cnf: { jkt: this.agents[0]!.key.thumbprint } }).setProtectedHeader({ alg: 'Ed25519' }).setExpirationTime('1h').sign(await joseKey(issuer));
  }

  trustedKeys(): Array<{ jwk: unknown; agent: string }> {
    return [...this.agents, this.thief].map((a) => ({ jwk: a.key.publicJwk(), agent: a.uri }));
  }

  #id(kind: Kind): string {
    return `${kind}-${++this.#count}`;
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** A valid request: a GET, a JSON POST with Content-Digest, or a GET carrying the agent's bound token. */
  async valid(kind: Kind = 'valid'): Promise<Planned> {
    const variant = Math.floor(this.random() * 3);
    const id = this.#id(kind);
    if (variant === 1) {
      const agent = this.#pick(this.agents);
      const body = JSON.stringify({ items: Array.from({ length: 1 + Math.floor(this.random() * 20) }, (_, i) => ({ sku: `sku-${i}`, qty: i + 1 })) });
      const spec = await signWba({ url: `${ORIGIN}/orders`, method: 'POST', key: agent.key, agent: agent.uri, created: seconds(), body, headers: { 'content-type': 'application/json' }, extra: ['@method', '@path', 'content-type', 'content-digest'], digest: true });
      return planned(id, kind, 'ok', spec);
    }
    if (variant === 2) {
      const alpha = this.agents[0]!;
      const spec = await signWba({ url: `${ORIGIN}/account`, key: alpha.key, agent: alpha.uri, created: seconds(), headers: { authorization: `Bearer ${this.token}` }, extra: ['@method', '@path', 'authorization'] });
      return planned(id, kind, 'ok', spec);
    }
    const agent = this.#pick(this.agents);
    const spec = await signWba({ url: `${ORIGIN}/items/${this.#count}?view=full`, key: agent.key, agent: agent.uri, created: seconds(), extra: ['@method', '@path', '@query'] });
    return planned(id, kind, 'ok', spec);
  }

  async expired(): Promise<Planned> {
    const agent = this.#pick(this.agents);
    const now = seconds();
    const spec = await signWba({ url: `${ORIGIN}/items/old`, key: agent.key, agent: agent.uri, created: now - 400, expires: now - 100, extra: ['@method', '@path'] });
    return planned(this.#id('expired'), 'expired', 'expired', spec);
  }

  async tampered(): Promise<Planned> {
    const agent = this.#pick(this.agents);
    const id = this.#id('tampered');
    const variant = Math.floor(this.random() * 3);
    if (variant === 0) {
      const spec = await signWba({ url: `${ORIGIN}/items/1`, key: agent.key, agent: agent.uri, created: seconds(), extra: ['@method', '@path'] });
      return planned(id, 'tampered', 'signature_invalid', spec, { path: '/items/2' });
    }
    if (variant === 1) {
      const spec = await signWba({ url: `${ORIGIN}/transfer`, key: agent.key, agent: agent.uri, created: seconds(), headers: { 'x-amount': '10' }, extra: ['@method', '@path', 'x-amount'] });
      return planned(id, 'tampered', 'signature_invalid', spec, { headers: { ...spec.headers, 'x-amount': '10000', 'x-req-id': id } });
    }
    const body = JSON.stringify({ items: [{ sku: 'a', qty: 1 }] });
    const spec = await signWba({ url: `${ORIGIN}/orders`, method: 'POST', key: agent.key, agent: agent.uri, created: seconds(), body, headers: { 'content-type': 'application/json' }, extra: ['@method', '@path', 'content-digest'], digest: true });
    return planned(id, 'tampered', 'digest_mismatch', spec, { body: body.replace('"qty":1', '"qty":9') });
  }

  async stolenToken(): Promise<Planned> {
    const spec = await signWba({ url: `${ORIGIN}/account`, key: this.thief.key, agent: this.thief.uri, created: seconds(), headers: { authorization: `Bearer ${this.token}` }, extra: ['@method', '@path', 'authorization'] });
    return planned(this.#id('stolen-token'), 'stolen-token', 'token_key_mismatch', spec);
  }

  async unknownAgent(): Promise<Planned> {
    const spec = await signWba({ url: `${ORIGIN}/items/1`, key: this.unknown.key, agent: this.unknown.uri, created: seconds(), extra: ['@method', '@path'] });
    return planned(this.#id('unknown-agent'), 'unknown-agent', 'unknown_key', spec);
  }

  async malformed(): Promise<Planned> {
    const agent = this.#pick(this.agents);
    const id = this.#id('malformed');
    const spec = await signWba({ url: `${ORIGIN}/items/1`, key: agent.key, agent: agent.uri, created: seconds(), extra: ['@method', '@path'] });
    const headers = { ...spec.headers };
    const variant = Math.floor(this.random() * 4);
    let expected: string;
    if (variant === 0) {
      headers['signature-input'] = `sig1=("@authority" "@method";created=${seconds()}`;
      expected = 'invalid_signature_input';
    } else if (variant === 1) {
      delete headers.signature;
      expected = 'missing_signature';
    } else if (variant === 2) {
      headers.signature = 'sig1=:not base64 at all:';
      expected = 'invalid_signature_field';
    } else {
      headers['signature-agent'] = 'sig1=?1';
      expected = 'invalid_signature_agent';
    }
    return planned(id, 'malformed', expected, spec, { headers: { ...headers, 'x-req-id': id } });
  }

  /** The whole mix for `total` requests, shuffled; `primers` are the requests to send once before the load. */
  async plan(total: number): Promise<{ queue: Planned[]; primers: Planned[] }> {
    const queue: Planned[] = [];
    const primers: Planned[] = [];
    for (const [kind, share] of MIX) {
      const count = kind === 'valid' ? total - MIX.filter(([k]) => k !== 'valid').reduce((sum, [, s]) => sum + Math.round(total * s), 0) : Math.round(total * share);
      for (let i = 0; i < count; i++) {
        switch (kind) {
          case 'valid':
            queue.push(await this.valid());
            break;
          case 'replayed': {
            const original = await this.valid('replayed');
            primers.push(original);
            queue.push({ ...original, id: `${original.id}-again`, expected: 'replayed', headers: { ...original.headers, 'x-req-id': `${original.id}-again` } });
            break;
          }
          case 'expired':
            queue.push(await this.expired());
            break;
          case 'tampered':
            queue.push(await this.tampered());
            break;
          case 'stolen-token':
            queue.push(await this.stolenToken());
            break;
          case 'unknown-agent':
            queue.push(await this.unknownAgent());
            break;
          case 'malformed':
            queue.push(await this.malformed());
            break;
        }
      }
    }
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [queue[i], queue[j]] = [queue[j]!, queue[i]!];
    }
    return { queue, primers };
  }
}

interface Report {
  decisions: Array<[string | null, string, number]>;
  baselineRss: number;
  peakRss: number;
  endRss: number;
  baselineHeap: number;
  endHeap: number;
  stats: { accepted: number; rejected: number; rejectedByCode: Record<string, number> };
}

async function startLoadServer(framework: string, redisPort: number, keys: unknown): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(SERVER_SCRIPT, [JSON.stringify({ framework, redisPort, keys })], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = (await Promise.race([once(child, 'message'), once(child, 'exit').then(() => { throw new Error('load server exited'); })])) as [{ port: number }];
  return { child, url: `http://127.0.0.1:${message.port}` };
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

describe('mixed-traffic load with the Redis replay store: zero wrong decisions', () => {
  let redis: RedisServer;
  const random = prng(Number(process.env.SIGNET_LOAD_SEED ?? 20261125));
  const generator = new Generator(random);

  beforeAll(async () => {
    redis = await RedisServer.start();
    await generator.init();
  });
  afterAll(async () => redis?.stop());

  for (const framework of ['node:http', 'express'] as const) {
    it(`${framework}: ${TOTAL} requests at concurrency ${CONNECTIONS}`, async () => {
      const startedAt = performance.now();
      const { queue, primers } = await generator.plan(TOTAL);
      const generationMs = performance.now() - startedAt;
      const server = await startLoadServer(framework, redis.port, generator.trustedKeys());
      try {
        // Prime: the originals of the "replayed" requests are sent (and accepted) once before the load.
        for (let i = 0; i < primers.length; i += 16) {
          const responses = await Promise.all(
            primers.slice(i, i + 16).map((p) => fetch(`${server.url}${p.path}`, { method: p.method, headers: p.headers, ...(p.body === undefined ? {} : { body: p.body }) })),
          );
          for (const response of responses) expect(response.status).toBe(200);
        }
        // Warm-up is over: reset the decision log and the RSS baseline.
        await (await fetch(`${server.url}/__control/reset`)).json();

        let next = 0;
        const result = await autocannon({
          url: server.url,
          connections: CONNECTIONS,
          amount: queue.length,
          timeout: 20,
          requests: [
            {
              setupRequest: (request: CannonRequest) => {
                const item = queue[next++];
                if (item === undefined) throw new Error('request queue exhausted');
                return { ...request, method: item.method, path: item.path, headers: item.headers, ...(item.body === undefined ? {} : { body: item.body }) };
              },
            },
          ],
        });
        const report = (await (await fetch(`${server.url}/__control/report`)).json()) as Report;

        const expected = new Map(queue.map((p) => [p.id, p]));
        const seen = new Set<string>();
        const wrong: string[] = [];
        for (const [id, code] of report.decisions) {
          const plan = id === null ? undefined : expected.get(id);
          if (plan === undefined || seen.has(plan.id)) {
            wrong.push(`unexpected decision ${String(id)} → ${code}`);
            continue;
          }
          seen.add(plan.id);
          if (code !== plan.expected) wrong.push(`${plan.id} (${plan.kind}): expected ${plan.expected}, got ${code}`);
        }
        const missing = queue.filter((p) => !seen.has(p.id));
        const byKind = new Map<Kind, number>();
        for (const p of queue) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
        const okExpected = queue.filter((p) => p.expected === 'ok').length;
        const durations = report.decisions.map(([, , ms]) => ms);
        const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
        console.log(
          [
            `[load ${framework}] ${queue.length} requests, ${CONNECTIONS} connections, ${(result.duration).toFixed(1)} s, ${Math.round(result.requests.average)} req/s avg (generation ${(generationMs / 1000).toFixed(1)} s)`,
            `  mix: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')}`,
            `  decisions recorded ${report.decisions.length}, wrong ${wrong.length}, missing ${missing.length}; 2xx ${result['2xx']} (expected ${okExpected}), non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
            `  client latency ms: p50 ${result.latency.p50}, p90 ${result.latency.p90}, p99 ${result.latency.p99}, max ${result.latency.max}`,
            `  time inside verify() ms (queueing and the Redis round trip included): p50 ${percentile(durations, 50).toFixed(2)}, p99 ${percentile(durations, 99).toFixed(2)}`,
            `  server RSS MB: baseline ${mb(report.baselineRss)}, peak ${mb(report.peakRss)}, end (after gc) ${mb(report.endRss)}, growth ${mb(report.endRss - report.baselineRss)}; V8 heap used after gc ${mb(report.baselineHeap)} → ${mb(report.endHeap)}`,
            `  rejected by code: ${JSON.stringify(report.stats.rejectedByCode)}`,
          ].join('\n'),
        );
        expect(wrong.slice(0, 20)).toEqual([]);
        expect(missing.map((p) => p.id).slice(0, 20)).toEqual([]);
        expect(report.decisions.length).toBe(queue.length);
        expect(queue.length).toBeGreaterThanOrEqual(10_000);
        expect(result.errors).toBe(0);
        expect(result.timeouts).toBe(0);
        expect(result['2xx']).toBe(okExpected);
        expect(result.non2xx).toBe(queue.length - okExpected);
      } finally {
        server.child.send('stop');
        await once(server.child, 'exit');
      }
    }, 120_000);
  }
});
