/**
 * The signature algorithms of RFC 9421 §3.3 and how a key determines them.
 * @module
 */
import { SignetError } from './errors.js';

/** The algorithm names of the HTTP Signature Algorithms registry (RFC 9421 §6.2). */
export type AlgorithmName =
  | 'ed25519'
  | 'ecdsa-p256-sha256'
  | 'ecdsa-p384-sha384'
  | 'rsa-pss-sha512'
  | 'rsa-v1_5-sha256'
  | 'hmac-sha256';

/** The key types of JWK (RFC 7517). */
export type KeyType = 'OKP' | 'EC' | 'RSA' | 'oct';

/** What an algorithm needs of a key, and its JOSE (JWA) name. */
export interface AlgorithmInfo {
  readonly name: AlgorithmName;
  readonly kty: KeyType;
  readonly crv?: string;
  /** The fully-specified JOSE `alg` of the same algorithm. */
  readonly jose: string;
}

/** Every algorithm Signet implements. */
export const ALGORITHMS: Readonly<Record<AlgorithmName, AlgorithmInfo>> = {
  ed25519: { name: 'ed25519', kty: 'OKP', crv: 'Ed25519', jose: 'Ed25519' },
  'ecdsa-p256-sha256': { name: 'ecdsa-p256-sha256', kty: 'EC', crv: 'P-256', jose: 'ES256' },
  'ecdsa-p384-sha384': { name: 'ecdsa-p384-sha384', kty: 'EC', crv: 'P-384', jose: 'ES384' },
  'rsa-pss-sha512': { name: 'rsa-pss-sha512', kty: 'RSA', jose: 'PS512' },
  'rsa-v1_5-sha256': { name: 'rsa-v1_5-sha256', kty: 'RSA', jose: 'RS256' },
  'hmac-sha256': { name: 'hmac-sha256', kty: 'oct', jose: 'HS256' },
};

const JOSE_TO_ALGORITHM: ReadonlyMap<string, AlgorithmName> = new Map([
  ['Ed25519', 'ed25519'],
  ['EdDSA', 'ed25519'],
  ['ES256', 'ecdsa-p256-sha256'],
  ['ES384', 'ecdsa-p384-sha384'],
  ['PS512', 'rsa-pss-sha512'],
  ['RS256', 'rsa-v1_5-sha256'],
  ['HS256', 'hmac-sha256'],
]);

/** True for the six RFC 9421 algorithm names. */
export function isAlgorithmName(value: unknown): value is AlgorithmName {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

/** The RFC 9421 algorithm for a JOSE `alg` (`Ed25519`, `EdDSA`, `ES256`, `ES384`, `PS512`, `RS256`, `HS256`). */
export function algorithmFromJose(jose: string): AlgorithmName {
  const name = JOSE_TO_ALGORITHM.get(jose);
  if (name === undefined) {
    throw new SignetError('unsupported_algorithm', `JOSE algorithm "${jose}" has no RFC 9421 equivalent that Signet supports (Ed25519, EdDSA, ES256, ES384, PS512, RS256, HS256).`);
  }
  return name;
}

/** The facts about a key that decide which algorithm it may be used with. */
export interface KeyShape {
  readonly kty: KeyType;
  readonly crv?: string | undefined;
  /** The algorithm the key is restricted to, if it declared one. */
  readonly alg?: AlgorithmName | undefined;
}

/**
 * The algorithm to use with `key`, given the signature's `alg` parameter (if any). A key that declares
 * an algorithm, or whose type admits only one, decides it; an `alg` that disagrees is refused.
 * @throws SignetError `algorithm_mismatch`, `unsupported_algorithm`
 */
export function resolveAlgorithm(key: KeyShape, requested?: string): AlgorithmName {
  if (requested !== undefined) {
    if (!isAlgorithmName(requested)) {
      throw new SignetError('unsupported_algorithm', `Signature algorithm "${requested}" is not one of ${Object.keys(ALGORITHMS).join(', ')}.`);
    }
    if (key.alg !== undefined && key.alg !== requested) {
      throw new SignetError('algorithm_mismatch', `The signature says alg="${requested}" but the key is for ${key.alg}.`);
    }
    const info = ALGORITHMS[requested];
    if (info.kty !== key.kty || (info.crv !== undefined && info.crv !== key.crv)) {
      throw new SignetError('algorithm_mismatch', `The signature says alg="${requested}" but the key is ${describeKey(key)}.`);
    }
    return requested;
  }
  if (key.alg !== undefined) return key.alg;
  const candidates = (Object.values(ALGORITHMS) as AlgorithmInfo[]).filter(
    (info) => info.kty === key.kty && (info.crv === undefined || info.crv === key.crv),
  );
  if (candidates.length === 1) return (candidates[0] as AlgorithmInfo).name;
  throw new SignetError(
    'unsupported_algorithm',
    candidates.length === 0
      ? `No supported algorithm for a ${describeKey(key)} key.`
      : `A ${describeKey(key)} key can be used with ${candidates.map((c) => c.name).join(' or ')}: the signature has no alg parameter and the key declares none, so import it with { alg }.`,
  );
}

function describeKey(key: KeyShape): string {
  return key.crv === undefined ? key.kty : `${key.kty} ${key.crv}`;
}
