/** Keys (JWK, PEM, raw Ed25519), RFC 7638 thumbprints, algorithms and the crypto backends. */
import { constants, createPrivateKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ALGORITHMS,
  SignetKey,
  algorithmFromJose,
  exportPrivateJwk,
  generateKey,
  hasPrivateMembers,
  importJwk,
  importKey,
  importPem,
  importRawEd25519,
  isAlgorithmName,
  jwkThumbprint,
  nobleEd25519Backend,
  nodeCryptoBackend,
  resolveAlgorithm,
  stripPrivateMembers,
  type AlgorithmName,
  type Jwk,
} from '../src/index.js';
import { rfc9421 } from '../../../test/support/vectors.js';

const vectors = rfc9421();
const ED = vectors.keys['test-key-ed25519']!;
const ED_JWK = ED.jwk as Jwk;
const ALL: AlgorithmName[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'];

/** RFC 7638 §3.1: the example RSA key and its thumbprint. */
const RFC7638_JWK = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};
const RFC7638_THUMBPRINT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

const data = new TextEncoder().encode('"@method": GET\n"@signature-params": ("@method");created=1');

describe('importing keys', () => {
  it('imports the RFC 9421 Ed25519 JWK (private), its PEMs and its raw bytes as the same key', () => {
    const fromJwk = importJwk(ED_JWK);
    expect(fromJwk).toMatchObject({ type: 'private', kty: 'OKP', crv: 'Ed25519', kid: 'test-key-ed25519' });
    const fromPrivatePem = importPem(ED.privatePem!);
    const fromPublicPem = importPem(ED.publicPem!);
    const fromRawPublic = importRawEd25519(Buffer.from(ED_JWK.x!, 'base64url'), 'public');
    const fromRawPrivate = importRawEd25519(Buffer.from(ED_JWK.d!, 'base64url'), 'private');
    expect(fromPublicPem.type).toBe('public');
    expect(fromRawPublic.type).toBe('public');
    expect(fromRawPrivate.type).toBe('private');
    const expected = { kty: 'OKP', crv: 'Ed25519', x: ED_JWK.x };
    for (const key of [fromJwk, fromPrivatePem, fromPublicPem, fromRawPublic, fromRawPrivate]) expect(key.publicJwk()).toEqual(expected);
    // Ed25519 is deterministic: every private form signs the same bytes.
    const signatures = [fromJwk, fromPrivatePem, fromRawPrivate].map((k) => Buffer.from(nodeCryptoBackend.sign('ed25519', k, data) as Uint8Array).toString('hex'));
    expect(new Set(signatures).size).toBe(1);
    expect(nodeCryptoBackend.verify('ed25519', fromRawPublic, data, Buffer.from(signatures[0]!, 'hex'))).toBe(true);
  });

  it('importKey accepts JWK text, PEM text, a KeyObject and a SignetKey', () => {
    const key = importJwk(ED_JWK);
    expect(importKey(key)).toBe(key);
    expect(importKey(JSON.stringify(ED_JWK)).publicJwk()).toEqual(key.publicJwk());
    expect(importKey(`\n  ${ED.publicPem!}`).publicJwk()).toEqual(key.publicJwk());
    expect(importKey(createPrivateKey(ED.privatePem!)).publicJwk()).toEqual(key.publicJwk());
    expect(importKey({ ...ED_JWK }).kid).toBe('test-key-ed25519');
  });

  it('imports the RFC 9421 PEM keys with their algorithms; an RSASSA-PSS PEM is restricted to rsa-pss-sha512', () => {
    expect(importPem(vectors.keys['test-key-rsa']!.publicPem!, { alg: 'rsa-v1_5-sha256' }).alg).toBe('rsa-v1_5-sha256');
    expect(importPem(vectors.keys['test-key-ecc-p256']!.publicPem!)).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const pss = importPem(vectors.keys['test-key-rsa-pss']!.privatePem!);
    expect(pss.kty).toBe('RSA');
    expect(pss.alg).toBe('rsa-pss-sha512');
  });

  it('a JWK alg restricts the key; an HMAC secret is an oct JWK', () => {
    expect(importJwk({ ...RFC7638_JWK }).alg).toBe('rsa-v1_5-sha256');
    expect(importJwk({ ...RFC7638_JWK, alg: 'PS512' }).alg).toBe('rsa-pss-sha512');
    const secret = importJwk({ kty: 'oct', k: Buffer.from('secret').toString('base64url') });
    expect(secret).toMatchObject({ type: 'secret', kty: 'oct', alg: undefined });
    expect(resolveAlgorithm(secret)).toBe('hmac-sha256');
  });

  it('generateKey makes a private key of the right shape for every algorithm', () => {
    const shapes: Record<AlgorithmName, [string, string | undefined]> = {
      ed25519: ['OKP', 'Ed25519'],
      'ecdsa-p256-sha256': ['EC', 'P-256'],
      'ecdsa-p384-sha384': ['EC', 'P-384'],
      'rsa-pss-sha512': ['RSA', undefined],
      'rsa-v1_5-sha256': ['RSA', undefined],
      'hmac-sha256': ['oct', undefined],
    };
    for (const alg of ALL) {
      const key = generateKey(alg);
      expect([key.kty, key.crv, key.alg]).toEqual([...shapes[alg], alg]);
      expect(key.type).toBe(alg === 'hmac-sha256' ? 'secret' : 'private');
    }
  });
});

describe('exporting keys', () => {
  const keys = Object.fromEntries(ALL.map((alg) => [alg, generateKey(alg)])) as Record<AlgorithmName, SignetKey>;

  it('publicJwk() has only the public members, never a private one, for every key type', () => {
    const members: Record<string, string[]> = { OKP: ['crv', 'kty', 'x'], EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };
    for (const alg of ALL.filter((a) => a !== 'hmac-sha256')) {
      const key = keys[alg];
      const jwk = key.publicJwk();
      expect(Object.keys(jwk).sort()).toEqual(members[key.kty]);
      expect(hasPrivateMembers(jwk)).toBe(false);
      // a mutated copy does not leak into the key's cached JWK
      (jwk as Record<string, unknown>).d = 'x';
      expect(hasPrivateMembers(key.publicJwk())).toBe(false);
      expect(key.toPublic().publicJwk()).toEqual(key.publicJwk());
      expect(key.toPublic().type).toBe('public');
      expect(key.toPublic().thumbprint).toBe(key.thumbprint);
    }
    expect(() => keys['hmac-sha256'].publicJwk()).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    expect(() => keys['hmac-sha256'].toPublic()).toThrow(expect.objectContaining({ code: 'invalid_key' }));
  });

  it('exportPrivateJwk() round-trips (with the JOSE alg) and is refused for a public key', () => {
    for (const alg of ALL) {
      const jwk = exportPrivateJwk(keys[alg]);
      expect(jwk.alg).toBe(ALGORITHMS[alg].jose);
      expect(hasPrivateMembers(jwk)).toBe(true);
      const again = importJwk(jwk);
      expect(again.alg).toBe(alg);
      if (alg !== 'hmac-sha256') expect(again.publicJwk()).toEqual(keys[alg].publicJwk());
      expect(hasPrivateMembers(stripPrivateMembers(jwk))).toBe(false);
    }
    expect(() => exportPrivateJwk(keys.ed25519.toPublic())).toThrow(expect.objectContaining({ code: 'invalid_key' }));
  });

  it('JSON.stringify, util.inspect, util.format and String() of a private key contain no private material', () => {
    for (const alg of ALL) {
      const key = keys[alg];
      const jwk = exportPrivateJwk(key);
      const secrets = (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'] as const).map((m) => jwk[m]).filter((v): v is string => typeof v === 'string');
      expect(secrets.length).toBeGreaterThan(0);
      const forms = [
        JSON.stringify(key),
        JSON.stringify({ nested: [key] }),
        inspect(key),
        inspect(key, { showHidden: true, depth: 20, customInspect: false, getters: true }),
        inspect({ key }, { depth: 20 }),
        format('%o %O %j %s', key, key, key, key),
        String(key),
        `${key}`,
        Object.keys(key).join(','),
      ];
      for (const text of forms) {
        for (const secret of secrets) {
          for (const encoding of ['base64url', 'base64', 'hex'] as const) {
            const encoded = Buffer.from(secret, 'base64url').toString(encoding).slice(0, 16);
            expect(text.includes(encoded), `${alg}: ${encoding} of a private member in ${JSON.stringify(text.slice(0, 80))}`).toBe(false);
          }
        }
      }
      expect(JSON.parse(JSON.stringify(key))).toEqual({ type: key.type, kty: key.kty, ...(key.crv ? { crv: key.crv } : {}), alg });
    }
  });

  it('refuses a private JWK whose public members belong to another key, without echoing the private key', () => {
    const other = (alg: AlgorithmName) => exportPrivateJwk(generateKey(alg));
    const cases: Array<[Jwk, string]> = [
      [{ ...ED_JWK, x: other('ed25519').x }, '"x"'],
      [(() => { const j = exportPrivateJwk(keys['ecdsa-p256-sha256']); const o = other('ecdsa-p256-sha256'); return { ...j, x: o.x, y: o.y }; })(), '"x", "y"'],
      [(() => { const j = exportPrivateJwk(keys['rsa-pss-sha512']); return { ...j, n: other('rsa-pss-sha512').n }; })(), '"n"'],
    ];
    for (const [jwk, member] of cases) {
      let caught: unknown;
      try {
        importJwk(jwk);
      } catch (error) {
        caught = error;
      }
      expect(caught, `${jwk.kty} with a foreign ${member}`).toMatchObject({ code: 'invalid_key', message: expect.stringContaining(member) });
      const text = String((caught as Error).message) + JSON.stringify(caught) + inspect(caught);
      expect(text).not.toContain(jwk.d);
    }
    // the matching public members (and no public members at all) are fine
    expect(importJwk(ED_JWK).publicJwk().x).toBe(ED_JWK.x);
    expect(importJwk(exportPrivateJwk(keys['ecdsa-p384-sha384'])).publicJwk()).toEqual(keys['ecdsa-p384-sha384'].publicJwk());
  });
});

describe('RFC 7638 JWK thumbprints', () => {
  it('computes the RFC 7638 §3.1 example thumbprint', () => {
    expect(jwkThumbprint(RFC7638_JWK)).toBe(RFC7638_THUMBPRINT);
    expect(importJwk(RFC7638_JWK).thumbprint).toBe(RFC7638_THUMBPRINT);
  });

  it('ignores non-required members (kid, alg, use, private members) and member order', () => {
    expect(jwkThumbprint({ e: 'AQAB', n: RFC7638_JWK.n, kty: 'RSA', use: 'sig', d: 'x' })).toBe(RFC7638_THUMBPRINT);
    const ed = importJwk(ED_JWK);
    expect(ed.thumbprint).toBe(jwkThumbprint({ x: ED_JWK.x, kty: 'OKP', crv: 'Ed25519', kid: 'other' }));
    expect(ed.thumbprint).toBe(ed.toPublic().thumbprint);
  });

  it('matches the Web Bot Auth vectors (keyid = thumbprint of the signing key)', () => {
    // The Web Bot Auth drafts' example Ed25519 key is the RFC 9421 one; its thumbprint is the keyid there.
    expect(importJwk(ED_JWK).thumbprint).toBe('poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U');
  });

  it('refuses a JWK without its required members', () => {
    expect(() => jwkThumbprint({ kty: 'EC', crv: 'P-256', x: 'a' })).toThrow(expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('"y"') }));
    expect(() => jwkThumbprint({ kty: 'XYZ' })).toThrow(expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('XYZ') }));
    expect(() => jwkThumbprint({ kty: 'oct', k: 3 })).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    expect(jwkThumbprint({ kty: 'oct', k: 'AQ' })).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('algorithms', () => {
  it('maps the six names to their JOSE algorithms and back', () => {
    for (const alg of ALL) {
      expect(isAlgorithmName(alg)).toBe(true);
      expect(algorithmFromJose(ALGORITHMS[alg].jose)).toBe(alg);
    }
    expect(algorithmFromJose('EdDSA')).toBe('ed25519');
    expect(isAlgorithmName('rsa-v1_5-sha1')).toBe(false);
    expect(isAlgorithmName('toString')).toBe(false);
    expect(() => algorithmFromJose('RS512')).toThrow(expect.objectContaining({ code: 'unsupported_algorithm', message: expect.stringContaining('RS512') }));
  });

  it('resolveAlgorithm: the key decides; a disagreeing alg is refused, never a fallback', () => {
    expect(resolveAlgorithm({ kty: 'OKP', crv: 'Ed25519' })).toBe('ed25519');
    expect(resolveAlgorithm({ kty: 'EC', crv: 'P-384' })).toBe('ecdsa-p384-sha384');
    expect(resolveAlgorithm({ kty: 'RSA' }, 'rsa-pss-sha512')).toBe('rsa-pss-sha512');
    expect(resolveAlgorithm({ kty: 'RSA', alg: 'rsa-v1_5-sha256' })).toBe('rsa-v1_5-sha256');
    expect(() => resolveAlgorithm({ kty: 'RSA' })).toThrow(expect.objectContaining({ code: 'unsupported_algorithm', message: expect.stringContaining('rsa-pss-sha512 or rsa-v1_5-sha256') }));
    expect(() => resolveAlgorithm({ kty: 'RSA', alg: 'rsa-pss-sha512' }, 'rsa-v1_5-sha256')).toThrow(expect.objectContaining({ code: 'algorithm_mismatch' }));
    expect(() => resolveAlgorithm({ kty: 'EC', crv: 'P-256' }, 'ecdsa-p384-sha384')).toThrow(expect.objectContaining({ code: 'algorithm_mismatch', message: expect.stringContaining('EC P-256') }));
    expect(() => resolveAlgorithm({ kty: 'OKP', crv: 'Ed25519' }, 'hmac-sha256')).toThrow(expect.objectContaining({ code: 'algorithm_mismatch' }));
    expect(() => resolveAlgorithm({ kty: 'OKP', crv: 'Ed25519' }, 'none')).toThrow(expect.objectContaining({ code: 'unsupported_algorithm', message: expect.stringContaining('"none"') }));
  });

  it('every algorithm signs and verifies on node:crypto; a changed byte fails', async () => {
    for (const alg of ALL) {
      const key = generateKey(alg);
      const verifier = alg === 'hmac-sha256' ? key : key.toPublic();
      const signature = await nodeCryptoBackend.sign(alg, key, data);
      expect(await nodeCryptoBackend.verify(alg, verifier, data, signature), alg).toBe(true);
      const tampered = Uint8Array.from(data);
      tampered[0] = tampered[0]! ^ 1;
      expect(await nodeCryptoBackend.verify(alg, verifier, tampered, signature), alg).toBe(false);
      const shortened = signature.subarray(0, signature.length - 1);
      expect(await nodeCryptoBackend.verify(alg, verifier, data, shortened), alg).toBe(false);
    }
  });

  it('ECDSA signatures are raw r||s (64 and 96 bytes), not DER', async () => {
    expect((await nodeCryptoBackend.sign('ecdsa-p256-sha256', generateKey('ecdsa-p256-sha256'), data)).length).toBe(64);
    expect((await nodeCryptoBackend.sign('ecdsa-p384-sha384', generateKey('ecdsa-p384-sha384'), data)).length).toBe(96);
  });

  it('RSA-PSS signs with a 64-byte salt (RFC 9421 §3.3.1) and verifies any salt length', async () => {
    const key = generateKey('rsa-pss-sha512');
    const keyObject = SignetKey.keyObject(key);
    const signature = await nodeCryptoBackend.sign('rsa-pss-sha512', key, data);
    expect(nodeVerify('sha512', data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature)).toBe(true);
    const maxSalt = nodeSign('sha512', data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
    expect(nodeVerify('sha512', data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, maxSalt)).toBe(false);
    expect(await nodeCryptoBackend.verify('rsa-pss-sha512', key.toPublic(), data, maxSalt)).toBe(true);
  });

  it('the @noble/ed25519 backend agrees with node:crypto and refuses other algorithms', async () => {
    const key = importJwk(ED_JWK);
    const native = await nodeCryptoBackend.sign('ed25519', key, data);
    expect(Buffer.from(await nobleEd25519Backend.sign('ed25519', key, data))).toEqual(Buffer.from(native));
    expect(await nobleEd25519Backend.verify('ed25519', key.toPublic(), data, native)).toBe(true);
    expect(await nobleEd25519Backend.verify('ed25519', key.toPublic(), data, native.subarray(1))).toBe(false);
    expect(nobleEd25519Backend.supports('ecdsa-p256-sha256')).toBe(false);
    await expect(async () => nobleEd25519Backend.verify('ecdsa-p256-sha256', generateKey('ecdsa-p256-sha256'), data, native)).rejects.toMatchObject({ code: 'unsupported_algorithm' });
  });

  it('signing with a public key is invalid_key on both backends', async () => {
    const pub = importJwk(ED_JWK).toPublic();
    expect(() => nodeCryptoBackend.sign('ed25519', pub, data)).toThrow(expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('public') }));
    await expect(async () => nobleEd25519Backend.sign('ed25519', pub, data)).rejects.toMatchObject({ code: 'invalid_key' });
  });

  it('an RSA key of the wrong curve or type is refused at import with its algorithm', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    expect(() => importKey(privateKey)).toThrow(expect.objectContaining({ code: 'invalid_key', message: expect.stringContaining('secp256k1') }));
    expect(() => importJwk({ ...ED_JWK, alg: 'ES256' })).toThrow(expect.objectContaining({ code: 'algorithm_mismatch' }));
    expect(() => importJwk(ED_JWK, { alg: 'ecdsa-p256-sha256' })).toThrow(expect.objectContaining({ code: 'algorithm_mismatch' }));
    expect(() => importJwk({ ...RFC7638_JWK, alg: 'PS512' }, { alg: 'rsa-v1_5-sha256' })).toThrow(expect.objectContaining({ code: 'algorithm_mismatch', message: expect.stringContaining('PS512') }));
  });
});
