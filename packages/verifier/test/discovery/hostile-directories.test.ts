/**
 * Issue 7 §3: hostile key directories on loopback fixture servers. Each is refused with its own code, the
 * verifier keeps serving other agents meanwhile, and negative caching stops it from hammering the origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey, type SignatureAgent, type SignetKey } from '@signet/core';
import { DIRECTORY_MEDIA_TYPE, KeyDiscovery, type DiscoveryOptions } from '../../src/discovery/index.js';
import { DIRECTORY_PATH, ManualClock, directoryHandler, fixed, send, signedDirectory, startFixture, type Fixture, type Handler } from './fixtures.js';

const clock = new ManualClock();
const good = generateKey();
const outsider = generateKey();
const servers: Fixture[] = [];
const origins: Record<string, Fixture> = {};
const agent = (name: string): SignatureAgent => ({ label: name, uri: origins[name]!.origin, type: 'directory' });
const directoryUrl = (name: string): string => `${origins[name]!.origin}${DIRECTORY_PATH}`;

/** A handler that answers with a directory signed for this fixture's URL, then post-processed. */
function signedThen(keys: () => SignetKey[], change: (r: Awaited<ReturnType<typeof signedDirectory>>) => void, more: Parameters<typeof signedDirectory>[0] extends infer O ? Partial<O> : never = {}): Handler {
  return async (req, res) => {
    const r = await signedDirectory({ url: `http://${req.headers.host}${DIRECTORY_PATH}`, keys: keys(), created: clock.seconds(), ...more });
    change(r);
    send(res, r);
  };
}

const hostile: Record<string, { handler: Handler; code: string; message: RegExp }> = {
  slowHeaders: { handler: () => undefined, code: 'directory_unavailable', message: /timed out after 300 ms/ },
  slowBody: {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': DIRECTORY_MEDIA_TYPE });
      const t = setInterval(() => res.write(' '), 40);
      res.on('close', () => clearInterval(t));
    },
    code: 'directory_unavailable',
    message: /timed out after 300 ms/,
  },
  tenMegabytes: {
    handler: (_req, res) => {
      res.writeHead(200, { 'content-type': DIRECTORY_MEDIA_TYPE });
      res.end(Buffer.alloc(10 * 1024 * 1024, 0x20));
    },
    code: 'directory_too_large',
    message: /exceeds the 65536-byte cap/,
  },
  redirectLoopback: { handler: (_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${origins.good!.port}${DIRECTORY_PATH}` }).end(), code: 'fetch_not_allowed', message: /302 redirecting to http:\/\/127\.0\.0\.1:\d+\/\.well-known/ },
  redirectMetadata: { handler: (_req, res) => res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' }).end(), code: 'fetch_not_allowed', message: /307 redirecting to http:\/\/169\.254\.169\.254/ },
  wrongMediaType: { handler: signedThen(() => [good], (r) => (r.headers['content-type'] = 'application/json')), code: 'directory_invalid', message: /media type "application\/json" is not application\/http-message-signatures-directory\+json/ },
  htmlMediaType: { handler: fixed({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>hi</html>' }), code: 'directory_invalid', message: /media type "text\/html"/ },
  invalidJson: { handler: fixed({ status: 200, headers: { 'content-type': DIRECTORY_MEDIA_TYPE }, body: '{"keys": [' }), code: 'directory_invalid', message: /not valid JSON/ },
  notAJwks: { handler: fixed({ status: 200, headers: { 'content-type': DIRECTORY_MEDIA_TYPE }, body: '{"keys": "none"}' }), code: 'directory_invalid', message: /"keys" is not an array/ },
  privateMembers: {
    handler: async (_req, res) => send(res, { status: 200, headers: { 'content-type': DIRECTORY_MEDIA_TYPE }, body: JSON.stringify({ keys: [good.publicJwk(), exportPrivateJwk(generateKey())] }) }),
    code: 'directory_invalid',
    message: /private key members; the whole key set is refused/,
  },
  unsigned: { handler: signedThen(() => [good], () => undefined, { signers: [] }), code: 'directory_signature_invalid', message: /unsigned directory/ },
  foreignSigner: { handler: signedThen(() => [good], () => undefined, { signers: [outsider] }), code: 'directory_signature_invalid', message: /not the thumbprint of a usable key in this directory/ },
  tamperedBody: { handler: signedThen(() => [good], (r) => (r.body = r.body.replace('"use":"sig"', '"use":"sig" '))), code: 'directory_signature_invalid', message: /Content-Digest does not match the body/ },
  serverError: { handler: fixed({ status: 500, headers: {}, body: 'oops' }), code: 'directory_unavailable', message: /answered HTTP 500; only 200 is accepted/ },
  notFound: { handler: fixed({ status: 404, headers: {}, body: 'no' }), code: 'directory_unavailable', message: /answered HTTP 404/ },
};

const options: DiscoveryOptions = { allowHttp: true, allowedHosts: ['127.0.0.1'], now: clock.now, timeoutMs: 300, negativeTtlSeconds: 10, maxNegativeTtlSeconds: 300 };

beforeAll(async () => {
  origins.good = await startFixture({ [DIRECTORY_PATH]: directoryHandler(() => [good], clock.seconds) });
  for (const [name, { handler }] of Object.entries(hostile)) origins[name] = await startFixture({ [DIRECTORY_PATH]: handler });
  servers.push(...Object.values(origins));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('hostile key directories', () => {
  for (const [name, { code, message }] of Object.entries(hostile)) {
    it(`${name}: refused with ${code}, the message naming the URL and the reason`, async () => {
      const discovery = new KeyDiscovery(options);
      try {
        const err = await discovery.findAgentKey(agent(name), good.thumbprint).catch((e: unknown) => e);
        expect(err).toMatchObject({ name: 'DiscoveryError', code, url: directoryUrl(name) });
        expect((err as Error).message).toContain(directoryUrl(name));
        expect((err as Error).message).toMatch(message);
        expect(discovery.stats().failures).toEqual({ [code]: 1 });
      } finally {
        await discovery.close();
      }
    });
  }

  it('the good agent keeps being served, without waiting, while every hostile one is being refused', async () => {
    const discovery = new KeyDiscovery({ ...options, timeoutMs: 1000 });
    const newcomerKey = generateKey();
    const newcomer = await startFixture({ [DIRECTORY_PATH]: directoryHandler(() => [newcomerKey], clock.seconds) });
    servers.push(newcomer);
    try {
      await discovery.findAgentKey(agent('good'), good.thumbprint);
      const started = performance.now();
      const hostileResults = Object.keys(hostile).map((name) =>
        discovery.findAgentKey(agent(name), good.thumbprint).then(
          () => ({ name, code: 'accepted' }),
          (e: { code: string }) => ({ name, code: e.code, at: performance.now() - started }),
        ),
      );
      const goodTimes: number[] = [];
      // An agent never seen before is fetched and verified meanwhile, too.
      expect(await discovery.findAgentKey({ label: 'n', uri: newcomer.origin, type: 'directory' }, newcomerKey.thumbprint)).toMatchObject({ thumbprint: newcomerKey.thumbprint });
      goodTimes.push(performance.now() - started);
      for (let i = 0; i < 200; i++) {
        const found = await discovery.findAgentKey(agent('good'), good.thumbprint);
        expect(found.thumbprint).toBe(good.thumbprint);
        goodTimes.push(performance.now() - started);
      }
      const results = await Promise.all(hostileResults);
      for (const r of results) expect(r.code, r.name).toBe(hostile[r.name]!.code);
      // Every good lookup finished before the slow hostile ones gave up (timeout 1000 ms).
      const slowest = Math.min(...results.filter((r) => r.name.startsWith('slow')).map((r) => (r as { at: number }).at));
      expect(slowest).toBeGreaterThanOrEqual(950);
      expect(Math.max(...goodTimes)).toBeLessThan(slowest);
      expect(await discovery.findAgentKey(agent('good'), good.thumbprint)).toMatchObject({ thumbprint: good.thumbprint });
      expect(origins.good!.hits(DIRECTORY_PATH)).toBeGreaterThanOrEqual(1);
    } finally {
      await discovery.close();
    }
  });

  it('negative caching: 100 more lookups of each failing agent cause no fetch; backoff doubles per failure', async () => {
    const discovery = new KeyDiscovery(options);
    try {
      const names = Object.keys(hostile).filter((n) => !n.startsWith('slow')); // keep this test fast
      const hitsBefore = Object.fromEntries(names.map((n) => [n, origins[n]!.hits(DIRECTORY_PATH)]));
      const tryAll = async (times: number): Promise<void> => {
        for (let i = 0; i < times; i++) {
          await Promise.all(names.map((n) => discovery.findAgentKey(agent(n), good.thumbprint).then(() => expect.unreachable(n), (e: { code: string }) => expect(e.code).toBe(hostile[n]!.code))));
        }
      };
      const fetched = (): number[] => names.map((n) => origins[n]!.hits(DIRECTORY_PATH) - hitsBefore[n]!);
      await tryAll(101);
      expect(fetched()).toEqual(names.map(() => 1));
      expect(discovery.stats().negativeHits).toBe(100 * names.length);
      clock.advance(9); // first backoff: 10 s
      await tryAll(5);
      expect(fetched()).toEqual(names.map(() => 1));
      clock.advance(2);
      await tryAll(5);
      expect(fetched()).toEqual(names.map(() => 2));
      clock.advance(15); // second backoff: 20 s
      await tryAll(5);
      expect(fetched()).toEqual(names.map(() => 2));
      clock.advance(6);
      await tryAll(5);
      expect(fetched()).toEqual(names.map(() => 3));
      clock.advance(41); // third backoff: 40 s
      await tryAll(3);
      expect(fetched()).toEqual(names.map(() => 4));
      clock.advance(81); // 80 s
      await tryAll(3);
      expect(fetched()).toEqual(names.map(() => 5));
      clock.advance(161); // 160 s
      await tryAll(3);
      expect(fetched()).toEqual(names.map(() => 6));
      // From now on capped at maxNegativeTtlSeconds: one fetch per 300 s at most, however long it keeps failing.
      for (let round = 0; round < 3; round++) {
        clock.advance(299);
        await tryAll(3);
        expect(fetched()).toEqual(names.map(() => 6 + round));
        clock.advance(2);
        await tryAll(3);
        expect(fetched()).toEqual(names.map(() => 7 + round));
      }
    } finally {
      await discovery.close();
    }
  });

  it('Retry-After on 503 lengthens the backoff (up to the cap)', async () => {
    const fx = await startFixture({ [DIRECTORY_PATH]: fixed({ status: 503, headers: { 'retry-after': '120' }, body: '' }) });
    servers.push(fx);
    const discovery = new KeyDiscovery(options);
    try {
      const a: SignatureAgent = { label: 'r', uri: fx.origin, type: 'directory' };
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable', retryAfterSeconds: 120 });
      clock.advance(119);
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' });
      expect(fx.hits(DIRECTORY_PATH)).toBe(1);
      clock.advance(2);
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' });
      expect(fx.hits(DIRECTORY_PATH)).toBe(2);
    } finally {
      await discovery.close();
    }
  });

  it('flapping: fails, fails, recovers → keys served again after the backoff; a later failure keeps serving the old keys', async () => {
    let mode: 'fail' | 'ok' = 'fail';
    const ok = directoryHandler(() => [good], clock.seconds, { cacheControl: 'max-age=60' });
    const fx = await startFixture({ [DIRECTORY_PATH]: (req, res, f) => (mode === 'ok' ? ok(req, res, f) : fixed({ status: 500, headers: {}, body: '' })(req, res, f)) });
    servers.push(fx);
    const discovery = new KeyDiscovery(options);
    const a: SignatureAgent = { label: 'f', uri: fx.origin, type: 'directory' };
    try {
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' });
      clock.advance(11);
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' });
      expect(fx.hits(DIRECTORY_PATH)).toBe(2);
      mode = 'ok';
      await expect(discovery.findAgentKey(a, good.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable' }); // still in backoff (20 s)
      expect(fx.hits(DIRECTORY_PATH)).toBe(2);
      clock.advance(21);
      expect(await discovery.findAgentKey(a, good.thumbprint)).toMatchObject({ thumbprint: good.thumbprint, directorySigned: true });
      expect(fx.hits(DIRECTORY_PATH)).toBe(3);
      // The origin fails again once the entry expired: the good keys are kept and served, and it is not hammered.
      mode = 'fail';
      clock.advance(61);
      for (let i = 0; i < 50; i++) expect(await discovery.findAgentKey(a, good.thumbprint)).toMatchObject({ thumbprint: good.thumbprint });
      expect(fx.hits(DIRECTORY_PATH)).toBe(4);
      expect(discovery.stats().staleServed).toBe(50);
      // A backoff of 10 s (the failure count was reset by the success), then one more try.
      clock.advance(11);
      expect(await discovery.findAgentKey(a, good.thumbprint)).toMatchObject({ thumbprint: good.thumbprint });
      expect(fx.hits(DIRECTORY_PATH)).toBe(5);
      // It recovers with a rotated directory: the new state replaces the old one.
      mode = 'ok';
      clock.advance(21);
      expect(await discovery.findAgentKey(a, good.thumbprint)).toMatchObject({ thumbprint: good.thumbprint });
      expect(fx.hits(DIRECTORY_PATH)).toBe(6);
    } finally {
      await discovery.close();
    }
  });
});
