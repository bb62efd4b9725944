import { describe, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey } from '@signet/core';
import { parseJsonBody, readJwks, selectKey } from '../../src/discovery/index.js';

const URL_ = 'https://agent.example/.well-known/http-message-signatures-directory';
const now = Date.UTC(2026, 10, 1);

describe('readJwks: the shape of a published key set', () => {
  it('imports every key and computes thumbprints', () => {
    const a = generateKey();
    const b = generateKey('ecdsa-p256-sha256');
    const set = readJwks({ keys: [{ ...a.publicJwk(), kid: 'a' }, b.publicJwk()] }, URL_, 100);
    expect(set.keys.map((k) => k.thumbprint)).toEqual([a.thumbprint, b.thumbprint]);
    expect(set.keys.every((k) => k.key !== undefined && k.problem === undefined)).toBe(true);
    expect(set.keys[0]?.kid).toBe('a');
  });

  it('rejects anything but { keys: [JWK objects] } with directory_invalid', () => {
    for (const bad of [null, [], 'x', {}, { keys: {} }, { keys: [1] }, { keys: [{ kid: 'no kty' }] }, { keys: [[]] }]) {
      expect(() => readJwks(bad, URL_, 100), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'directory_invalid', message: expect.stringContaining(URL_) }));
    }
  });

  it('rejects the WHOLE set when any key carries private members (d, k, primes)', () => {
    const good = generateKey().publicJwk();
    const leaked = exportPrivateJwk(generateKey());
    expect(() => readJwks({ keys: [good, leaked] }, URL_, 100)).toThrow(expect.objectContaining({ code: 'directory_invalid', message: expect.stringMatching(/keys\[1\] carries private key members/) }));
    expect(() => readJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }, URL_, 100)).toThrow(expect.objectContaining({ code: 'directory_invalid' }));
    expect(() => readJwks({ keys: [{ ...good, p: 'x' }] }, URL_, 100)).toThrow(expect.objectContaining({ code: 'directory_invalid' }));
  });

  it('caps the number of keys', () => {
    const jwk = generateKey().publicJwk();
    expect(() => readJwks({ keys: Array.from({ length: 4 }, () => jwk) }, URL_, 3)).toThrow(expect.objectContaining({ code: 'directory_invalid', message: expect.stringContaining('more than the limit of 3') }));
  });

  it('keeps unusable keys with the reason, without failing the set', () => {
    const good = generateKey();
    const set = readJwks({ keys: [{ kty: 'AKP', alg: 'ML-DSA-44', pub: 'x' }, { ...generateKey().publicJwk(), use: 'enc' }, { ...generateKey().publicJwk(), alg: 'ES256' }, good.publicJwk()] }, URL_, 100);
    expect(set.keys[0]?.problem).toMatch(/cannot be imported/);
    expect(set.keys[1]?.problem).toMatch(/"use" is "enc"/);
    expect(set.keys[2]?.problem).toMatch(/cannot be imported/);
    expect(set.keys[3]?.key).toBeDefined();
  });

  it('accepts an HTTP Signature Algorithms alg ("ed25519", as the directory draft says) and a JOSE alg', () => {
    const set = readJwks({ keys: [{ ...generateKey().publicJwk(), alg: 'ed25519' }, { ...generateKey().publicJwk(), alg: 'Ed25519' }] }, URL_, 100);
    expect(set.keys.map((k) => k.key?.alg)).toEqual(['ed25519', 'ed25519']);
  });
});

describe('selectKey: keyid, kid, and the nbf/exp window', () => {
  const a = generateKey();
  const b = generateKey();
  const s = 1e3;
  const set = readJwks(
    {
      keys: [
        { ...a.publicJwk(), kid: 'key-a', nbf: now / s - 60, exp: now / s + 60 },
        { ...b.publicJwk(), kid: 'key-b', nbf: now + 60_000 }, // milliseconds: not valid for another minute
      ],
    },
    URL_,
    100,
  );

  it('finds by thumbprint or by kid', () => {
    expect(selectKey(set, a.thumbprint, 'thumbprint-first', now)).toMatchObject({ status: 'found', record: { thumbprint: a.thumbprint } });
    expect(selectKey(set, 'key-a', 'kid-first', now)).toMatchObject({ status: 'found', record: { thumbprint: a.thumbprint } });
    expect(selectKey(set, 'key-a', 'thumbprint-first', now)).toMatchObject({ status: 'found' });
    expect(selectKey(set, 'nope', 'kid-first', now)).toEqual({ status: 'absent' });
  });

  it('skips keys outside nbf/exp (seconds, or ms when > 1e11)', () => {
    expect(selectKey(set, b.thumbprint, 'thumbprint-first', now)).toMatchObject({ status: 'unusable', reason: expect.stringContaining('nbf') });
    expect(selectKey(set, b.thumbprint, 'thumbprint-first', now + 61_000)).toMatchObject({ status: 'found' });
    expect(selectKey(set, a.thumbprint, 'thumbprint-first', now + 60_000)).toMatchObject({ status: 'unusable', reason: expect.stringContaining('exp') });
    expect(selectKey(set, a.thumbprint, 'thumbprint-first', now - 61_000)).toMatchObject({ status: 'unusable' });
  });

  it('treats a non-numeric nbf/exp as unusable', () => {
    const c = generateKey();
    const bad = readJwks({ keys: [{ ...c.publicJwk(), exp: '2030-01-01' }] }, URL_, 100);
    expect(selectKey(bad, c.thumbprint, 'thumbprint-first', now)).toMatchObject({ status: 'unusable', reason: expect.stringContaining('not a number') });
  });
});

describe('parseJsonBody', () => {
  it('rejects invalid JSON and invalid UTF-8 with directory_invalid', () => {
    expect(() => parseJsonBody(Buffer.from('{"keys": ['), URL_)).toThrow(expect.objectContaining({ code: 'directory_invalid', message: expect.stringContaining('not valid JSON') }));
    expect(() => parseJsonBody(Buffer.from([0x7b, 0xff, 0x7d]), URL_)).toThrow(expect.objectContaining({ code: 'directory_invalid', message: expect.stringContaining('UTF-8') }));
    expect(parseJsonBody(Buffer.from('{"keys":[]}'), URL_)).toEqual({ keys: [] });
  });
});
