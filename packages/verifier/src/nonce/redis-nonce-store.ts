/**
 * A replay store on Redis, shared by every verifier instance behind a load balancer: one atomic
 * `SET key 1 PX ttl NX` per nonce.
 * @module
 */
import { SignetError } from '@signet/core';
import type { NonceStore } from './nonce-store.js';

/**
 * The one command the store needs, as `ioredis` (and compatible clients) expose it: `SET key value PX ms NX`,
 * resolving to `"OK"` when the key was set and `null` when it existed.
 */
export interface RedisClientLike {
  set(key: string, value: string, millisecondsToken: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
}

/** Options of {@link RedisNonceStore}. */
export interface RedisNonceStoreOptions {
  /**
   * An ioredis-compatible client. To fail fast while Redis is down, create it with `enableOfflineQueue: false`
   * (and e.g. `maxRetriesPerRequest: 1`); the store's own timeout bounds the wait in any case.
   */
  client: RedisClientLike;
  /** Prefix of every key (default `signet:nonce:`), to share a Redis database with other data. */
  prefix?: string;
  /** How long to wait for Redis before failing closed, in ms (default 1000). */
  timeoutMs?: number;
}

/**
 * A {@link NonceStore} on Redis. Any failure — a connection error, a timeout, an unexpected reply — is thrown as
 * `replay_store_unavailable`: the verifier then refuses the request (HTTP 503) instead of accepting it unchecked.
 */
export class RedisNonceStore implements NonceStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisNonceStoreOptions) {
    if (typeof options?.client?.set !== 'function') {
      throw new SignetError('invalid_configuration', 'RedisNonceStore needs { client } with a set(key, value, "PX", ms, "NX") method (an ioredis client).');
    }
    const timeoutMs = options.timeoutMs ?? 1000;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new SignetError('invalid_configuration', `RedisNonceStore timeoutMs must be a positive number, got ${String(options.timeoutMs)}.`);
    }
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'signet:nonce:';
    this.#timeoutMs = timeoutMs;
  }

  /** @inheritdoc */
  async checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SignetError('replay_store_unavailable', `Redis did not answer within ${this.#timeoutMs} ms.`)), this.#timeoutMs);
    });
    try {
      const command = Promise.resolve().then(() => this.#client.set(this.#prefix + key, '1', 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'));
      const reply = await Promise.race([command, timeout]);
      if (reply === 'OK') return true;
      if (reply === null) return false;
      throw new SignetError('replay_store_unavailable', `Redis answered SET NX with an unexpected reply (${typeof reply}).`);
    } catch (error) {
      if (error instanceof SignetError) throw error;
      throw new SignetError('replay_store_unavailable', `The Redis replay store failed: ${error instanceof Error ? error.message : String(error)}.`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
