/** RFC 9530 Content-Digest / Repr-Digest, created and verified incrementally over body chunks. */
import { describe, expect, it } from 'vitest';
import { DigestVerifier, Digester, createDigest, verifyDigest } from '../src/index.js';

// RFC 9530 §2 / Appendix B: the body {"hello": "world"} and its digests.
const BODY = '{"hello": "world"}';
const SHA256 = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
const SHA512 = 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';

/** Every way of cutting `bytes` into chunks of at most `size` bytes. */
function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('RFC 9530 digests', () => {
  it('creates the RFC values, one algorithm or both (in the order asked)', () => {
    expect(createDigest(BODY)).toBe(SHA256);
    expect(createDigest(BODY, ['sha-512'])).toBe(SHA512);
    expect(createDigest(BODY, ['sha-512', 'sha-256'])).toBe(`${SHA512}, ${SHA256}`);
    expect(createDigest(new TextEncoder().encode(BODY))).toBe(SHA256);
  });

  it('gives the same value over any chunking, including chunks that split a UTF-8 character', () => {
    const text = 'héllo wörld — ✓ '.repeat(50);
    const bytes = new TextEncoder().encode(text);
    const whole = createDigest(bytes, ['sha-256', 'sha-512']);
    for (const size of [1, 2, 3, 7, 64, 1000, bytes.length]) {
      const digester = new Digester(['sha-256', 'sha-512']);
      for (const chunk of chunks(bytes, size)) digester.update(chunk);
      expect(digester.digest(), `chunks of ${size}`).toBe(whole);
      const verifier = new DigestVerifier(whole);
      for (const chunk of chunks(bytes, size)) verifier.update(chunk);
      expect(() => verifier.verify()).not.toThrow();
    }
    // string chunks are UTF-8 encoded
    expect(new Digester().update('hé').update('llo').digest()).toBe(createDigest('héllo'));
  });

  it('verifies the RFC values incrementally and rejects one changed, missing or extra byte', () => {
    for (const field of [SHA256, SHA512, `${SHA256}, ${SHA512}`]) {
      const verifier = new DigestVerifier(field);
      for (const chunk of ['{"hel', 'lo": ', '"world"}']) verifier.update(chunk);
      expect(() => verifier.verify()).not.toThrow();
      for (const body of ['{"hello": "World"}', '{"hello": "world"', '{"hello": "world"} ', '']) {
        expect(() => verifyDigest(field, body)).toThrow(expect.objectContaining({ code: 'digest_mismatch' }));
      }
    }
  });

  it('checks the strongest known algorithm when the field carries several', () => {
    expect(new DigestVerifier(`${SHA256}, ${SHA512}`).algorithm).toBe('sha-512');
    // a wrong sha-512 is not rescued by a right sha-256
    const wrong512 = `${SHA256}, sha-512=:${Buffer.alloc(64).toString('base64')}:`;
    expect(() => verifyDigest(wrong512, BODY)).toThrow(expect.objectContaining({ code: 'digest_mismatch', message: expect.stringContaining('sha-512') }));
  });

  it('ignores unknown algorithms (RFC 9530 §2) and fails clearly when none is known', () => {
    expect(() => verifyDigest(`md5=:AAAA:, unixsum=:AAAA:, ${SHA256}`, BODY)).not.toThrow();
    expect(() => verifyDigest('md5=:AAAA:, sha=:AAAA:', BODY)).toThrow(expect.objectContaining({ code: 'unsupported_digest_algorithm', message: expect.stringContaining('md5, sha') }));
    expect(() => verifyDigest('', BODY)).toThrow(expect.objectContaining({ code: 'unsupported_digest_algorithm', message: expect.stringContaining('none') }));
    expect(() => new Digester([])).toThrow(expect.objectContaining({ code: 'unsupported_digest_algorithm' }));
    expect(() => new Digester(['md5' as 'sha-256'])).toThrow(expect.objectContaining({ code: 'unsupported_digest_algorithm', message: expect.stringContaining('"md5"') }));
  });

  it('refuses malformed fields with invalid_digest, naming the field', () => {
    expect(() => verifyDigest('sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=', BODY)).toThrow(expect.objectContaining({ code: 'invalid_digest' }));
    expect(() => verifyDigest('sha-256="abc"', BODY, 'Repr-Digest')).toThrow(expect.objectContaining({ code: 'invalid_digest', message: expect.stringContaining('Repr-Digest member "sha-256"') }));
    expect(() => verifyDigest('sha-256=(:AA==:)', BODY)).toThrow(expect.objectContaining({ code: 'invalid_digest' }));
  });

  it('a digest of the wrong length is a mismatch, not a crash', () => {
    expect(() => verifyDigest('sha-256=:AAAA:', BODY)).toThrow(expect.objectContaining({ code: 'digest_mismatch' }));
  });

  it('an empty body has the well-known empty digest', () => {
    expect(createDigest('')).toBe('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:');
    expect(() => verifyDigest('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:', new Uint8Array(0))).not.toThrow();
  });
});
