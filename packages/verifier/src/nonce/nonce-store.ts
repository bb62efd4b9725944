/**
 * The replay store contract, and the key under which a nonce is recorded.
 * @module
 */
import { createHash } from 'node:crypto';

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
  return createHash('sha256').update(keyIdentity).update('\n').update(nonce).digest('base64url');
}
