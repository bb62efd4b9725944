/**
 * RequestSigner#signEntries: the headers to send as [name, value] entries, what signedFetch, signRequest and the
 * interceptor send. The same fields as sign(), without a web Headers in between.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateKey, verifyMessage, SignetError } from '@signet/core';
import { RequestSigner, createRequestSigner, rotatingKeySource, type SigningOptions } from '@signet/client';
import { MemoryNonceStore, createVerifier, signetMiddleware, type SignetIncomingMessage } from '@signet/verifier';

const NOW = 1_790_000_000;
const key = generateKey('ed25519');
const AGENT = 'https://agent.example';

function signer(options: Partial<SigningOptions> = {}): RequestSigner {
  let n = 0;
  return new RequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: AGENT }, now: () => NOW, nonce: () => `n-${n++}`, ...options });
}

const request = () => ({
  method: 'POST',
  url: 'https://api.example/v1/orders?x=1',
  headers: new Headers([
    ['Content-Type', 'application/json'],
    ['Authorization', 'Bearer t'],
    ['X-Trace', 'a'],
    ['x-trace', 'b'],
    ['content-digest', 'sha-256=:AAAA:'],
  ]),
  body: new TextEncoder().encode('{"id":1}'),
});

describe('RequestSigner#signEntries', () => {
  it('gives exactly the fields sign() gives, as lower-case [name, value] entries, each name once', async () => {
    const entries = await signer().signEntries(request());
    const headers = await signer().sign(request());
    expect(new Map(entries)).toEqual(new Map(headers));
    const names = entries.map(([name]) => name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toBe(name.toLowerCase());
    // The request's own fields (repeated ones combined, as Headers#get gives them) and the signature's.
    expect(Object.fromEntries(entries)).toMatchObject({
      'content-type': 'application/json',
      authorization: 'Bearer t',
      'x-trace': 'a, b',
      'signature-agent': `sig1="${AGENT}"`,
    });
    expect(names).toEqual(expect.arrayContaining(['content-digest', 'signature-input', 'signature']));
  });

  it('signs what it returns: the entries verify as a request, the body digest replacing the one the request had', async () => {
    const entries = await signer().signEntries(request());
    const digest = Object.fromEntries(entries)['content-digest'];
    expect(digest).not.toBe('sha-256=:AAAA:');
    const result = await verifyMessage({ method: 'POST', url: 'https://api.example/v1/orders?x=1', headers: entries }, { key: key.toPublic(), now: () => NOW });
    expect(result.covered).toEqual(['"@method"', '"@authority"', '"@path"', '"@query"', '"signature-agent";key="sig1"', '"authorization"', '"content-type"', '"content-digest"']);
  });

  it('drops a Content-Digest of a request without a body, and appends to signatures the request already has', async () => {
    const entries = await signer({ label: 'sig2' }).signEntries({
      method: 'GET',
      url: 'https://api.example/',
      headers: new Headers({ 'content-digest': 'sha-256=:AAAA:', 'signature-input': 'sig1=("@method");created=1', signature: 'sig1=:AAAA:' }),
      body: null,
    });
    const fields = Object.fromEntries(entries);
    expect(fields['content-digest']).toBeUndefined();
    expect(fields['signature-input']).toMatch(/^sig1=\("@method"\);created=1, sig2=\(/);
    expect(fields.signature).toMatch(/^sig1=:AAAA:, sig2=:[A-Za-z0-9+/]+=*:$/);
  });

  it('rejects, never throws, whether it signs at once (static key) or waits for the key (a rotating source)', async () => {
    const rotating = rotatingKeySource({ keys: [{ key, notBefore: NOW - 60, notAfter: NOW + 3600 }], now: () => NOW });
    for (const options of [{}, { key: rotating }] as Array<Partial<SigningOptions>>) {
      const s = signer({ ...options, components: ['x-missing'] });
      let pending: Promise<unknown> | undefined;
      expect(() => (pending = s.signEntries({ method: 'GET', url: 'https://api.example/', headers: new Headers(), body: null }))).not.toThrow();
      await expect(pending).rejects.toMatchObject({ code: 'missing_component' });
      const duplicate = signer(options).signEntries({ method: 'GET', url: 'https://api.example/', headers: new Headers({ 'signature-input': 'sig1=();created=1', signature: 'sig1=:AAAA:' }), body: null });
      await expect(duplicate).rejects.toBeInstanceOf(SignetError);
      await expect(duplicate).rejects.toMatchObject({ code: 'duplicate_label' });
    }
  });

  it('signs the same with a static key and with a source that has to be asked for it', async () => {
    const rotating = rotatingKeySource({ keys: [{ key, notBefore: NOW - 60, notAfter: NOW + 3600 }], now: () => NOW });
    // Ed25519 is deterministic: the same base with the same key is the same signature.
    expect(await signer({ key: rotating }).signEntries(request())).toEqual(await signer().signEntries(request()));
  });
});

describe('RequestSigner over a request signed already', () => {
  it('countersigns: a second signature can cover the first one (RFC 9421 §4.3), with either API', async () => {
    const first = await signer().signEntries({ method: 'GET', url: 'https://api.example/v1/items', headers: new Headers(), body: null });
    const proxyKey = generateKey('ed25519');
    const proxy = new RequestSigner({ key: proxyKey, profile: 'plain', label: 'proxy', components: ['"signature";key="sig1"'], now: () => NOW });
    for (const sign of [(r: Parameters<RequestSigner['sign']>[0]) => proxy.signEntries(r), async (r: Parameters<RequestSigner['sign']>[0]) => [...(await proxy.sign(r))]]) {
      const entries = await sign({ method: 'GET', url: 'https://api.example/v1/items', headers: new Headers(first), body: null });
      const message = { method: 'GET', url: 'https://api.example/v1/items', headers: entries };
      const countersignature = await verifyMessage(message, { key: proxyKey.toPublic(), label: 'proxy', now: () => NOW });
      expect(countersignature.covered).toContain('"signature";key="sig1"');
      // The first signature is still there, untouched, and still verifies.
      expect((await verifyMessage(message, { key: key.toPublic(), label: 'sig1', now: () => NOW })).label).toBe('sig1');
    }
  });
});

describe('signEntries with another HTTP client (the README example)', () => {
  it('node:http sends the entries and the body that was digested; the Signet middleware accepts the request', async () => {
    const verifier = createVerifier({ keys: [{ key: key.toPublic(), agent: AGENT }], nonceStore: new MemoryNonceStore(), body: { requireDigest: true } });
    const middleware = signetMiddleware(verifier);
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ agent: (req as SignetIncomingMessage).agent?.id }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/orders`;
      const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: AGENT } });
      const send = (headers: Record<string, string>, body: Uint8Array) =>
        new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = httpRequest(url, { method: 'POST', headers }, (res: IncomingMessage) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject).end(body);
        });
      const body = new TextEncoder().encode(JSON.stringify({ sku: 'A-1', quantity: 2 }));
      const entries = await signer.signEntries({ method: 'POST', url, headers: new Headers({ 'content-type': 'application/json' }), body });
      expect(await send(Object.fromEntries(entries), body)).toEqual({ status: 200, text: JSON.stringify({ agent: AGENT }) });
      // Other bytes than the digested ones are refused.
      const again = await signer.signEntries({ method: 'POST', url, headers: new Headers({ 'content-type': 'application/json' }), body });
      const refused = await send(Object.fromEntries(again), new TextEncoder().encode(JSON.stringify({ sku: 'A-1', quantity: 200 })));
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text).error).toBe('digest_mismatch');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
