import { describe, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey, importJwk } from '@signet/core';
import { createVerifier } from '@signet/verifier';
import { NOW, NOW_MS, nonce, sign, toRequest } from './support/sign.js';

const URL_ = 'https://api.example/x';
const now = (): number => NOW_MS;
const key = generateKey('ecdsa-p256-sha256');

describe('static profile', () => {
  it('looks the keyid up in the trusted keys (keyid, kid or thumbprint) and reports the configured agent', async () => {
    const v = createVerifier({ now, keys: [{ key: key.toPublic(), keyid: 'partner-1', agent: 'partner.example' }] });
    for (const keyid of ['partner-1', key.thumbprint]) {
      const signed = await sign({ url: URL_, key, components: ['@method', '@authority', '@path'], params: { created: NOW, keyid } });
      await expect(v.verify(toRequest(signed))).resolves.toMatchObject({ agent: { id: 'partner.example', keyid, thumbprint: key.thumbprint, profile: 'static' } });
    }
    const unknown = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'nobody' } });
    await expect(v.verify(toRequest(unknown))).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('keeps only the public half of a configured private key', async () => {
    const v = createVerifier({ now, keys: [exportPrivateJwk(key)] });
    const signed = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: key.thumbprint } });
    await expect(v.verify(toRequest(signed))).resolves.toMatchObject({ agent: { id: key.thumbprint } });
  });

  it('HMAC shared secrets (static only), with a keyid', async () => {
    const secret = generateKey('hmac-sha256');
    expect(() => createVerifier({ keys: [secret] })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    const v = createVerifier({ now, keys: [{ key: secret, keyid: 'shared-1' }] });
    const signed = await sign({ url: URL_, key: secret, components: ['@authority'], params: { created: NOW, keyid: 'shared-1' } });
    await expect(v.verify(toRequest(signed))).resolves.toMatchObject({ alg: 'hmac-sha256', agent: { id: 'shared-1' } });
    const noHmac = createVerifier({ now, keys: [{ key: secret, keyid: 'shared-1' }], algorithms: ['ed25519'] });
    await expect(noHmac.verify(toRequest(signed))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
  });

  it('the resolveKey hook finds keys the configuration does not have', async () => {
    const seen: string[] = [];
    const v = createVerifier({
      now,
      resolveKey: ({ keyid, profile }) => {
        seen.push(`${profile}:${String(keyid)}`);
        return keyid === 'db-7' ? { key: key.publicJwk() as never, agent: 'tenant-7' } : undefined;
      },
    });
    const signed = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'db-7', alg: 'ecdsa-p256-sha256' } });
    await expect(v.verify(toRequest(signed))).resolves.toMatchObject({ agent: { id: 'tenant-7' } });
    const other = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'db-8' } });
    await expect(v.verify(toRequest(other))).rejects.toMatchObject({ code: 'unknown_key' });
    expect(seen).toEqual(['static:db-7', 'static:db-8']);
  });

  it('requires created and keyid, a covered @authority or @target-uri, and configured components', async () => {
    const v = createVerifier({ now, keys: [{ key, keyid: 'k' }], requiredComponents: ['@method'] });
    const noCreated = await sign({ url: URL_, key, components: ['@authority', '@method'], params: { keyid: 'k' } });
    await expect(v.verify(toRequest(noCreated))).rejects.toMatchObject({ code: 'missing_parameter' });
    const noAuthority = await sign({ url: URL_, key, components: ['@method', '@path'], params: { created: NOW, keyid: 'k' } });
    await expect(v.verify(toRequest(noAuthority))).rejects.toMatchObject({ code: 'missing_required_component' });
    const noMethod = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'k' } });
    await expect(v.verify(toRequest(noMethod))).rejects.toMatchObject({ code: 'missing_required_component' });
    const ok = await sign({ url: URL_, key, components: ['@authority', '@method'], params: { created: NOW, keyid: 'k' } });
    await expect(v.verify(toRequest(ok))).resolves.toBeDefined();
  });

  it('without expires the signature is accepted only up to maxLifetime after created, and a nonce is kept that long', async () => {
    let clock = NOW_MS;
    const v = createVerifier({ now: () => clock, keys: [{ key, keyid: 'k' }], requireNonce: true });
    const signed = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'k', nonce: nonce() } });
    await expect(v.verify(toRequest(signed))).resolves.toBeDefined();
    clock += 299_000;
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'replayed' });
    clock += 2_000;
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'lifetime_exceeded' });
    const noNonce = await sign({ url: URL_, key, components: ['@authority'], params: { created: clock / 1000, keyid: 'k' } });
    await expect(v.verify(toRequest(noNonce))).rejects.toMatchObject({ code: 'missing_parameter' });
  });

  it('a tampered covered component fails; an uncovered one does not matter', async () => {
    const v = createVerifier({ now, keys: [{ key, keyid: 'k' }] });
    const signed = await sign({ url: URL_, key, headers: { 'x-a': '1', 'x-b': '2' }, components: ['@authority', 'x-a'], params: { created: NOW, keyid: 'k' } });
    await expect(v.verify(toRequest({ ...signed, headers: { ...signed.headers, 'x-b': 'changed' } }))).resolves.toBeDefined();
    await expect(v.verify(toRequest({ ...signed, headers: { ...signed.headers, 'x-a': 'changed' } }))).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(v.verify(toRequest({ ...signed, url: 'https://other.example/x' }))).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('a JWK text key and importJwk keys are accepted in keys', async () => {
    const v = createVerifier({ now, keys: [{ key: JSON.stringify(key.publicJwk()), keyid: 'text' }, importJwk(key.publicJwk())] });
    const signed = await sign({ url: URL_, key, components: ['@authority'], params: { created: NOW, keyid: 'text' } });
    await expect(v.verify(toRequest(signed))).resolves.toBeDefined();
  });
});
