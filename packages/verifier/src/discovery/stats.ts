/**
 * Discovery counters.
 * @module
 */
import type { SignetErrorCode } from '@signet/core';

/** What key discovery did since it was created (or since {@link KeyDiscovery.clear}). */
export interface DiscoveryStats {
  /** Network fetches started. */
  fetches: number;
  /** Lookups answered from the cache (fresh, or stale while revalidating, or stale after a failed re-fetch). */
  cacheHits: number;
  /** Lookups that joined a fetch already in flight for the same URL. */
  coalesced: number;
  /** Lookups refused from the negative cache (the URL failed recently; no fetch). */
  negativeHits: number;
  /** Re-fetches caused by an unknown keyid. */
  refetches: number;
  /** Unknown-keyid re-fetches refused by the rate limit (fetched less than an interval ago, or the origin re-fetched recently). */
  refetchesLimited: number;
  /** Background refreshes (stale-while-revalidate) started. */
  backgroundRefreshes: number;
  /** Lookups answered with an expired entry because re-fetching it failed (a failure never evicts good keys). */
  staleServed: number;
  /** Failed fetches, by error code. */
  failures: Partial<Record<SignetErrorCode, number>>;
  /** Entries (documents and negative entries) in the cache now. */
  entries: number;
}

/** A fresh zeroed counter set. */
export function emptyStats(): DiscoveryStats {
  return { fetches: 0, cacheHits: 0, coalesced: 0, negativeHits: 0, refetches: 0, refetchesLimited: 0, backgroundRefreshes: 0, staleServed: 0, failures: {}, entries: 0 };
}
