import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { exportPrivateJwk, generateKey, importKey, importPem, jwkThumbprint } from '../src/index.js';
import { rfc9421 } from '../../../test/support/vectors.js';

describe('RSASSA-PSS keys (OID 1.2.840.113549.1.1.10)', () => {
  const vectors = rfc9421();
  const entry = vectors.keys['test-key-rsa-pss']!;

  it('have a public JWK and an RFC 7638 thumbprint, equal to those of the same key as plain RSA', () => {
    const pss = importPem(entry.privatePem!);
    expect(pss.alg).toBe('rsa-pss-sha512');
    const plain = importPem(entry.publicPem!, { alg: 'rsa-pss-sha512' });
    expect(pss.publicJwk()).toEqual(plain.publicJwk());
    expect(pss.thumbprint).toBe(jwkThumbprint(plain.publicJwk()));
    // The Web Bot Auth vectors name this key by this thumbprint.
    expect(pss.thumbprint).toBe('oD0HwocPBSfpNy5W3bpJeyFGY_IQ_YpqxSjQ3Yd-CLA');
  });
});

describe('key material never leaks into errors', () => {
  it('a malformed private JWK text gives invalid_key with neither message nor cause quoting the key', () => {
    const jwk = JSON.stringify(exportPrivateJwk(generateKey('ed25519')));
    for (let cut = 10; cut < jwk.length - 2; cut += 3) {
      const broken = jwk.slice(0, cut) + '!' + jwk.slice(cut + 1);
      const d = JSON.parse(jwk).d as string;
      try {
        importKey(broken);
      } catch (error) {
        const text = inspect(error, { depth: 5 }) + JSON.stringify(error);
        for (let i = 0; i + 6 <= d.length; i++) expect(text).not.toContain(d.slice(i, i + 6));
        continue;
      }
    }
  });
});
