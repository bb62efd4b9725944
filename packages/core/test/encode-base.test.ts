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

  it('gives any other backend a Uint8Array of its own (not a view into a shared pool)', () => {
    const bytes = encodeBase('"@method": GET', nobleEd25519Backend);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
  });
});
