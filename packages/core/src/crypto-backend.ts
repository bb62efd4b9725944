/**
 * Crypto backends: the fast path on node:crypto, and a portable Ed25519 on @noble/ed25519 for
 * runtimes without a native Ed25519. Both sit behind one small interface.
 * @module
 */
import { constants, createHmac, sign as nodeSign, timingSafeEqual, verify as nodeVerify } from 'node:crypto';
import * as noble from '@noble/ed25519';
import type { AlgorithmName } from './algorithms.js';
import { SignetError } from './errors.js';
import { SignetKey } from './keys.js';

/** Signs and verifies signature bases. Results may be synchronous (node:crypto) or promises. */
export interface CryptoBackend {
  /** A short name, for diagnostics. */
  readonly name: string;
  /** True when this backend implements `alg`. */
  supports(alg: AlgorithmName): boolean;
  sign(alg: AlgorithmName, key: SignetKey, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  verify(alg: AlgorithmName, key: SignetKey, data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
}

const RSA_PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 } as const;
const FIELD_SIZES: Partial<Record<AlgorithmName, number>> = { 'ecdsa-p256-sha256': 64, 'ecdsa-p384-sha384': 96, ed25519: 64 };

/** The default backend: every RFC 9421 algorithm on node:crypto. */
export const nodeCryptoBackend: CryptoBackend = {
  name: 'node:crypto',
  supports: () => true,
  sign(alg, key, data) {
    const keyObject = SignetKey.keyObject(key);
    requireSigningKey(key);
    switch (alg) {
      case 'ed25519':
        return nodeSign(null, data, keyObject);
      case 'ecdsa-p256-sha256':
        return nodeSign('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' });
      case 'ecdsa-p384-sha384':
        return nodeSign('sha384', data, { key: keyObject, dsaEncoding: 'ieee-p1363' });
      case 'rsa-pss-sha512':
        return nodeSign('sha512', data, { key: keyObject, ...RSA_PSS });
      case 'rsa-v1_5-sha256':
        return nodeSign('sha256', data, { key: keyObject, padding: constants.RSA_PKCS1_PADDING });
      case 'hmac-sha256':
        return createHmac('sha256', keyObject).update(data).digest();
    }
  },
  verify(alg, key, data, signature) {
    const keyObject = SignetKey.keyObject(key);
    const size = FIELD_SIZES[alg];
    if (size !== undefined && signature.length !== size) return false;
    switch (alg) {
      case 'ed25519':
        return nodeVerify(null, data, keyObject, signature);
      case 'ecdsa-p256-sha256':
        return nodeVerify('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature);
      case 'ecdsa-p384-sha384':
        return nodeVerify('sha384', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, signature);
      case 'rsa-pss-sha512':
        // RFC 9421 §3.3.1 signs with a 64-byte salt; any salt length verifies, as some signers (http-message-signatures) use the maximum.
        return nodeVerify('sha512', data, { key: keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
      case 'rsa-v1_5-sha256':
        return nodeVerify('sha256', data, { key: keyObject, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'hmac-sha256': {
        if (key.type !== 'secret') return false;
        const expected = createHmac('sha256', keyObject).update(data).digest();
        return expected.length === signature.length && timingSafeEqual(expected, signature);
      }
    }
  },
};

/**
 * Ed25519 on @noble/ed25519 (pure JS, ~15x slower than node:crypto): for runtimes whose crypto has
 * no Ed25519. Other algorithms are refused with `unsupported_algorithm`.
 */
export const nobleEd25519Backend: CryptoBackend = {
  name: '@noble/ed25519',
  supports: (alg) => alg === 'ed25519',
  async sign(alg, key, data) {
    onlyEd25519(alg);
    requireSigningKey(key);
    const seed = SignetKey.keyObject(key).export({ format: 'jwk' }).d as string;
    return noble.signAsync(data, Buffer.from(seed, 'base64url'));
  },
  async verify(alg, key, data, signature) {
    onlyEd25519(alg);
    if (signature.length !== 64) return false;
    const publicKey = Buffer.from(key.publicJwk().x as string, 'base64url');
    return noble.verifyAsync(signature, data, publicKey);
  },
};

const encoder = new TextEncoder();

/**
 * Where bases for built-in node:crypto are written: it reads them synchronously and keeps nothing, so one buffer
 * serves every signature instead of a buffer (and a flat copy of the base string) per signature.
 */
const SCRATCH = Buffer.allocUnsafeSlow(16_384);

/**
 * The UTF-8 bytes of a signature base, for `backend`. Built-in node:crypto gets a view of a shared scratch buffer,
 * valid until the next call: hand it straight to node:crypto and keep nothing (the same bytes as `Buffer.from`
 * and `TextEncoder`: all three replace lone surrogates with U+FFFD). Any other backend or signer gets a fresh
 * `Uint8Array` of its own, as it may keep it or read it later.
 * @internal not exported from the package
 */
export function encodeBase(base: string, backend: CryptoBackend): Uint8Array {
  if (backend !== nodeCryptoBackend) return encoder.encode(base);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: a base this short always fits whole.
  if (base.length * 3 > SCRATCH.length) return Buffer.from(base, 'utf8');
  return SCRATCH.subarray(0, SCRATCH.write(base, 0, 'utf8'));
}

function onlyEd25519(alg: AlgorithmName): void {
  if (alg !== 'ed25519') throw new SignetError('unsupported_algorithm', `The ${nobleEd25519Backend.name} backend only implements ed25519, not ${alg}.`);
}

function requireSigningKey(key: SignetKey): void {
  if (key.type === 'public') throw new SignetError('invalid_key', 'Signing needs a private key (or a shared secret), but this key is public.');
}
