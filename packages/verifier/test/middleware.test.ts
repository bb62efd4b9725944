import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDigest, generateKey } from '@signet/core';
import { createVerifier, signetMiddleware, type NonceStore, type Verifier } from '@signet/verifier';
import { FakeDiscovery } from './support/fake-discovery.js';
import { FRAMEWORKS, startServer, type Echo, type RunningServer } from './support/servers.js';
import { sign, signWba, type SignedRequestSpec } from './support/sign.js';

const AGENT = 'https://agent.example';
const THIEF = 'https://thief.example';
const agentKey = generateKey('ed25519');
const thiefKey = generateKey('ecdsa-p256-sha256');
const discovery = new FakeDiscovery().addAgent(AGENT, agentKey).addAgent(THIEF, thiefKey);
const tokenBindings = new Map([['tok-agent', agentKey.thumbprint]]);

/** A store that can be switched off, to see the 503. */
class SwitchableStore implements NonceStore {
  down = false;
  readonly #seen = new Set<string>();
  async checkAndStore(key: string): Promise<boolean> {
    if (this.down) throw new Error('store down');
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    return true;
  }
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const send = (spec: SignedRequestSpec, init: RequestInit = {}): Promise<Response> =>
  fetch(spec.url, { method: spec.method, headers: spec.headers, ...(spec.body === undefined ? {} : { body: spec.body as BodyInit }), ...init });

describe.each(FRAMEWORKS)('%s middleware on a loopback server', (framework) => {
  let server: RunningServer;
  let verifier: Verifier;
  const store = new SwitchableStore();
  const url = (path: string): string => `${server.url}${path}`;
  const wba = (path: string, options: Partial<Parameters<typeof signWba>[0]> = {}) => signWba({ url: url(path), key: agentKey, agent: AGENT, created: nowSeconds(), ...options });

  beforeAll(async () => {
    verifier = createVerifier({ discovery, nonceStore: store, tokens: { resolveTokenBinding: (t) => tokenBindings.get(t) } });
    server = await startServer(framework, verifier);
  });
  afterAll(async () => server.close());

  it('accepts a signed request and attaches the verified agent', async () => {
    const response = await send(await wba('/hello?x=1'));
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.agent).toMatchObject({ id: AGENT, keyid: agentKey.thumbprint, profile: 'web-bot-auth' });
  });

  it('refuses an unsigned request: 401 JSON { error, message } with Accept-Signature, no stack trace', async () => {
    const response = await fetch(url('/hello'));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('accept-signature')).toBe('sig1=("@authority" "signature-agent";key="sig1");created;expires;keyid;nonce;tag="web-bot-auth"');
    expect(response.headers.get('accept-signature-scheme')).toBe('jwt, jwks_uri, jwks, jkt-jwt, hwk');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: 'missing_signature', message: expect.stringContaining('not signed') });
    expect(text).not.toMatch(/\bat .*\.(js|ts):\d+/);
  });

  it('hands the application the exact body after checking its Content-Digest', async () => {
    const body = JSON.stringify({ order: 7, items: ['a', 'b'], note: 'ünïcode' });
    const response = await send(await wba('/orders', { method: 'POST', body, headers: { 'content-type': 'application/json' }, extra: ['content-digest', 'content-type'], digest: true }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).body).toEqual(JSON.parse(body));
  });

  it('a large streamed (chunked) body arrives intact; a tampered one is refused with digest_mismatch', async () => {
    const text = 'lorem ipsum dolor sit amet '.repeat(20_000); // 540 kB
    const signed = await wba('/upload', { method: 'POST', body: text, headers: { 'content-type': 'text/plain' }, extra: ['content-digest'], digest: true });
    const chunks = [text.slice(0, 100_000), text.slice(100_000, 300_000), text.slice(300_000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const ok = await fetch(signed.url, { method: 'POST', headers: signed.headers, body: stream, duplex: 'half' } as RequestInit);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as Echo).body).toBe(text);

    const tampered = await wba('/upload', { method: 'POST', body: '{"amount":1}', headers: { 'content-type': 'application/json' }, extra: ['content-digest'], digest: true });
    const refused = await send({ ...tampered, body: '{"amount":9}' });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'digest_mismatch' });
  });

  it('a replayed request → 401 replayed', async () => {
    const signed = await wba('/once');
    expect((await send(signed)).status).toBe(200);
    const replay = await send(signed);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: 'replayed' });
  });

  it('stolen tokens: alone, with another agent signature, uncovered, replayed — each refused with its code; the owner accepted', async () => {
    const auth = { authorization: 'Bearer tok-agent' };
    const alone = await fetch(url('/account'), { headers: auth });
    expect([alone.status, ((await alone.json()) as { error: string }).error]).toEqual([401, 'missing_signature']);

    const thief = await send(await signWba({ url: url('/account'), key: thiefKey, agent: THIEF, created: nowSeconds(), headers: auth, extra: ['authorization'] }));
    expect([thief.status, ((await thief.json()) as { error: string }).error]).toEqual([401, 'token_key_mismatch']);

    const uncovered = await wba('/account');
    const notCovered = await send({ ...uncovered, headers: { ...uncovered.headers, ...auth } });
    expect([notCovered.status, ((await notCovered.json()) as { error: string }).error]).toEqual([401, 'token_not_covered']);

    const legit = await wba('/account', { headers: auth, extra: ['authorization'] });
    const accepted = await send(legit);
    expect(accepted.status).toBe(200);
    expect(((await accepted.json()) as Echo).token).toMatchObject({ binding: 'introspection', token: 'tok-agent' });
    const replayed = await send(legit);
    expect([replayed.status, ((await replayed.json()) as { error: string }).error]).toEqual([401, 'replayed']);

    const unbound = await send(await wba('/account', { headers: { authorization: 'Bearer tok-unknown' }, extra: ['authorization'] }));
    expect([unbound.status, ((await unbound.json()) as { error: string }).error]).toEqual([401, 'token_not_bound']);
  });

  it('the replay store down → 503 replay_store_unavailable with Retry-After; back up → accepted', async () => {
    store.down = true;
    try {
      const response = await send(await wba('/x'));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({ error: 'replay_store_unavailable' });
    } finally {
      store.down = false;
    }
    expect((await send(await wba('/x'))).status).toBe(200);
  });

  it('a static (plain RFC 9421) signature from an unknown key → 401 unknown_key', async () => {
    const signed = await sign({ url: url('/x'), key: agentKey, components: ['@authority'], params: { created: Math.floor(Date.now() / 1000), keyid: 'who' } });
    const response = await send(signed);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unknown_key' });
  });

  it('counts decisions', () => {
    const stats = verifier.stats();
    expect(stats.accepted).toBeGreaterThanOrEqual(6);
    expect(stats.rejectedByCode).toMatchObject({ missing_signature: 2, replayed: 2, token_key_mismatch: 1, token_not_covered: 1, digest_mismatch: 1, replay_store_unavailable: 1 });
  });
});

describe('content digest with a body that is not JSON-parsed (sanity of the helper)', () => {
  it('createDigest is what the helper sends', () => {
    expect(createDigest('')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
  });
});

describe('Express with a body parser mounted before the verifier', () => {
  it('express.raw() before signet: the Buffer it read is checked; express.json() before signet: refused (500 body_unavailable)', async () => {
    const express = (await import('express')).default;
    const { createServer } = await import('node:http');
    const verifier = createVerifier({ discovery });
    const raw = express();
    raw.use(express.raw({ type: '*/*' }));
    raw.use(signetMiddleware(verifier));
    raw.use((req, res) => res.json({ bytes: (req.body as Buffer).length }));
    const parsed = express();
    parsed.use(express.json());
    parsed.use(signetMiddleware(verifier));
    parsed.use((_req, res) => res.json({ ok: true }));
    const servers = [createServer(raw), createServer(parsed)];
    const urls: string[] = [];
    for (const s of servers) {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      urls.push(`http://127.0.0.1:${(s.address() as { port: number }).port}`);
    }
    try {
      const body = JSON.stringify({ a: 1 });
      const signedFor = (base: string) => signWba({ url: `${base}/p`, key: agentKey, agent: AGENT, created: nowSeconds(), method: 'POST', body, headers: { 'content-type': 'application/json' }, extra: ['content-digest'], digest: true });
      const ok = await send(await signedFor(urls[0]!));
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ bytes: body.length });
      const tampered = await signedFor(urls[0]!);
      const bad = await send({ ...tampered, body: JSON.stringify({ a: 2 }) });
      expect(await bad.json()).toMatchObject({ error: 'digest_mismatch' });
      const refused = await send(await signedFor(urls[1]!));
      expect(refused.status).toBe(500);
      expect(await refused.json()).toEqual({ error: 'body_unavailable', message: expect.stringContaining('consumed') });
    } finally {
      for (const s of servers) s.close();
    }
  });
});
