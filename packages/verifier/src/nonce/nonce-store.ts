/**
 * The replay store contract, and the key under which a nonce is recorded.
 * @module
 */
import * as crypto from 'node:crypto';

/**
 * Records nonces. `checkAndStore` must be atomic: of two concurrent calls with the same key, exactly one
 * gets `true`. It must throw (or reject) when it cannot answer: the verifier then refuses the request with
 * `replay_store_unavailable` rather than accept it unchecked.
 */
export interface NonceStore {
  /**
   * Records `key` for `ttlMs` milliseconds.
   * @returns `true` when the key was not recorded yet (first use), `false` when it was (a replay).
   */
  checkAndStore(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * The store key of a nonce: SHA-256 over the key identity (its JWK thumbprint) and the nonce, base64url.
 * Scoping by key means one agent can never burn another agent's nonces; hashing bounds the size of what is stored
 * whatever the nonce length.
 */
export function nonceKey(keyIdentity: string, nonce: string): string {
  // The digest of `keyIdentity + "\n" + nonce` in UTF-8: the one-shot crypto.hash (Node >= 20.12) is ~3x cheaper
  // than a Hash object, and gives the same key (stored keys stay valid across versions; the tests pin it).
  const data = keyIdentity + '\n' + nonce;
  return oneShotHash !== undefined ? oneShotHash('sha256', data, 'base64url') : crypto.createHash('sha256').update(data).digest('base64url');
}

/** `crypto.hash`, absent before Node 20.12. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;
