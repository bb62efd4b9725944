import { describe, expect, it } from 'vitest';
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import { appendMember, exportPrivateJwk, generateKey, signMessage, verifyMessage, type PlainRequest } from '@signet/core';

describe('verifyMessage ignoreAlgParameter (Signature-Key §3.3: the key alone determines the algorithm)', () => {
  const key = generateKey('ed25519');
  const privateKeyObject = createPrivateKey({ key: exportPrivateJwk(key) as never, format: 'jwk' });
  const sign = async (alg: string): Promise<PlainRequest> => {
    const request: PlainRequest = { method: 'GET', url: 'https://api.example/x', headers: {} };
    const signed = await signMessage(request, { key, components: ['@method'], params: { created: 1_700_000_000 } });
    // A signer that (against the draft) writes a JOSE name into alg: the base changes, so re-sign over it.
    const withAlg = await signMessage(request, { key, components: ['@method'], params: { created: 1_700_000_000, alg: 'ed25519' } });
    const input = alg === 'ed25519' ? withAlg.signatureInput : withAlg.signatureInput.replace('alg="ed25519"', `alg="${alg}"`);
    return {
      ...request,
      headers: { 'signature-input': appendMember(undefined, input), signature: alg === 'none' ? signed.signatureHeader : withAlg.signatureHeader },
    };
  };
  const now = 1_700_000_001;

  it('by default an alg that RFC 9421 does not name is refused', async () => {
    await expect(verifyMessage(await sign('Ed25519'), { key: key.toPublic(), now })).rejects.toMatchObject({ code: 'unsupported_algorithm' });
  });

  it('with ignoreAlgParameter the alg value plays no part in choosing the algorithm', async () => {
    // The base still contains alg="Ed25519", so the signature (made over alg="ed25519") must fail the crypto check,
    // not the algorithm check: the parameter is covered but never used to pick the algorithm.
    await expect(verifyMessage(await sign('Ed25519'), { key: key.toPublic(), now, ignoreAlgParameter: true })).rejects.toMatchObject({ code: 'signature_invalid' });
    const ok = await verifyMessage(await sign('ed25519'), { key: key.toPublic(), now, ignoreAlgParameter: true });
    expect(ok.alg).toBe('ed25519');
  });

  it('an alg naming another algorithm does not switch the algorithm when ignored', async () => {
    const request: PlainRequest = { method: 'GET', url: 'https://api.example/x', headers: {} };
    // A signer whose output is Ed25519 but which writes alg="ecdsa-p256-sha256" into the covered parameters.
    const liar = { alg: 'ecdsa-p256-sha256' as const, sign: (data: Uint8Array) => nodeSign(null, data, privateKeyObject) };
    const signed = await signMessage(request, { key: liar, components: ['@method'], params: { created: 1_700_000_000, alg: 'ecdsa-p256-sha256' } });
    const message = { ...request, headers: { 'signature-input': signed.signatureInput, signature: signed.signatureHeader } };
    await expect(verifyMessage(message, { key: key.toPublic(), now })).rejects.toMatchObject({ code: 'algorithm_mismatch' });
    const ok = await verifyMessage(message, { key: key.toPublic(), now, ignoreAlgParameter: true });
    expect(ok.alg).toBe('ed25519');
  });
});
