/**
 * The Redis replay store for real: two verifier instances behind "a load balancer" share one redis-server; a replay
 * is refused across instances; Redis stopped mid-run → 503 replay_store_unavailable, nothing accepted without a
 * replay check; service resumes when Redis is back (issue 7 §5).
 */
import { once } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { generateKey } from '@signet/core';
import { DECISION_CHANNEL, RedisNonceStore, createVerifier, nonceKey, type NonceStore, type VerifierDecision } from '@signet/verifier';
import { FakeDiscovery } from '../../packages/verifier/test/support/fake-discovery.js';
import { RedisServer } from '../../packages/verifier/test/support/redis.js';
import { startServer, type RunningServer } from '../../packages/verifier/test/support/servers.js';
import { signWba, type SignedRequestSpec } from '../../packages/verifier/test/support/sign.js';

const AGENT = 'https://agent.example';
const ORIGIN = 'https://api.example';
const key = generateKey('ed25519');
const discovery = new FakeDiscovery().addAgent(AGENT, key);
const seconds = (): number => Math.floor(Date.now() / 1000);

/** Records every key the store confirmed as new, to prove that each accepted request passed a replay check. */
class AuditedStore implements NonceStore {
  readonly confirmed = new Set<string>();
  constructor(readonly inner: NonceStore) {}
  async checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    const fresh = await this.inner.checkAndStore(key, ttlMs);
    if (fresh) this.confirmed.add(key);
    return fresh;
  }
}

const send = (spec: SignedRequestSpec, base: string): Promise<Response> => {
  const url = new URL(spec.url);
  return fetch(`${base}${url.pathname}${url.search}`, { method: spec.method, headers: spec.headers });
};

describe('RedisNonceStore with a real redis-server, two verifier instances', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];
  const stores: AuditedStore[] = [];
  const servers: RunningServer[] = [];
  const decisions: VerifierDecision[] = [];
  const listener = (message: unknown): void => void decisions.push(message as VerifierDecision);

  beforeAll(async () => {
    redis = await RedisServer.start();
    subscribe(DECISION_CHANNEL, listener);
    for (const framework of ['node:http', 'express'] as const) {
      const client = redis.client();
      if (client.status !== 'ready') await once(client, 'ready');
      clients.push(client);
      const store = new AuditedStore(new RedisNonceStore({ client, prefix: 'signet-test:', timeoutMs: 500 }));
      stores.push(store);
      // Behind a load balancer: both instances serve the public origin https://api.example.
      servers.push(await startServer(framework, createVerifier({ discovery, nonceStore: store, baseUrl: ORIGIN })));
    }
  });

  afterAll(async () => {
    unsubscribe(DECISION_CHANNEL, listener);
    await Promise.all(servers.map((s) => s.close()));
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  // Both instances serve the same public origin: the request is signed for it and sent to either instance.
  const signed = (path: string) => signWba({ url: `${ORIGIN}${path}`, key, agent: AGENT, created: seconds() });
  const via = (i: number, spec: SignedRequestSpec) => send(spec, servers[i]!.url);

  it('a request accepted by instance A is refused as replayed by instance B (and by A)', async () => {
    const spec = await signed('/pay');
    expect((await via(0, spec)).status).toBe(200);
    const atB = await via(1, spec);
    expect(atB.status).toBe(401);
    expect(await atB.json()).toMatchObject({ error: 'replayed' });
    const atA = await via(0, spec);
    expect(await atA.json()).toMatchObject({ error: 'replayed' });
    // A fresh request is accepted by B: it is the nonce, not the instance, that is refused.
    expect((await via(1, await signed('/pay'))).status).toBe(200);
  });

  it('the same request sent 20 times concurrently to both instances is accepted exactly once', async () => {
    const spec = await signed('/race');
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => via(i % 2, spec)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ error?: string }>;
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(bodies.filter((b) => b.error === 'replayed')).toHaveLength(19);
  });

  it('Redis stopped mid-run → 503 replay_store_unavailable, nothing accepted unchecked; back → service resumes', async () => {
    decisions.length = 0;
    const outcomes: Array<{ status: number; error?: string; phase: string }> = [];
    let phase = 'up';
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        const response = await via(i % 2, await signed('/stream'));
        const body = (await response.json()) as { error?: string };
        outcomes.push({ status: response.status, error: body.error, phase });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    phase = 'stopping';
    await redis.stop();
    phase = 'down';
    await new Promise((resolve) => setTimeout(resolve, 700));
    phase = 'restarting';
    await redis.resume();
    phase = 'back';
    const deadline = Date.now() + 8_000;
    while (Date.now() < deadline && outcomes.filter((o) => o.phase === 'back' && o.status === 200).length < 5) await new Promise((resolve) => setTimeout(resolve, 50));
    running = false;
    await traffic;

    const down = outcomes.filter((o) => o.phase === 'down');
    expect(outcomes.filter((o) => o.phase === 'up' && o.status === 200).length).toBeGreaterThan(0);
    expect(down.length).toBeGreaterThan(0);
    expect(down.every((o) => o.status === 503 && o.error === 'replay_store_unavailable')).toBe(true);
    expect(outcomes.filter((o) => o.phase === 'back' && o.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(outcomes.every((o) => o.status === 200 || (o.status === 503 && o.error === 'replay_store_unavailable'))).toBe(true);

    // Every accepted decision had its nonce confirmed new by Redis: none was accepted without a replay check.
    const accepted = decisions.filter((d) => d.outcome === 'accepted');
    expect(accepted.length).toBe(outcomes.filter((o) => o.status === 200).length);
    const confirmed = new Set([...stores[0]!.confirmed, ...stores[1]!.confirmed]);
    for (const decision of accepted) {
      const headers = (decision.request as { headers: Record<string, string> }).headers;
      const nonce = /;nonce="([^"]+)"/.exec(headers['signature-input'] ?? '')?.[1];
      expect(nonce).toBeDefined();
      expect(confirmed.has(nonceKey(key.thumbprint, nonce!))).toBe(true);
    }
    console.log(`redis fault run: ${outcomes.length} requests — up ${outcomes.filter((o) => o.phase === 'up').length}, during outage ${down.length} (all 503), after restart ${outcomes.filter((o) => o.phase === 'back').length}`);
  }, 30_000);
});
