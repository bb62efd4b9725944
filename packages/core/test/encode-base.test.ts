import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBase, nobleEd25519Backend, nodeCryptoBackend } from '../src/crypto-backend.js';

describe('encodeBase (the bytes a signature base is signed and verified over)', () => {
  it('gives node:crypto exactly the UTF-8 bytes TextEncoder gives, lone surrogates included', () => {
    const encoder = new TextEncoder();
    for (const base of ['"@method": GET', 'é日本😀', 'a\ud800b', '\udc00', '\ud83d\ude00\ud800', '']) {
      expect(Buffer.from(encodeBase(base, nodeCryptoBackend))).toEqual(Buffer.from(encoder.encode(base)));
    }
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (base) => Buffer.from(encodeBase(base, nodeCryptoBackend)).equals(encoder.encode(base))), { numRuns: 2000 });
  });

  it('encodes bases of any length for node:crypto, on either side of what its scratch buffer holds', () => {
    const encoder = new TextEncoder();
    // 16,384 bytes of scratch: 5,461 three-byte characters are 16,383 bytes; one more does not fit.
    for (const length of [5460, 5461, 5462, 20_000]) {
      for (const unit of ['a', '日', '😀']) {
        const base = unit.repeat(length);
        expect(Buffer.from(encodeBase(base, nodeCryptoBackend)).equals(encoder.encode(base)), `${length} × ${unit}`).toBe(true);
      }
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', minLength: 5000, maxLength: 9000 }), (base) => Buffer.from(encodeBase(base, nodeCryptoBackend)).equals(encoder.encode(base))), { numRuns: 50 });
  });

  it('gives any other backend a Uint8Array of its own (not a view into a shared pool)', () => {
    const bytes = encodeBase('"@method": GET', nobleEd25519Backend);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});
