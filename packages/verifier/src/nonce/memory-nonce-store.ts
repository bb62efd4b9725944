/**
 * An in-process replay store: an open-addressing hash table of 64-bit key hashes and expiry times in typed
 * arrays (12 bytes a slot, at most half the slots used: about 25 bytes a nonce), bounded, evicting by expiry.
 * @module
 */
import { randomBytes } from 'node:crypto';
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
 * A bounded {@link NonceStore} for one process. Keys are reduced to 62 bits: the verifier's keys are SHA-256
 * digests in base64url ({@link nonceKey}), whose first 11 characters are used as they are; other keys are hashed
 * with FNV-1a (a collision can only refuse a request, never accept one). Slots are chosen with a per-store random
 * seed, so that nobody can aim keys at one probe chain. Expired entries are reused in place and dropped when the
 * table is rebuilt. For several verifier instances use `RedisNonceStore`.
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
  /** Occupied slots allowed before a rebuild: min(capacity, half the table). */
  #limit: number;
  readonly #seedHi: number;
  readonly #seedLo: number;

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
    this.#limit = Math.min(capacity, slots * MAX_LOAD);
    const seed = randomBytes(8);
    this.#seedHi = seed.readUInt32LE(0);
    this.#seedLo = seed.readUInt32LE(4);
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
    const [hi, lo] = hash64(key);
    return this.#record(hi, lo, ttlMs);
  }

  /**
   * Records `nonce` for the key `identity` (its thumbprint) for `ttlMs`: what the verifier calls on its hot path.
   * `true` on first use, `false` for a replay, like {@link checkAndStore} with `nonceKey(identity, nonce)`, but
   * hashed here (64 bits, in JavaScript) instead of through SHA-256: the store keeps 62 bits of any key anyway, and a
   * replay has the same identity and nonce, so it always has the same hash. A collision between two different nonces
   * could only refuse a request, never accept one. Pairs and `checkAndStore` keys are separate: use one or the other
   * on a store.
   * @throws SignetError `replay_store_unavailable` when `capacity` nonces are live.
   */
  checkNonceSync(identity: string, nonce: string, ttlMs: number): boolean {
    if (typeof identity !== 'string' || typeof nonce !== 'string' || !(ttlMs > 0)) {
      throw new SignetError('replay_store_unavailable', 'MemoryNonceStore.checkNonceSync needs string identity and nonce and a positive ttlMs.');
    }
    hashPair(identity, nonce);
    return this.#record(hashHi, hashLo, ttlMs);
  }

  #record(hi: number, lo: number, ttlMs: number): boolean {
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
    let i = slotOf(hi, lo, this.#seedHi, this.#seedLo) & mask;
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
    if (this.#used + 1 > this.#limit) return undefined;
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
    this.#limit = Math.min(this.#capacity, slots * MAX_LOAD);
    this.#used = 0;
    for (let i = 0; i < exps.length; i++) {
      const e = exps[i] as number;
      if (e <= now) continue;
      let j = slotOf(his[i] as number, los[i] as number, this.#seedHi, this.#seedLo) & this.#mask;
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

const BASE64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[c.charCodeAt(0)] = i;

/**
 * 62 bits of a key: taken directly from a 43-character base64url SHA-256 digest (what {@link nonceKey} produces),
 * else FNV-1a over the UTF-16 code units in two lanes.
 */
function hash64(key: string): [number, number] {
  if (key.length === 43) {
    let hi = 0;
    let lo = 0;
    let ok = true;
    for (let i = 0; i < 5; i++) {
      const a = key.charCodeAt(i);
      const b = key.charCodeAt(i + 5);
      const va = a < 128 ? (BASE64URL[a] as number) : -1;
      const vb = b < 128 ? (BASE64URL[b] as number) : -1;
      if (va < 0 || vb < 0) {
        ok = false;
        break;
      }
      hi = (hi << 6) | va;
      lo = (lo << 6) | vb;
    }
    const c = key.charCodeAt(10);
    const vc = c < 128 ? (BASE64URL[c] as number) : -1;
    if (ok && vc >= 0) return [(hi | ((vc & 3) << 30)) >>> 0, (lo | (((vc >> 2) & 3) << 30)) >>> 0];
  }
  fnvLanes(key, FNV_LANE1, FNV_LANE2);
  return [lane1 >>> 0, lane2 >>> 0];
}

const FNV_LANE1 = 0x811c9dc5;
const FNV_LANE2 = 0x050c5d1f;
/** The result of {@link fnvLanes}. */
let lane1 = 0;
let lane2 = 0;

/** FNV-1a over the UTF-16 code units of `s` in two lanes, continuing from (h1, h2); the result in lane1, lane2. */
function fnvLanes(s: string, h1: number, h2: number): void {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 0x01000193);
    h2 = Math.imul(h2 ^ code, 0x01000193) ^ (h1 >>> 15);
  }
  lane1 = h1;
  lane2 = h2;
}

/** The result of {@link hashPair}: two 32-bit halves, without an array per call. */
let hashHi = 0;
let hashLo = 0;
/** The last identity hashed, and its lanes: a verifier sees the same few keys, so their part is hashed once. */
let lastIdentity: string | undefined;
let identityHi = 0;
let identityLo = 0;

/**
 * 64 bits of (identity, nonce), into {@link hashHi} / {@link hashLo}: FNV-1a in two lanes over the identity, a
 * separator and the nonce, finished with a murmur3-style mix so that every input bit reaches both halves.
 */
function hashPair(identity: string, nonce: string): void {
  if (identity !== lastIdentity) {
    // A line feed after the identity keeps ("ab", "c") and ("a", "bc") apart.
    fnvLanes(identity + '\n', FNV_LANE1, FNV_LANE2);
    identityHi = lane1;
    identityLo = lane2;
    lastIdentity = identity;
  }
  fnvLanes(nonce, identityHi, identityLo);
  let h1 = lane1;
  let h2 = lane2;
  h1 ^= h2 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h2 ^= h1 >>> 13;
  h2 = Math.imul(h2, 0xc2b2ae35);
  hashHi = (h1 ^ (h2 >>> 16)) >>> 0;
  hashLo = (h2 ^ (hashHi >>> 15) ^ Math.imul(nonce.length, 0x9e3779b1)) >>> 0;
}

/** The slot of a 64-bit hash under the store's seed (a murmur3-style finalizer). */
function slotOf(hi: number, lo: number, seedHi: number, seedLo: number): number {
  let h = (lo ^ seedLo) ^ Math.imul(hi ^ seedHi, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
