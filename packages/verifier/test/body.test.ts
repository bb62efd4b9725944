import { describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { createVerifier, type VerifierOptions } from '@signet/verifier';
import { NOW, NOW_MS, sign, toRequest } from './support/sign.js';

const URL_ = 'https://api.example/upload';
const key = generateKey('ed25519');
const verifier = (options: VerifierOptions = {}) => createVerifier({ now: () => NOW_MS, keys: [{ key, keyid: 'k' }], ...options });
const post = (body: string, components = ['@method', '@authority', 'content-digest'], digest = true) =>
  sign({ url: URL_, key, body, headers: { 'content-type': 'application/json' }, digest, components, params: { created: NOW, keyid: 'k' } });

describe('bodies (web Request)', () => {
  it('checks a covered Content-Digest and hands back a new Request with the same bytes', async () => {
    const body = JSON.stringify({ order: 42, note: 'é' });
    const original = toRequest(await post(body));
    const result = await verifier().verify(original);
    expect(original.bodyUsed).toBe(true);
    expect(result.request).toBeInstanceOf(Request);
    expect(await result.request!.json()).toEqual({ order: 42, note: 'é' });
    expect(new TextDecoder().decode(result.body)).toBe(body);
  });

  it('a body that does not match its digest → digest_mismatch', async () => {
    const signed = await post('{"amount":1}');
    await expect(verifier().verify(toRequest({ ...signed, body: '{"amount":1000}' }))).rejects.toMatchObject({ code: 'digest_mismatch' });
  });

  it('a swapped Content-Digest (matching the new body) fails the signature', async () => {
    const signed = await post('{"amount":1}');
    const { createDigest } = await import('@signet/core');
    const tampered = { ...signed, body: '{"amount":1000}', headers: { ...signed.headers, 'content-digest': createDigest('{"amount":1000}') } };
    await expect(verifier().verify(toRequest(tampered))).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('requireDigest: a body whose signature does not cover content-digest → body_not_covered', async () => {
    const signed = await post('{"a":1}', ['@method', '@authority'], false);
    expect((await verifier().verify(toRequest(signed))).body).toBeUndefined();
    await expect(verifier({ body: { requireDigest: true } }).verify(toRequest(signed))).rejects.toMatchObject({ code: 'body_not_covered' });
    const get = await sign({ url: URL_, key, components: ['@method', '@authority'], params: { created: NOW, keyid: 'k' } });
    await expect(verifier({ body: { requireDigest: true } }).verify(toRequest(get))).resolves.toBeDefined();
  });

  it('a body above maxBytes → body_too_large (and 413)', async () => {
    const v = verifier({ body: { maxBytes: 16 } });
    const error = await v.verify(toRequest(await post('x'.repeat(17)))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'body_too_large' });
    expect(v.failureResponse(error).status).toBe(413);
    await expect(v.verify(toRequest(await post('x'.repeat(16))))).resolves.toBeDefined();
  });

  it('a body passed to verify() is checked instead of reading the request', async () => {
    const signed = await post('{"a":1}');
    const request = new Request(URL_, { method: 'POST', headers: signed.headers });
    await expect(verifier().verify(request, { body: '{"a":1}' })).resolves.toMatchObject({ body: new TextEncoder().encode('{"a":1}') });
    await expect(verifier().verify(request, { body: async () => new TextEncoder().encode('{"a":2}') })).rejects.toMatchObject({ code: 'digest_mismatch' });
  });
});
