import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, FormData as UndiciFormData, Pool, interceptors, request, stream } from 'undici';
import { generateKey } from '@signet/core';
import { fileKeySource, signingInterceptor } from '@signet/client';
import { verifyingServer, type Check, type TestServer } from './support.js';

const priv = generateKey('ecdsa-p256-sha256');
const pub = priv.toPublic();
let a: TestServer;
let b: TestServer;
let agent: ReturnType<Agent['compose']>;

beforeAll(async () => {
  a = await verifyingServer(() => [pub]);
  b = await verifyingServer(() => [pub]);
  agent = new Agent().compose(signingInterceptor({ key: priv }));
});
afterAll(async () => {
  await agent.close();
  await a.close();
  await b.close();
});

function lastCheck(server: TestServer): Check {
  const check = server.checks.at(-1);
  if (check === undefined) throw new Error('no request arrived');
  return check;
}

const text = 'héllo, undici';

describe('signingInterceptor with undici.request over a composed Agent', () => {
  it.each(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const)('%s is signed and verifies', async (method) => {
    const hasBody = !['GET', 'HEAD'].includes(method);
    const res = await request(`${a.url}/things/1?x=1`, { method, dispatcher: agent, ...(hasBody ? { body: text } : {}) });
    await res.body.dump();
    expect(res.statusCode).toBe(200);
    expect(lastCheck(a)).toMatchObject({ ok: true, covered: expect.arrayContaining(['"@method"', '"@authority"', '"@path"', '"@query"']) });
    if (hasBody) expect(lastCheck(a)).toMatchObject({ digestOk: true, covered: expect.arrayContaining(['"content-digest"']) });
  });

  const bodies: Array<[string, () => unknown, string | null]> = [
    ['string', () => text, null],
    ['Buffer', () => Buffer.from(text), null],
    ['Uint8Array', () => new TextEncoder().encode(text), null],
    ['Readable stream', () => Readable.from([Buffer.from('héllo, '), Buffer.from('undici')]), null],
    [
      'async iterable',
      () =>
        (async function* () {
          yield 'héllo, ';
          yield new TextEncoder().encode('undici');
        })(),
      null,
    ],
    ['Blob', () => new Blob([text], { type: 'text/x-signet' }), 'text/x-signet'],
    ['URLSearchParams', () => new URLSearchParams({ q: 'a b' }), 'application/x-www-form-urlencoded'],
    [
      'FormData (global)',
      () => {
        const f = new FormData();
        f.set('k', 'v');
        return f;
      },
      'multipart/form-data',
    ],
    [
      "FormData (undici's)",
      () => {
        const f = new UndiciFormData();
        f.set('k', 'v');
        return f;
      },
      'multipart/form-data',
    ],
  ];

  it.each(bodies)('POST with a %s body: the digest matches what the server received', async (kind, body, contentType) => {
    const res = await request(`${a.url}/upload`, { method: 'POST', dispatcher: agent, body: body() as string, headers: { 'x-kind': kind } });
    await res.body.dump();
    expect(lastCheck(a)).toMatchObject({ ok: true, digestOk: true });
    const received = a.received.at(-1);
    if (contentType === null) expect(received?.body.toString()).toBe(text);
    else {
      expect(String(received?.headers['content-type'])).toContain(contentType);
      expect(lastCheck(a).covered).toContain('"content-type"');
    }
    if (contentType === 'multipart/form-data') {
      const boundary = /boundary=(.+)$/.exec(String(received?.headers['content-type']))?.[1];
      expect(received?.body.toString()).toContain(`--${boundary}`);
    }
  });

  it('covers Authorization given in any header form (record, flat array, pairs)', async () => {
    for (const headers of [{ Authorization: 'Bearer t' }, ['authorization', 'Bearer t'], [['Authorization', 'Bearer t']]] as const) {
      const res = await request(`${a.url}/me`, { dispatcher: agent, headers: headers as never });
      await res.body.dump();
      expect(lastCheck(a)).toMatchObject({ ok: true, covered: expect.arrayContaining(['"authorization"']) });
    }
  });

  it('signs the query given as the query option', async () => {
    const res = await request(`${a.url}/search`, { dispatcher: agent, query: { q: 'cats', page: 2 } });
    await res.body.dump();
    expect(a.received.at(-1)?.url).toBe('/search?q=cats&page=2');
    expect(lastCheck(a)).toMatchObject({ ok: true, covered: expect.arrayContaining(['"@query"']) });
  });

  it('fails the request with body_too_large and sends nothing when the body is over the limit', async () => {
    const small = new Agent().compose(signingInterceptor({ key: priv, maxBodyBytes: 4 }));
    const before = a.received.length;
    await expect(request(`${a.url}/big`, { method: 'POST', dispatcher: small, body: Readable.from(['12', '345']) })).rejects.toMatchObject({ code: 'body_too_large' });
    await expect(request(`${a.url}/big`, { method: 'POST', dispatcher: small, body: '12345' })).rejects.toMatchObject({ code: 'body_too_large' });
    expect(a.received.length).toBe(before);
    await small.close();
  });

  it('fails the request with key_unavailable when the key source has no key', async () => {
    const noKey = new Agent().compose(signingInterceptor({ key: fileKeySource('/nonexistent/signet/key.jwk') }));
    await expect(request(`${a.url}/x`, { dispatcher: noKey })).rejects.toMatchObject({ code: 'key_unavailable' });
    await noKey.close();
  });
});

describe('signingInterceptor with stream, Pool and redirects', () => {
  it('undici.stream', async () => {
    const chunks: Buffer[] = [];
    await stream(`${a.url}/streamed`, { method: 'PUT', body: text, dispatcher: agent }, () =>
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          chunks.push(chunk);
          callback();
        },
      }),
    );
    expect(JSON.parse(Buffer.concat(chunks).toString())).toMatchObject({ ok: true, digestOk: true, method: 'PUT' });
  });

  it('a Pool composed with the interceptor signs every request, concurrently', async () => {
    const pool = new Pool(a.origin, { connections: 4 }).compose(signingInterceptor({ key: priv, origin: a.origin }));
    const before = a.checks.length;
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await pool.request({ path: `/pool/${i}`, method: 'POST', body: `body ${i}` });
        return res.body.json() as Promise<Check>;
      }),
    );
    expect(results.filter((r) => !(r.ok && r.digestOk))).toEqual([]);
    expect(a.checks.slice(before)).toHaveLength(20);
    await pool.close();
  });

  it('a Pool composed without its origin fails the request (invalid_configuration) instead of sending it unsigned', async () => {
    const pool = new Pool(a.origin).compose(signingInterceptor({ key: priv }));
    const before = a.received.length;
    await expect(pool.request({ path: '/x', method: 'GET' })).rejects.toMatchObject({ code: 'invalid_configuration' });
    expect(a.received.length).toBe(before);
    await pool.close();
  });

  it("inside undici's redirect interceptor, every hop (across hosts) is signed for its own authority and path", async () => {
    const redirecting = new Agent().compose(signingInterceptor({ key: priv }), interceptors.redirect({ maxRedirections: 3 }));
    const beforeA = a.checks.length;
    const beforeB = b.checks.length;
    const res = await request(`${a.url}/redirect?status=302&to=${encodeURIComponent(`${b.url}/landing`)}`, { dispatcher: redirecting, headers: { authorization: 'Bearer t' } });
    expect(await res.body.json()).toMatchObject({ ok: true });
    expect(a.checks.slice(beforeA)).toEqual([expect.objectContaining({ ok: true, covered: expect.arrayContaining(['"authorization"']) })]);
    expect(b.checks.slice(beforeB)).toEqual([expect.objectContaining({ ok: true })]);
    expect(b.received.at(-1)).toMatchObject({ url: '/landing' });
    expect(b.received.at(-1)?.headers.authorization).toBeUndefined();
    await redirecting.close();
  });
});
