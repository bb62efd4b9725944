/**
 * KeyDiscovery behaviour against loopback fixture servers: each Signature-Agent type, AAuth JWKS and metadata,
 * coalescing, Cache-Control, stale-while-revalidate, rotation and the unknown-keyid re-fetch limit.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateKey, type SignatureAgent, type SignetKey } from '@signet/core';
import { randomBytes } from 'node:crypto';
import { KeyDiscovery, type DiscoveryOptions } from '../../src/discovery/index.js';
import { DIRECTORY_PATH, ManualClock, directoryHandler, fixed, json, signedDirectory, startFixture, type Fixture } from './fixtures.js';

const servers: Fixture[] = [];
const instances: KeyDiscovery[] = [];
afterEach(async () => {
  await Promise.all(instances.splice(0).map((d) => d.close()));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function fixture(...args: Parameters<typeof startFixture>): Promise<Fixture> {
  const fx = await startFixture(...args);
  servers.push(fx);
  return fx;
}
function discovery(clock: ManualClock, more: DiscoveryOptions = {}): KeyDiscovery {
  const d = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'], now: clock.now, ...more });
  instances.push(d);
  return d;
}
const directoryAgent = (fx: Fixture, path = ''): SignatureAgent => ({ label: 'a', uri: `${fx.origin}${path}`, type: 'directory' });

describe('type=directory', () => {
  it('finds the key by its thumbprint at <origin>/.well-known/http-message-signatures-directory', async () => {
    const clock = new ManualClock();
    const [a, b] = [generateKey(), generateKey('ecdsa-p256-sha256')];
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [a, b], clock.seconds) });
    const d = discovery(clock);
    const found = await d.findAgentKey(directoryAgent(fx, '/some/path?q=1'), b.thumbprint);
    expect(found).toMatchObject({ thumbprint: b.thumbprint, source: `${fx.origin}${DIRECTORY_PATH}`, kid: b.thumbprint, directorySigned: true });
    expect(found.key.type).toBe('public');
    expect(found.jwk).toMatchObject(b.publicJwk());
    expect((await d.findAgentKey(directoryAgent(fx), a.thumbprint)).thumbprint).toBe(a.thumbprint);
    expect(fx.hits(DIRECTORY_PATH)).toBe(1);
    expect(d.stats()).toMatchObject({ fetches: 1, cacheHits: 1 });
  });

  it('a key the directory lists but does not sign for is refused (directory_signature_invalid); the signed one works', async () => {
    const clock = new ManualClock();
    const [signed, unsigned] = [generateKey(), generateKey()];
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [signed, unsigned], clock.seconds, { signers: [signed] }) });
    const d = discovery(clock);
    await expect(d.findAgentKey(directoryAgent(fx), unsigned.thumbprint)).rejects.toMatchObject({ code: 'directory_signature_invalid', message: expect.stringContaining('has no valid directory signature') });
    expect(await d.findAgentKey(directoryAgent(fx), signed.thumbprint)).toMatchObject({ directorySigned: true });
  });

  it('requireDirectorySignature: false accepts an unsigned directory (keys marked directorySigned: false)', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds, { signers: [] }) });
    await expect(discovery(clock).findAgentKey(directoryAgent(fx), key.thumbprint)).rejects.toMatchObject({ code: 'directory_signature_invalid' });
    expect(await discovery(clock, { requireDirectorySignature: false }).findAgentKey(directoryAgent(fx), key.thumbprint)).toMatchObject({ directorySigned: false });
  });

  it('a kid equal to the keyid also matches; a key outside its nbf/exp window is unknown_key', async () => {
    const clock = new ManualClock();
    const [a, b] = [generateKey(), generateKey()];
    const fx = await fixture({
      [DIRECTORY_PATH]: directoryHandler(() => [a, b], clock.seconds, { extra: [{ kid: 'agent-key-1' }, { exp: clock.seconds() + 30 }] }),
    });
    const d = discovery(clock);
    expect(await d.findAgentKey(directoryAgent(fx), 'agent-key-1')).toMatchObject({ thumbprint: a.thumbprint });
    expect(await d.findAgentKey(directoryAgent(fx), b.thumbprint)).toMatchObject({ thumbprint: b.thumbprint });
    clock.advance(31);
    await expect(d.findAgentKey(directoryAgent(fx), b.thumbprint)).rejects.toMatchObject({ code: 'unknown_key', message: expect.stringContaining('expired at') });
  });

  it('an unknown keyid right after a fetch is unknown_key without another fetch', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds) });
    const d = discovery(clock);
    await expect(d.findAgentKey(directoryAgent(fx), generateKey().thumbprint)).rejects.toMatchObject({ code: 'unknown_key', message: expect.stringMatching(/no key with keyid\/kid .* among its 1 key\(s\) \(fetched 0 s ago/) });
    expect(fx.hits(DIRECTORY_PATH)).toBe(1);
  });
});

describe('type=jwks_uri and findJwksKey (AAuth jwks)', () => {
  it('accepts application/json and application/jwk-set+json; needs no directory signature', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const body = { keys: [{ ...key.publicJwk(), kid: 'k1', alg: 'Ed25519' }] };
    const fx = await fixture({
      '/jwks.json': fixed(json(body)),
      '/jwk-set': fixed(json(body, { 'content-type': 'application/jwk-set+json; charset=utf-8' })),
      '/html': fixed(json(body, { 'content-type': 'text/html' })),
    });
    const d = discovery(clock);
    expect(await d.findAgentKey({ label: 'a', uri: `${fx.origin}/jwks.json`, type: 'jwks_uri' }, key.thumbprint)).toMatchObject({ source: `${fx.origin}/jwks.json`, directorySigned: false });
    expect(await d.findJwksKey(`${fx.origin}/jwk-set`, 'k1')).toMatchObject({ thumbprint: key.thumbprint, kid: 'k1' });
    expect(await d.findJwksKey(`${fx.origin}/jwk-set`, key.thumbprint)).toMatchObject({ kid: 'k1' });
    await expect(d.findJwksKey(`${fx.origin}/jwk-set`, 'k2')).rejects.toMatchObject({ code: 'unknown_key', url: `${fx.origin}/jwk-set` });
    await expect(d.findJwksKey(`${fx.origin}/html`, 'k1')).rejects.toMatchObject({ code: 'directory_invalid', message: expect.stringContaining('media type "text/html"') });
  });

  it('a JWKS with a private member is refused whole, even for a kid that names a public key', async () => {
    const clock = new ManualClock();
    const fx = await fixture({ '/jwks': fixed(json({ keys: [{ ...generateKey().publicJwk(), kid: 'pub' }, { kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret', kid: 'leak' }] })) });
    await expect(discovery(clock).findJwksKey(`${fx.origin}/jwks`, 'pub')).rejects.toMatchObject({ code: 'directory_invalid', message: expect.stringContaining('private key members') });
  });
});

describe('type=cimd (Signature Agent Card)', () => {
  it('reads inline jwks from a valid card', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture();
    const cardUrl = `${fx.origin}/card.json`;
    fx.routes.set('/card.json', fixed(json({ client_id: cardUrl, client_name: 'Agent', jwks: { keys: [key.publicJwk()] }, web_bot_auth: { purpose: 'test' } })));
    const found = await discovery(clock).findAgentKey({ label: 'a', uri: cardUrl, type: 'cimd' }, key.thumbprint);
    expect(found).toMatchObject({ thumbprint: key.thumbprint, source: cardUrl });
  });

  it('the jwks_uri hop goes through the same guard (success over https: see https.test.ts)', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ '/keys': fixed(json({ keys: [key.publicJwk()] })) });
    // The card's jwks_uri resolves to a private address: the hop is attempted and refused by the guard.
    const cardUrl = `${fx.origin}/card.json`;
    fx.routes.set('/card.json', fixed(json({ client_id: cardUrl, jwks_uri: 'https://keys.agent.test/keys' })));
    const d = discovery(clock, { lookup: async () => [{ address: '10.9.9.9', family: 4 }] });
    await expect(d.findAgentKey({ label: 'a', uri: cardUrl, type: 'cimd' }, key.thumbprint)).rejects.toMatchObject({ code: 'fetch_not_allowed', url: 'https://keys.agent.test/keys', message: expect.stringContaining('10.9.9.9') });
    expect(fx.hits('/card.json')).toBe(1);
  });

  it('refuses a card whose client_id is not its URL, or that has both jwks and jwks_uri', async () => {
    const clock = new ManualClock();
    const fx = await fixture();
    fx.routes.set('/wrong-id', fixed(json({ client_id: 'https://other.example/card', jwks: { keys: [] } })));
    fx.routes.set('/both', fixed(json({ client_id: `${fx.origin}/both`, jwks: { keys: [] }, jwks_uri: 'https://x.example/k' })));
    fx.routes.set('/html', fixed({ status: 200, headers: { 'content-type': 'text/html' }, body: '{}' }));
    const d = discovery(clock);
    await expect(d.findAgentKey({ label: 'a', uri: `${fx.origin}/wrong-id`, type: 'cimd' }, 'k')).rejects.toMatchObject({ code: 'invalid_signature_agent_card', message: expect.stringContaining('client_id must match the card URL') });
    await expect(d.findAgentKey({ label: 'a', uri: `${fx.origin}/both`, type: 'cimd' }, 'k')).rejects.toMatchObject({ code: 'invalid_signature_agent_card', message: expect.stringContaining('must not contain both') });
    await expect(d.findAgentKey({ label: 'a', uri: `${fx.origin}/html`, type: 'cimd' }, 'k')).rejects.toMatchObject({ code: 'directory_invalid' });
  });

  it('an unknown keyid re-fetches the card (rotation of inline keys)', async () => {
    const clock = new ManualClock();
    const [oldKey, newKey] = [generateKey(), generateKey()];
    let keys: SignetKey[] = [oldKey];
    const fx = await fixture();
    const cardUrl = `${fx.origin}/card`;
    fx.routes.set('/card', (_req, res) => {
      const r = json({ client_id: cardUrl, jwks: { keys: keys.map((k) => k.publicJwk()) } }, { 'cache-control': 'max-age=3600' });
      res.writeHead(r.status, r.headers).end(r.body);
    });
    const d = discovery(clock);
    const a: SignatureAgent = { label: 'a', uri: cardUrl, type: 'cimd' };
    await d.findAgentKey(a, oldKey.thumbprint);
    keys = [oldKey, newKey];
    clock.advance(61);
    expect(await d.findAgentKey(a, newKey.thumbprint)).toMatchObject({ thumbprint: newKey.thumbprint });
    expect(fx.hits('/card')).toBe(2);
  });
});

describe('fetchJson (AAuth metadata)', () => {
  it('returns the parsed document, deep-frozen and cached', async () => {
    const clock = new ManualClock();
    const fx = await fixture({ '/.well-known/aauth-agent': fixed(json({ issuer: 'https://agent.example', jwks_uri: 'https://agent.example/jwks', nested: { a: [1] } })) });
    const d = discovery(clock);
    const doc = (await d.fetchJson(`${fx.origin}/.well-known/aauth-agent`)) as { issuer: string; nested: { a: number[] } };
    expect(doc.issuer).toBe('https://agent.example');
    expect(Object.isFrozen(doc.nested.a)).toBe(true);
    expect(await d.fetchJson(`${fx.origin}/.well-known/aauth-agent`)).toBe(doc);
    expect(fx.hits('/.well-known/aauth-agent')).toBe(1);
  });
});

describe('one fetch in flight per URL', () => {
  it('1,000 concurrent first lookups for a new agent → exactly 1 fetch', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const slow = directoryHandler(() => [key], clock.seconds);
    const fx = await fixture({ [DIRECTORY_PATH]: async (req, res, f) => { await new Promise((r) => setTimeout(r, 50)); await slow(req, res, f); } });
    const d = discovery(clock);
    const results = await Promise.all(Array.from({ length: 1000 }, () => d.findAgentKey(directoryAgent(fx), key.thumbprint)));
    expect(results.every((r) => r.thumbprint === key.thumbprint)).toBe(true);
    expect(fx.hits(DIRECTORY_PATH)).toBe(1);
    expect(d.stats()).toMatchObject({ fetches: 1, coalesced: 999 });
  });

  it('1,000 concurrent lookups split between a cimd card and a jwks_uri agent → 1 fetch each', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ '/keys': fixed(json({ keys: [key.publicJwk()] })) });
    const cardUrl = `${fx.origin}/card`;
    fx.routes.set('/card', fixed(json({ client_id: cardUrl, jwks: { keys: [key.publicJwk()] } })));
    const d = discovery(clock);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        i % 2 === 0 ? d.findAgentKey({ label: 'a', uri: cardUrl, type: 'cimd' }, key.thumbprint) : d.findAgentKey({ label: 'a', uri: `${fx.origin}/keys`, type: 'jwks_uri' }, key.thumbprint),
      ),
    );
    expect(results).toHaveLength(1000);
    expect(fx.hits('/card')).toBe(1);
    expect(fx.hits('/keys')).toBe(1);
  });

  it('a failed fetch is not remembered as a rejected promise: after the backoff it is retried', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    let fail = true;
    const ok = directoryHandler(() => [key], clock.seconds);
    const fx = await fixture({ [DIRECTORY_PATH]: (req, res, f) => (fail ? res.destroy() : ok(req, res, f)) });
    const d = discovery(clock, { negativeTtlSeconds: 5 });
    const failures = await Promise.all(Array.from({ length: 100 }, () => d.findAgentKey(directoryAgent(fx), key.thumbprint).catch((e: { code: string }) => e.code)));
    expect(new Set(failures)).toEqual(new Set(['directory_unavailable']));
    expect(fx.hits(DIRECTORY_PATH)).toBe(1);
    await expect(d.findAgentKey(directoryAgent(fx), key.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringContaining('(failed recently; not fetched again for 5 s)') });
    fail = false;
    clock.advance(6);
    expect(await d.findAgentKey(directoryAgent(fx), key.thumbprint)).toMatchObject({ thumbprint: key.thumbprint });
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
  });
});

describe('Cache-Control', () => {
  async function countingDirectory(cacheControl: string) {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds, { cacheControl }) });
    const d = discovery(clock);
    const lookup = () => d.findAgentKey(directoryAgent(fx), key.thumbprint);
    const hits = () => fx.hits(DIRECTORY_PATH);
    return { clock, d, lookup, hits };
  }

  it('max-age is honoured', async () => {
    const { clock, lookup, hits } = await countingDirectory('max-age=600');
    await lookup();
    clock.advance(599);
    await lookup();
    expect(hits()).toBe(1);
    clock.advance(2);
    await lookup();
    expect(hits()).toBe(2);
  });

  it('a tiny max-age (or no-store) is raised to minTtl (60 s); a huge one is cut to maxTtl (24 h)', async () => {
    for (const cc of ['max-age=1', 'no-store']) {
      const { clock, lookup, hits } = await countingDirectory(cc);
      await lookup();
      clock.advance(59);
      await lookup();
      expect(hits(), cc).toBe(1);
      clock.advance(2);
      await lookup();
      expect(hits(), cc).toBe(2);
    }
    const { clock, lookup, hits } = await countingDirectory('max-age=31536000');
    await lookup();
    clock.advance(86_399);
    await lookup();
    expect(hits()).toBe(1);
    clock.advance(2);
    await lookup();
    expect(hits()).toBe(2);
  });

  it('stale-while-revalidate: the stale entry is served at once while ONE background refresh runs', async () => {
    const clock = new ManualClock();
    const [a, b] = [generateKey(), generateKey()];
    let keys = [a];
    let release: () => void = () => undefined;
    let gate: Promise<void> = Promise.resolve();
    const handler = directoryHandler(() => keys, clock.seconds, { cacheControl: 'max-age=60, stale-while-revalidate=300' });
    const fx = await fixture({ [DIRECTORY_PATH]: async (req, res, f) => { await gate; await handler(req, res, f); } });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), a.thumbprint);
    keys = [a, b];
    gate = new Promise((r) => (release = r));
    clock.advance(61);
    const served = await Promise.all(Array.from({ length: 50 }, () => d.findAgentKey(directoryAgent(fx), a.thumbprint)));
    expect(served).toHaveLength(50); // answered while the refresh is still held at the server
    expect(d.stats().backgroundRefreshes).toBe(1);
    release();
    await d.idle();
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
    expect(await d.findAgentKey(directoryAgent(fx), b.thumbprint)).toMatchObject({ thumbprint: b.thumbprint });
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
  });

  it('past stale-while-revalidate the lookup waits for the fetch', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds, { cacheControl: 'max-age=60, stale-while-revalidate=30' }) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    clock.advance(91);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    expect(d.stats()).toMatchObject({ fetches: 2, backgroundRefreshes: 0 });
  });

  it('a failed re-fetch keeps the good keys (stale-if-error), but not forever', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    let up = true;
    const ok = directoryHandler(() => [key], clock.seconds, { cacheControl: 'max-age=60' });
    const fx = await fixture({ [DIRECTORY_PATH]: (req, res, f) => (up ? ok(req, res, f) : fixed({ status: 502, headers: {}, body: '' })(req, res, f)) });
    const d = discovery(clock, { staleIfErrorSeconds: 3600 });
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    up = false;
    clock.advance(61);
    expect(await d.findAgentKey(directoryAgent(fx), key.thumbprint)).toMatchObject({ thumbprint: key.thumbprint });
    clock.advance(3000);
    expect(await d.findAgentKey(directoryAgent(fx), key.thumbprint)).toMatchObject({ thumbprint: key.thumbprint });
    clock.advance(601);
    await expect(d.findAgentKey(directoryAgent(fx), key.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' });
  });
});

describe('rotation and the unknown-keyid re-fetch limit', () => {
  it('a directory that gains a key: the unknown keyid triggers one re-fetch and succeeds', async () => {
    const clock = new ManualClock();
    const [oldKey, newKey] = [generateKey(), generateKey()];
    let keys = [oldKey];
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => keys, clock.seconds, { cacheControl: 'max-age=86400' }) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), oldKey.thumbprint);
    keys = [oldKey, newKey];
    clock.advance(61);
    const results = await Promise.all(Array.from({ length: 20 }, () => d.findAgentKey(directoryAgent(fx), newKey.thumbprint)));
    expect(results.every((r) => r.thumbprint === newKey.thumbprint)).toBe(true);
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
    expect(d.stats().refetches).toBe(1);
    // The old key still verifies from the same (new) directory.
    expect(await d.findAgentKey(directoryAgent(fx), oldKey.thumbprint)).toMatchObject({ thumbprint: oldKey.thumbprint });
  });

  it('a directory that drops a key: after the re-fetch the removed key is unknown_key', async () => {
    const clock = new ManualClock();
    const [oldKey, newKey] = [generateKey(), generateKey()];
    let keys = [oldKey];
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => keys, clock.seconds, { cacheControl: 'max-age=120' }) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), oldKey.thumbprint);
    keys = [newKey];
    clock.advance(121);
    expect(await d.findAgentKey(directoryAgent(fx), newKey.thumbprint)).toMatchObject({ thumbprint: newKey.thumbprint });
    await expect(d.findAgentKey(directoryAgent(fx), oldKey.thumbprint)).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('a flood of random keyids re-fetches at most once per unknownKeyRefetchSeconds per origin', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds, { cacheControl: 'max-age=86400' }) });
    const d = discovery(clock, { unknownKeyRefetchSeconds: 60 });
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    const flood = async (n: number): Promise<void> => {
      const codes = await Promise.all(Array.from({ length: n }, () => d.findAgentKey(directoryAgent(fx), randomBytes(32).toString('base64url')).catch((e: { code: string }) => e.code)));
      expect(new Set(codes)).toEqual(new Set(['unknown_key']));
    };
    await flood(1000); // fetched less than 60 s ago: no re-fetch at all
    expect(fx.hits(DIRECTORY_PATH)).toBe(1);
    for (let minute = 1; minute <= 5; minute++) {
      clock.advance(61);
      await flood(500);
      for (let s = 0; s < 5; s++) {
        clock.advance(10);
        await flood(100);
      }
      expect(fx.hits(DIRECTORY_PATH)).toBe(1 + minute);
    }
    expect(d.stats().refetches).toBe(5);
    expect(d.stats().refetchesLimited).toBeGreaterThan(0);
    // The legitimate agent is still served throughout, from the cache.
    expect(await d.findAgentKey(directoryAgent(fx), key.thumbprint)).toMatchObject({ thumbprint: key.thumbprint });
  });

  it('the limit is per origin: another agent still gets its rotation re-fetch', async () => {
    const clock = new ManualClock();
    const [k1, k2, k3] = [generateKey(), generateKey(), generateKey()];
    let keys2 = [k2];
    const fx1 = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [k1], clock.seconds, { cacheControl: 'max-age=86400' }) });
    const fx2 = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => keys2, clock.seconds, { cacheControl: 'max-age=86400' }) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx1), k1.thumbprint);
    await d.findAgentKey(directoryAgent(fx2), k2.thumbprint);
    clock.advance(61);
    for (let i = 0; i < 50; i++) await d.findAgentKey(directoryAgent(fx1), `random-${i}`).catch(() => undefined);
    keys2 = [k2, k3];
    expect(await d.findAgentKey(directoryAgent(fx2), k3.thumbprint)).toMatchObject({ thumbprint: k3.thumbprint });
    expect(fx1.hits(DIRECTORY_PATH)).toBe(2);
    expect(fx2.hits(DIRECTORY_PATH)).toBe(2);
  });

  it('no re-fetch while the origin is in negative backoff', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    let up = true;
    const ok = directoryHandler(() => [key], clock.seconds, { cacheControl: 'max-age=60' });
    const fx = await fixture({ [DIRECTORY_PATH]: (req, res, f) => (up ? ok(req, res, f) : fixed({ status: 500, headers: {}, body: '' })(req, res, f)) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    up = false;
    clock.advance(61);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint); // fails, serves stale, enters backoff
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
    clock.advance(61);
    for (let i = 0; i < 20; i++) await expect(d.findAgentKey(directoryAgent(fx), `unknown-${i}`)).rejects.toMatchObject({ code: 'unknown_key' });
    expect(fx.hits(DIRECTORY_PATH)).toBe(3); // one fetch after the 10 s backoff expired, not 20
  });
});

describe('housekeeping', () => {
  it('clear() drops the cache; stats() counts failures by code', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds), '/500': fixed({ status: 500, headers: {}, body: '' }) });
    const d = discovery(clock);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    await d.findJwksKey(`${fx.origin}/500`, 'x').catch(() => undefined);
    expect(d.stats()).toMatchObject({ fetches: 2, entries: 2, failures: { directory_unavailable: 1 } });
    d.clear();
    expect(d.stats().entries).toBe(0);
    await d.findAgentKey(directoryAgent(fx), key.thumbprint);
    expect(fx.hits(DIRECTORY_PATH)).toBe(2);
  });

  it('maxCacheEntries bounds the cache (least recently used first)', async () => {
    const clock = new ManualClock();
    const fx = await fixture();
    for (let i = 0; i < 5; i++) fx.routes.set(`/doc${i}`, fixed(json({ i })));
    const d = discovery(clock, { maxCacheEntries: 3 });
    for (let i = 0; i < 5; i++) await d.fetchJson(`${fx.origin}/doc${i}`);
    expect(d.stats().entries).toBe(3);
    await d.fetchJson(`${fx.origin}/doc4`);
    await d.fetchJson(`${fx.origin}/doc0`);
    expect(fx.hits('/doc4')).toBe(1);
    expect(fx.hits('/doc0')).toBe(2);
  });

  it('rejects nonsensical options', () => {
    expect(() => new KeyDiscovery({ timeoutMs: -1 })).toThrow(TypeError);
    expect(() => new KeyDiscovery({ minTtlSeconds: 100, maxTtlSeconds: 10 })).toThrow(TypeError);
  });
});

describe('authority binding', () => {
  it('a directory response signed for another host is refused (directory_signature_invalid)', async () => {
    const clock = new ManualClock();
    const key = generateKey();
    const fx = await fixture();
    fx.routes.set(DIRECTORY_PATH, async (_req, res) => {
      const r = await signedDirectory({ url: `https://elsewhere.example${DIRECTORY_PATH}`, keys: [key], created: clock.seconds() });
      res.writeHead(r.status, r.headers).end(r.body);
    });
    await expect(discovery(clock).findAgentKey(directoryAgent(fx), key.thumbprint)).rejects.toMatchObject({ code: 'directory_signature_invalid', message: expect.stringContaining('does not verify') });
  });
});
