/**
 * An in-process replay store: an open-addressing hash table of 64-bit key hashes and expiry times in typed
 * arrays (12 bytes a slot, at most half the slots used: about 25 bytes a nonce), bounded, evicting by expiry.
 * @module
 */
import { createHash } from 'node:crypto';
import { SignetError } from '@signet/core';
import type { NonceStore } from './nonce-store.js';

/** Options of {@link MemoryNonceStore}. */
export interface MemoryNonceStoreOptions {
  /**
   * The most live (unexpired) nonces kept. When that many are live, `checkAndStore` fails (the verifier answers
   * `replay_store_unavailable`) rather than forget one: a forgotten nonce could be replayed. Default 1,000,000.
   */
  capacity?: number;
  /** The clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const MIN_SLOTS = 1024;
const MAX_LOAD = 0.5;

/**
 * A bounded {@link NonceStore} for one process. Keys are reduced to 64-bit SHA-256 prefixes (a collision can only
 * refuse a request, never accept one); expired entries are reused in place and dropped when the table is rebuilt.
 * For several verifier instances use `RedisNonceStore`.
 */
export class MemoryNonceStore implements NonceStore {
  readonly #capacity: number;
  readonly #now: () => number;
  readonly #epochMs: number;
  #hi: Uint32Array;
  #lo: Uint32Array;
  /** Expiry in whole seconds since `#epochMs`, rounded up; 0 marks an empty slot. */
  #exp: Uint32Array;
  #mask: number;
  /** Occupied slots, live or expired. */
  #used = 0;

  constructor(options: MemoryNonceStoreOptions = {}) {
    const capacity = options.capacity ?? 1_000_000;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 28) {
      throw new SignetError('invalid_configuration', `MemoryNonceStore capacity must be an integer from 1 to 2^28, got ${String(capacity)}.`);
    }
    this.#capacity = capacity;
    this.#now = options.now ?? Date.now;
    this.#epochMs = this.#now() - 1000;
    const slots = Math.min(MIN_SLOTS, maxSlotsFor(capacity));
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#exp = new Uint32Array(slots);
    this.#mask = slots - 1;
  }

  /** The capacity in live nonces. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Bytes held by the table (typed arrays only). */
  get byteLength(): number {
    return this.#hi.byteLength + this.#lo.byteLength + this.#exp.byteLength;
  }

  /** The number of live (unexpired) nonces. O(table size). */
  liveCount(): number {
    return this.#liveCountAt(Math.floor((this.#now() - this.#epochMs) / 1000));
  }

  /** @inheritdoc */
  async checkAndStore(key: string, ttlMs: number): Promise<boolean> {
    return this.checkAndStoreSync(key, ttlMs);
  }

  /**
   * The synchronous form of {@link checkAndStore}.
   * @throws SignetError `replay_store_unavailable` when `capacity` nonces are live.
   */
  checkAndStoreSync(key: string, ttlMs: number): boolean {
    if (typeof key !== 'string' || !(ttlMs > 0)) {
      throw new SignetError('replay_store_unavailable', 'MemoryNonceStore.checkAndStore needs a string key and a positive ttlMs.');
    }
    const digest = createHash('sha256').update(key).digest();
    const hi = digest.readUInt32LE(0);
    const lo = digest.readUInt32LE(4);
    const nowMs = this.#now();
    const now = Math.floor((nowMs - this.#epochMs) / 1000);
    const expiry = Math.max(now + 1, Math.ceil((nowMs + ttlMs - this.#epochMs) / 1000));
    for (;;) {
      const result = this.#probe(hi, lo, now, expiry);
      if (result !== undefined) return result;
      this.#rebuild(now);
    }
  }

  /** `true`/`false` as for checkAndStore, or `undefined` when the table must grow (or be purged) first. */
  #probe(hi: number, lo: number, now: number, expiry: number): boolean | undefined {
    const his = this.#hi;
    const los = this.#lo;
    const exps = this.#exp;
    const mask = this.#mask;
    let i = lo & mask;
    let reusable = -1;
    for (;;) {
      const e = exps[i] as number;
      if (e === 0) break;
      if (his[i] === hi && los[i] === lo) {
        if (e > now) return false;
        exps[i] = expiry;
        return true;
      }
      if (reusable < 0 && e <= now) reusable = i;
      i = (i + 1) & mask;
    }
    if (reusable >= 0) {
      his[reusable] = hi;
      los[reusable] = lo;
      exps[reusable] = expiry;
      return true;
    }
    if (this.#used + 1 > exps.length * MAX_LOAD) return undefined;
    his[i] = hi;
    los[i] = lo;
    exps[i] = expiry;
    this.#used++;
    return true;
  }

  /** Drops expired entries and grows the table if needed. @throws when `capacity` nonces are live. */
  #rebuild(now: number): void {
    const live = this.#liveCountAt(now);
    if (live + 1 > this.#capacity) {
      throw new SignetError('replay_store_unavailable', `MemoryNonceStore is full: ${live} live nonces (capacity ${this.#capacity}); refusing rather than forgetting one.`);
    }
    let slots = this.#exp.length;
    while ((live + 1) * 4 > slots && slots < maxSlotsFor(this.#capacity)) slots *= 2;
    const [his, los, exps] = [this.#hi, this.#lo, this.#exp];
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#exp = new Uint32Array(slots);
    this.#mask = slots - 1;
    this.#used = 0;
    for (let i = 0; i < exps.length; i++) {
      const e = exps[i] as number;
      if (e <= now) continue;
      let j = (los[i] as number) & this.#mask;
      while (this.#exp[j] !== 0) j = (j + 1) & this.#mask;
      this.#hi[j] = his[i] as number;
      this.#lo[j] = los[i] as number;
      this.#exp[j] = e;
      this.#used++;
    }
  }

  #liveCountAt(now: number): number {
    let live = 0;
    const exps = this.#exp;
    for (let i = 0; i < exps.length; i++) if ((exps[i] as number) > now) live++;
    return live;
  }
}

/** The table size that holds `capacity` entries at the maximum load factor: a power of two. */
function maxSlotsFor(capacity: number): number {
  let slots = MIN_SLOTS;
  while (slots * MAX_LOAD < capacity) slots *= 2;
  return slots;
}
