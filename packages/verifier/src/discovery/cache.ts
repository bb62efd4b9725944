/**
 * The document cache of key discovery: freshness, stale-while-revalidate, stale-if-error, negative caching with
 * exponential backoff, and one fetch in flight per key. A rejected fetch is never kept: the promise is dropped
 * when it settles, and only the failure's backoff deadline is remembered.
 * @module
 */
import { isSignetError, type SignetErrorCode } from '@signet/core';
import { DiscoveryError, type DiscoveryErrorCode } from './errors.js';
import type { Freshness } from './freshness.js';
import type { DiscoveryStats } from './stats.js';

/** A loaded document and how long it stays fresh. */
export interface Loaded<T> {
  readonly value: T;
  readonly freshness: Freshness;
}

/** A cached document. */
export interface CachedValue<T> {
  readonly value: T;
  /** When it was fetched, in ms since the epoch (clock of the cache). */
  readonly fetchedAt: number;
}

interface Entry<T> extends CachedValue<T> {
  readonly freshUntil: number;
  readonly revalidateUntil: number;
  readonly staleIfErrorUntil: number;
}

interface Negative {
  readonly failures: number;
  readonly retryAt: number;
  readonly error: unknown;
}

/** Cache settings, in ms. */
export interface CacheSettings {
  readonly now: () => number;
  readonly negativeTtlMs: number;
  readonly maxNegativeTtlMs: number;
  readonly staleIfErrorMs: number;
  readonly maxEntries: number;
}

/** The failure a negative entry remembers, saying when the next attempt will be made. */
function remembered(error: unknown, retryInMs: number): unknown {
  if (!(error instanceof DiscoveryError)) return error;
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return new DiscoveryError(error.code as DiscoveryErrorCode, error.url, `${error.reason} (failed recently; not fetched again for ${seconds} s)`, {
    cause: error,
    retryAfterSeconds: error.retryAfterSeconds,
  });
}

/** A least-recently-used map with a size bound. */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly maxSize: number) {}
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.maxSize) {
      const oldest = this.#map.keys().next();
      if (oldest.done === true) break;
      this.#map.delete(oldest.value);
    }
  }
  delete(key: K): void {
    this.#map.delete(key);
  }
  clear(): void {
    this.#map.clear();
  }
  get size(): number {
    return this.#map.size;
  }
}

/** Documents by cache key (`kind + URL`). */
export class DocumentCache<T> {
  readonly #settings: CacheSettings;
  readonly #stats: DiscoveryStats;
  readonly #entries: BoundedMap<string, Entry<T>>;
  readonly #negative: BoundedMap<string, Negative>;
  readonly #inFlight = new Map<string, Promise<Entry<T>>>();
  #generation = 0;

  constructor(settings: CacheSettings, stats: DiscoveryStats) {
    this.#settings = settings;
    this.#stats = stats;
    this.#entries = new BoundedMap(settings.maxEntries);
    this.#negative = new BoundedMap(settings.maxEntries);
  }

  /**
   * The document for `key`: fresh from the cache; stale while one background refresh runs; otherwise fetched
   * (joining a fetch in flight). While the key is in negative backoff no fetch is made: a good entry is still
   * served (up to stale-if-error), else the remembered failure is thrown.
   */
  async get(key: string, load: () => Promise<Loaded<T>>): Promise<CachedValue<T>> {
    const now = this.#settings.now();
    const entry = this.#entries.get(key);
    if (entry !== undefined && now < entry.freshUntil) {
      this.#stats.cacheHits++;
      return entry;
    }
    if (entry !== undefined && now < entry.revalidateUntil) {
      this.#stats.cacheHits++;
      if (!this.#inFlight.has(key) && !this.#inBackoff(key, now)) {
        this.#stats.backgroundRefreshes++;
        this.#fetch(key, load).catch(() => undefined);
      }
      return entry;
    }
    return this.#fetchOrFallback(key, load, entry, now);
  }

  /**
   * Fetches `key` again now (unknown keyid), unless it is in negative backoff; joins a fetch in flight.
   * Falls back to the cached entry when the fetch fails.
   */
  async refresh(key: string, load: () => Promise<Loaded<T>>): Promise<CachedValue<T>> {
    return this.#fetchOrFallback(key, load, this.#entries.peek(key), this.#settings.now());
  }

  /** The fetch in flight for `key`, if any. */
  pending(key: string): Promise<CachedValue<T>> | undefined {
    return this.#inFlight.get(key);
  }

  /** The cached entry, without touching recency or freshness. */
  peek(key: string): CachedValue<T> | undefined {
    return this.#entries.peek(key);
  }

  /** Whether `key` is in negative backoff. */
  inBackoff(key: string): boolean {
    return this.#inBackoff(key, this.#settings.now());
  }

  /** Resolves when no fetch is in flight (background refreshes included). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()]);
  }

  /** Entries and negative entries held. */
  get size(): number {
    return this.#entries.size + this.#negative.size;
  }

  /** Drops every entry and negative entry; fetches in flight finish but are not stored. */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#negative.clear();
    this.#inFlight.clear();
  }

  async #fetchOrFallback(key: string, load: () => Promise<Loaded<T>>, entry: Entry<T> | undefined, now: number): Promise<CachedValue<T>> {
    const usableStale = entry !== undefined && now < entry.staleIfErrorUntil ? entry : undefined;
    const negative = this.#negative.peek(key);
    if (negative !== undefined && now < negative.retryAt && !this.#inFlight.has(key)) {
      if (usableStale !== undefined) {
        this.#stats.staleServed++;
        return usableStale;
      }
      this.#stats.negativeHits++;
      throw remembered(negative.error, negative.retryAt - now);
    }
    try {
      return await this.#fetch(key, load);
    } catch (error) {
      if (usableStale !== undefined) {
        this.#stats.staleServed++;
        return usableStale;
      }
      throw error;
    }
  }

  #inBackoff(key: string, now: number): boolean {
    const negative = this.#negative.peek(key);
    return negative !== undefined && now < negative.retryAt;
  }

  #fetch(key: string, load: () => Promise<Loaded<T>>): Promise<Entry<T>> {
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      this.#stats.coalesced++;
      return running;
    }
    this.#stats.fetches++;
    const generation = this.#generation;
    let promise!: Promise<Entry<T>>;
    promise = (async (): Promise<Entry<T>> => {
      try {
        const loaded = await Promise.resolve().then(load);
        if (generation !== this.#generation) return this.#entryFor(loaded);
        const entry = this.#entryFor(loaded);
        this.#entries.set(key, entry);
        this.#negative.delete(key);
        return entry;
      } catch (error) {
        if (generation === this.#generation) this.#recordFailure(key, error);
        throw error;
      } finally {
        if (this.#inFlight.get(key) === promise) this.#inFlight.delete(key);
      }
    })();
    this.#inFlight.set(key, promise);
    return promise;
  }

  #entryFor(loaded: Loaded<T>): Entry<T> {
    const fetchedAt = this.#settings.now();
    const freshUntil = fetchedAt + loaded.freshness.ttlMs;
    return {
      value: loaded.value,
      fetchedAt,
      freshUntil,
      revalidateUntil: freshUntil + loaded.freshness.staleWhileRevalidateMs,
      staleIfErrorUntil: freshUntil + this.#settings.staleIfErrorMs,
    };
  }

  #recordFailure(key: string, error: unknown): void {
    const code: SignetErrorCode | undefined = isSignetError(error) ? error.code : undefined;
    if (code !== undefined) this.#stats.failures[code] = (this.#stats.failures[code] ?? 0) + 1;
    const previous = this.#negative.peek(key);
    const failures = (previous?.failures ?? 0) + 1;
    const { negativeTtlMs, maxNegativeTtlMs } = this.#settings;
    const backoff = Math.min(negativeTtlMs * 2 ** Math.min(failures - 1, 30), maxNegativeTtlMs);
    const retryAfterS = (error as Partial<DiscoveryError>).retryAfterSeconds;
    const retryAfter = typeof retryAfterS === 'number' ? Math.min(retryAfterS * 1000, maxNegativeTtlMs) : 0;
    this.#negative.set(key, { failures, retryAt: this.#settings.now() + Math.max(backoff, retryAfter), error });
  }
}
