/**
 * Key sources: where the signer gets the key it signs with now, and the keys a directory publishes.
 * A static key, a freshly generated ephemeral key, or (in their own modules) a key file that rotates
 * and a rotation plan of several keys.
 * @module
 */
import { inspect } from 'node:util';
import {
  SignetError,
  SignetKey,
  generateKey,
  importKey,
  type AlgorithmName,
  type ImportKeyOptions,
  type KeyInput,
  type Signer,
} from '@signet/core';

/** The key a request is signed with: something that signs, and the public key verifiers will use. */
export interface SigningKey {
  /** A private {@link SignetKey}, or an external {@link Signer} (KMS, HSM) that signs bytes. */
  readonly signer: SignetKey | Signer;
  /** The public half, as published. */
  readonly publicKey: SignetKey;
  /** The RFC 9421 algorithm the key signs with. */
  readonly alg: AlgorithmName;
  /** The RFC 7638 JWK thumbprint of `publicKey` (the Web Bot Auth `keyid`). */
  readonly thumbprint: string;
}

/** A key as a directory publishes it: a {@link SigningKey} with an optional validity window (UNIX seconds). */
export interface PublishedKey extends SigningKey {
  /** Not valid before (JWK `nbf`). */
  readonly nbf?: number | undefined;
  /** Not valid after (JWK `exp`). */
  readonly exp?: number | undefined;
}

/**
 * Where a signer gets its key. Implementations must never hand out a half-loaded key, and must retry
 * after a failure rather than remember it.
 */
export interface KeySource {
  /** The key to sign with now. @throws SignetError `key_unavailable` */
  current(): Promise<SigningKey>;
  /** The keys to publish now (a key is published before it signs and for a grace period after). */
  published(): Promise<PublishedKey[]>;
}

/** An external signer together with its public key, for keys that never leave a KMS or HSM. */
export interface ExternalSignerInput {
  readonly signer: Signer;
  readonly publicKey: KeyInput;
}

/** Anything {@link staticKey} accepts: a private key in any form core imports, or an external signer. */
export type StaticKeyInput = KeyInput | ExternalSignerInput;

/** True when `value` implements {@link KeySource}. */
export function isKeySource(value: unknown): value is KeySource {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as KeySource).current === 'function' &&
    typeof (value as KeySource).published === 'function'
  );
}

/**
 * A {@link SigningKey} from key material. The key must be private and asymmetric (Ed25519, EC
 * P-256/P-384, RSA): verifiers get the public half, which a shared secret does not have.
 * Import errors never carry the key text (not even as an error `cause`).
 * @throws SignetError `invalid_key`, `unsupported_algorithm`, `algorithm_mismatch`
 */
export function signingKey(input: StaticKeyInput, options: ImportKeyOptions = {}): SigningKey {
  if (isExternalSigner(input)) {
    const publicKey = safeImport(input.publicKey, { alg: input.signer.alg }).toPublic();
    if (typeof input.signer.sign !== 'function') throw new SignetError('invalid_key', 'An external signer needs a sign(data) method.');
    return Object.freeze({ signer: input.signer, publicKey, alg: input.signer.alg, thumbprint: publicKey.thumbprint });
  }
  const key = safeImport(input, options);
  if (key.type === 'public') throw new SignetError('invalid_key', 'A signing key must be private, but this is a public key.');
  if (key.type === 'secret') {
    throw new SignetError('invalid_key', 'A shared secret (hmac-sha256) cannot sign agent requests: verifiers need a public key. Use Ed25519, ECDSA or RSA.');
  }
  const alg = key.alg ?? defaultAlgorithm(key);
  const publicKey = key.toPublic();
  return Object.freeze({ signer: key, publicKey, alg, thumbprint: publicKey.thumbprint });
}

/** A key source that always returns the same key. */
export function staticKey(input: StaticKeyInput, options: ImportKeyOptions = {}): KeySource {
  return new StaticKeySource(signingKey(input, options), 'staticKey');
}

/** A key source with a key generated now, in memory only (default Ed25519): for pseudonymous agents and tests. */
export function ephemeralKey(alg: AlgorithmName = 'ed25519'): KeySource {
  if (alg === 'hmac-sha256') throw new SignetError('invalid_configuration', 'ephemeralKey needs an asymmetric algorithm, not hmac-sha256.');
  return new StaticKeySource(signingKey(generateKey(alg)), 'ephemeralKey');
}

/** A key source from whatever the caller gave: a {@link KeySource} as is, anything else through {@link staticKey}. */
export function toKeySource(input: KeySource | StaticKeyInput): KeySource {
  return isKeySource(input) ? input : staticKey(input);
}

/**
 * The key of a built-in static source, without a promise: its `current()` always resolves to that key at once, and
 * waiting for that promise costs a signature a microtask turn. `undefined` for any other source (and for one whose
 * `current` was replaced).
 * @internal not exported from the package
 */
export function staticKeyOf(source: KeySource): SigningKey | undefined {
  return source instanceof StaticKeySource && source.current === StaticKeySource.prototype.current ? StaticKeySource.key(source) : undefined;
}

class StaticKeySource implements KeySource {
  readonly #key: SigningKey;
  readonly #kind: string;

  constructor(key: SigningKey, kind: string) {
    this.#key = key;
    this.#kind = kind;
  }

  /** The key (for {@link staticKeyOf}). */
  static key(source: StaticKeySource): SigningKey {
    return source.#key;
  }

  async current(): Promise<SigningKey> {
    return this.#key;
  }

  async published(): Promise<PublishedKey[]> {
    return [this.#key];
  }

  /** Never the key material. */
  toJSON(): { type: string; alg: AlgorithmName; keyid: string } {
    return { type: this.#kind, alg: this.#key.alg, keyid: this.#key.thumbprint };
  }

  [inspect.custom](): string {
    return `KeySource ${JSON.stringify(this.toJSON())}`;
  }
}

/**
 * Imports a key, re-throwing any failure without its `cause`: a JSON parser's message can quote
 * the text it failed on, and that text may be a private key.
 */
export function safeImport(input: KeyInput, options: ImportKeyOptions = {}): SignetKey {
  try {
    return importKey(input, options);
  } catch (error) {
    if (error instanceof SignetError) throw new SignetError(error.code, error.message);
    throw new SignetError('invalid_key', 'The key could not be imported.');
  }
}

/** The algorithm of a key that does not declare one: Ed25519 and EC curves decide it; RSA defaults to rsa-pss-sha512. */
export function defaultAlgorithm(key: SignetKey): AlgorithmName {
  if (key.alg !== undefined) return key.alg;
  if (key.kty === 'OKP') return 'ed25519';
  if (key.kty === 'EC') return key.crv === 'P-384' ? 'ecdsa-p384-sha384' : 'ecdsa-p256-sha256';
  if (key.kty === 'RSA') return 'rsa-pss-sha512';
  throw new SignetError('unsupported_algorithm', `No signing algorithm for a ${key.kty} key.`);
}

function isExternalSigner(input: StaticKeyInput): input is ExternalSignerInput {
  return typeof input === 'object' && input !== null && !(input instanceof SignetKey) && 'signer' in input && 'publicKey' in input;
}
