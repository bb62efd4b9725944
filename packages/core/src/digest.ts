/**
 * RFC 9530 `Content-Digest` and `Repr-Digest`: create and verify, incrementally over body chunks.
 * @module
 */
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { isInnerList } from 'structured-headers';
import { SignetError } from './errors.js';
import { parseDictionaryField } from './structured.js';

/** The active digest algorithms of RFC 9530 §5. */
export type DigestAlgorithm = 'sha-256' | 'sha-512';

const HASHES: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };
/** Strongest first: when a field carries both, the stronger one is checked. */
const PREFERENCE: readonly DigestAlgorithm[] = ['sha-512', 'sha-256'];

/** A body chunk or a whole body. Strings are UTF-8 encoded. */
export type BodyChunk = Uint8Array | string;

/** Computes a digest over chunks as they arrive; `digest()` gives the field value. */
export class Digester {
  readonly #hashes: Array<[DigestAlgorithm, Hash]>;

  constructor(algorithms: readonly DigestAlgorithm[] = ['sha-256']) {
    if (algorithms.length === 0) throw new SignetError('unsupported_digest_algorithm', 'At least one digest algorithm is needed.');
    this.#hashes = algorithms.map((alg) => {
      const hash = HASHES[alg];
      if (hash === undefined) throw new SignetError('unsupported_digest_algorithm', `Digest algorithm "${String(alg)}" is not one of sha-256, sha-512.`);
      return [alg, createHash(hash)];
    });
  }

  /** Adds a chunk. */
  update(chunk: BodyChunk): this {
    for (const [, hash] of this.#hashes) hash.update(chunk);
    return this;
  }

  /** The field value, e.g. `sha-256=:…:`. Call once. */
  digest(): string {
    return this.#hashes.map(([alg, hash]) => `${alg}=:${hash.digest('base64')}:`).join(', ');
  }
}

/** The `Content-Digest` (or `Repr-Digest`) value of a whole body. */
export function createDigest(body: BodyChunk, algorithms: readonly DigestAlgorithm[] = ['sha-256']): string {
  return new Digester(algorithms).update(body).digest();
}

/**
 * Checks a body, chunk by chunk, against a digest field. Construction picks the strongest known
 * algorithm of the field (unknown ones are ignored, RFC 9530 §2); `verify()` compares in constant time.
 */
export class DigestVerifier {
  /** The algorithm being checked. */
  readonly algorithm: DigestAlgorithm;
  readonly #expected: Uint8Array;
  readonly #hash: Hash;

  /** @throws SignetError `invalid_digest`, `unsupported_digest_algorithm` */
  constructor(fieldValue: string, fieldName = 'Content-Digest') {
    const dictionary = parseDictionaryField(fieldValue, 'invalid_digest', fieldName);
    for (const alg of PREFERENCE) {
      const member = dictionary.get(alg);
      if (member === undefined) continue;
      const bare = isInnerList(member) ? undefined : member[0];
      if (!(bare instanceof ArrayBuffer)) throw new SignetError('invalid_digest', `${fieldName} member "${alg}" must be a byte sequence.`);
      this.algorithm = alg;
      this.#expected = new Uint8Array(bare);
      this.#hash = createHash(HASHES[alg]);
      return;
    }
    throw new SignetError('unsupported_digest_algorithm', `${fieldName} has no algorithm Signet knows (found: ${[...dictionary.keys()].join(', ') || 'none'}; known: sha-256, sha-512).`);
  }

  /** Adds a chunk. */
  update(chunk: BodyChunk): this {
    this.#hash.update(chunk);
    return this;
  }

  /** @throws SignetError `digest_mismatch` when the body does not match. */
  verify(): void {
    const actual = this.#hash.digest();
    if (actual.length !== this.#expected.length || !timingSafeEqual(actual, this.#expected)) {
      throw new SignetError('digest_mismatch', `The body does not match its ${this.algorithm} digest.`);
    }
  }
}

/** Checks a whole body against a digest field value. @throws SignetError `digest_mismatch`, `invalid_digest`, `unsupported_digest_algorithm` */
export function verifyDigest(fieldValue: string, body: BodyChunk, fieldName = 'Content-Digest'): void {
  new DigestVerifier(fieldValue, fieldName).update(body).verify();
}
