import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { createDigest, generateKey, signMessage } from '@signet/core';
import { signedFetch, type FetchLike, type SignedFetch } from '@signet/client';
import { plainRequest, startServer, verifyingServer, type Check, type TestServer } from './support.js';

const priv = generateKey();
const pub = priv.toPublic();
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await verifyingServer(() => [pub]);
  b = await verifyingServer(() => [pub]);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const implementations: Array<[string, FetchLike | undefined]> = [
  ['global fetch', undefined],
  ['undici fetch', undiciFetch],
];

function lastCheck(server: TestServer): Check {
  const check = server.checks.at(-1);
  if (check === undefined) throw new Error('the server got no request');
  return check;
}

const text = 'héllo, signet';
const bytes = new TextEncoder().encode(text);
function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });
}
const form = (): FormData => {
  const f = new FormData();
  f.set('field', 'value');
  f.set('file', new Blob(['file body'], { type: 'text/plain' }), 'f.txt');
  return f;
};

const bodies: Array<[string, () => BodyInit, string | null, ((received: Buffer, contentType: string) => void)?]> = [
  ['string', () => text, 'text/plain;charset=UTF-8'],
  ['Uint8Array', () => bytes, null],
  ['ArrayBuffer', () => bytes.slice().buffer, null],
  ['Blob', () => new Blob([bytes], { type: 'application/x-signet' }), 'application/x-signet'],
  ['URLSearchParams', () => new URLSearchParams({ q: 'a b', n: '1' }), 'application/x-www-form-urlencoded;charset=UTF-8'],
  [
    'FormData',
    form,
    'multipart/form-data',
    (received, contentType) => {
      const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
      expect(received.toString()).toContain(`--${boundary}`);
      expect(received.toString()).toContain('file body');
    },
  ],
  ['ReadableStream', () => streamOf('héllo, ', 'signet'), null],
];

describe.each(implementations)('signedFetch over %s', (_name, impl) => {
  const fetch: SignedFetch = signedFetch({ key: priv, ...(impl === undefined ? {} : { fetch: impl }) });

  it.each(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])('%s: the server verifies @method, @authority, @path, @query', async (method) => {
    const hasBody = !['GET', 'HEAD'].includes(method);
    const response = await fetch(`${a.url}/items/7?fields=a,b`, { method, ...(hasBody ? { body: 'x' } : {}) });
    expect(response.status).toBe(200);
    const check = lastCheck(a);
    expect(check).toMatchObject({ ok: true });
    expect(check.covered).toEqual(expect.arrayContaining(['"@method"', '"@authority"', '"@path"', '"@query"']));
    expect(a.received.at(-1)?.method).toBe(method);
    if (hasBody) expect(check).toMatchObject({ digestOk: true, covered: expect.arrayContaining(['"content-digest"']) });
    else expect(check.covered).not.toContain('"content-digest"');
  });

  it.each(bodies)('POST with a %s body: Content-Digest matches the bytes the server received', async (_kind, body, contentType, extra) => {
    const response = await fetch(`${a.url}/upload`, { method: 'POST', body: body() });
    expect(response.status).toBe(200);
    const check = lastCheck(a);
    expect(check).toMatchObject({ ok: true, digestOk: true });
    const received = a.received.at(-1);
    const type = (received?.headers['content-type'] as string | undefined) ?? null;
    if (contentType === null) expect(type).toBeNull();
    else {
      expect(type?.startsWith(contentType)).toBe(true);
      expect(check.covered).toContain('"content-type"');
    }
    if (extra !== undefined) extra(received?.body as Buffer, type ?? '');
    else if (_kind === 'URLSearchParams') expect(received?.body.toString()).toBe('q=a+b&n=1');
    else expect(received?.body.toString()).toBe(text);
  });

  it('covers Authorization, so the bearer token is bound to the key', async () => {
    await fetch(`${a.url}/me`, { headers: { authorization: 'Bearer abc' } });
    expect(lastCheck(a)).toMatchObject({ ok: true, covered: expect.arrayContaining(['"authorization"']) });
  });

  it('accepts a Request object as input, with its body', async () => {
    const response = await fetch(new Request(`${a.url}/r`, { method: 'PUT', body: 'from a Request', headers: { 'content-type': 'text/plain' } }));
    expect(response.status).toBe(200);
    expect(lastCheck(a)).toMatchObject({ ok: true, digestOk: true });
    expect(a.received.at(-1)?.body.toString()).toBe('from a Request');
  });

  it('follows a redirect across paths, re-signing the second hop for its own path', async () => {
    const before = a.checks.length;
    const response = await fetch(`${a.url}/redirect?status=302&to=/final`);
    expect(response.status).toBe(200);
    expect(response.redirected).toBe(true);
    expect(a.checks.slice(before).map((c) => c.ok)).toEqual([true, true]);
    expect(a.received.slice(-2).map((r) => r.url)).toEqual(['/redirect?status=302&to=/final', '/final']);
  });

  it('follows a 307 to another host keeping method and body, dropping Authorization there (as browsers do)', async () => {
    const beforeA = a.checks.length;
    const beforeB = b.checks.length;
    const response = await fetch(`${a.url}/redirect?status=307&to=${encodeURIComponent(`${b.url}/elsewhere`)}`, {
      method: 'POST',
      body: 'payload',
      headers: { authorization: 'Bearer abc', 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(200);
    expect(a.checks.slice(beforeA)).toEqual([expect.objectContaining({ ok: true, covered: expect.arrayContaining(['"authorization"']) })]);
    expect(b.checks.slice(beforeB)).toEqual([expect.objectContaining({ ok: true, digestOk: true })]);
    const hop = b.received.at(-1);
    expect(hop).toMatchObject({ method: 'POST', url: '/elsewhere' });
    expect(hop?.body.toString()).toBe('payload');
    expect(hop?.headers.authorization).toBeUndefined();
    expect(b.checks.at(-1)?.covered).not.toContain('"authorization"');
  });

  it('303 after POST becomes a GET without body or content headers; a same-origin hop keeps Authorization', async () => {
    await fetch(`${a.url}/redirect?status=303&to=/after`, { method: 'POST', body: 'form', headers: { authorization: 'Bearer abc', 'content-type': 'text/plain' } });
    const hop = a.received.at(-1);
    expect(hop).toMatchObject({ method: 'GET', url: '/after' });
    expect(hop?.body.length).toBe(0);
    expect(hop?.headers['content-type']).toBeUndefined();
    expect(hop?.headers['content-digest']).toBeUndefined();
    expect(lastCheck(a)).toMatchObject({ ok: true, covered: expect.arrayContaining(['"authorization"']) });
  });

  it('stops after maxRedirects with redirect_failed; redirect "manual" returns the 3xx; "error" throws', async () => {
    const loop = signedFetch({ key: priv, maxRedirects: 2, ...(impl === undefined ? {} : { fetch: impl }) });
    await expect(loop(`${a.url}/redirect?status=302&to=${encodeURIComponent('/redirect?status=302&to=/redirect')}`)).rejects.toMatchObject({ code: 'redirect_failed' });
    const manual = await fetch(`${a.url}/redirect?status=301&to=/x`, { redirect: 'manual' });
    expect(manual.status).toBe(301);
    expect(manual.headers.get('location')).toBe('/x');
    await expect(fetch(`${a.url}/redirect?status=301&to=/x`, { redirect: 'error' })).rejects.toMatchObject({ code: 'redirect_failed' });
  });

  it('refuses a body over maxBodyBytes with body_too_large, and sends nothing', async () => {
    const small = signedFetch({ key: priv, maxBodyBytes: 8, ...(impl === undefined ? {} : { fetch: impl }) });
    const before = a.received.length;
    await expect(small(`${a.url}/big`, { method: 'POST', body: '123456789' })).rejects.toMatchObject({ code: 'body_too_large' });
    await expect(small(`${a.url}/big`, { method: 'POST', body: streamOf('1234', '56789') })).rejects.toMatchObject({ code: 'body_too_large' });
    expect(a.received.length).toBe(before);
    await expect(small(`${a.url}/ok`, { method: 'POST', body: '12345678' })).resolves.toMatchObject({ status: 200 });
  });

  it('passes extra init members through to the underlying fetch (e.g. an abort signal)', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fetch(`${a.url}/never`, { signal: controller.signal })).rejects.toThrow();
  });
});

describe('signedFetch: response verification (mutual authentication)', () => {
  const serverKey = generateKey();
  const otherKey = generateKey();
  let server: TestServer;
  let mode = 'good';

  beforeAll(async () => {
    server = await startServer(async (req, res) => {
      const body = JSON.stringify({ hello: 'agent' });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-digest': createDigest(body) };
      const components =
        mode === 'unbound' ? ['@status', 'content-digest'] : ['@status', 'content-type', 'content-digest', '"@method";req', '"@authority";req', '"signature";req;key="sig1"'];
      if (mode !== 'unsigned') {
        const result = await signMessage(
          { request: plainRequest(req), response: { status: 200, headers } },
          { key: mode === 'wrong-key' ? otherKey : serverKey, label: 'res', components, params: { created: Math.floor(Date.now() / 1000), keyid: serverKey.thumbprint } },
        );
        headers['signature-input'] = result.signatureInput;
        headers.signature = result.signatureHeader;
      }
      res.writeHead(200, headers);
      res.end(mode === 'tampered' ? JSON.stringify({ hello: 'mallory' }) : body);
    });
  });
  afterAll(() => server.close());

  const client = (fetchImpl?: FetchLike) => signedFetch({ key: priv, verifyResponse: { key: serverKey.toPublic() }, ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }) });

  it.each(implementations)('over %s: a response signed by the server key and bound to the request is returned, body intact', async (_n, impl) => {
    mode = 'good';
    const response = await client(impl)(`${server.url}/data`, { method: 'POST', body: 'q' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: 'agent' });
  });

  it.each([
    ['unsigned', 'missing_signature'],
    ['wrong-key', 'signature_invalid'],
    ['tampered', 'digest_mismatch'],
    ['unbound', 'missing_required_component'],
  ])('a %s response is rejected with %s', async (m, code) => {
    mode = m;
    const error = await client()(`${server.url}/data`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'VerificationError', code });
  });

  it('rejects a response signed by a key it does not know (keyid mismatch) with unknown_key', async () => {
    mode = 'good';
    const strict = signedFetch({ key: priv, verifyResponse: { keys: [otherKey.toPublic()] } });
    await expect(strict(`${server.url}/data`)).rejects.toMatchObject({ code: 'unknown_key' });
  });
});

