/**
 * Options of key discovery, and their defaults.
 * @module
 */
import type { Dispatcher } from 'undici';

/** One address a host name resolves to (the shape of `dns.lookup(host, { all: true })`). */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to all of its addresses. The default is `dns.promises.lookup(host, { all: true })`. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** How key discovery fetches and caches key directories, JWKS and metadata documents. */
export interface DiscoveryOptions {
  /** Wall-clock limit for one fetch (connect, headers and body together), in ms. Default 2000. */
  timeoutMs?: number;
  /** Body size cap in bytes, enforced while streaming. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Allow `http:` URLs (tests, local development). Default false: `https:` only. */
  allowHttp?: boolean;
  /**
   * Host names or IP literals that may be fetched even though they are, or resolve to, private, loopback or
   * link-local addresses. An IP literal also admits any host name that resolves to exactly that address.
   * Default: none.
   */
  allowedHosts?: string[];
  /** Lower bound on how long a fetched document is cached (whatever its Cache-Control says), in s. Default 60. */
  minTtlSeconds?: number;
  /** Upper bound on how long a fetched document is cached, in s. Default 86400. */
  maxTtlSeconds?: number;
  /** Cache lifetime when the response has neither `Cache-Control: max-age` nor `Expires`, in s. Default 300. */
  defaultTtlSeconds?: number;
  /** First negative-cache period after a failed fetch, doubling with each consecutive failure, in s. Default 10. */
  negativeTtlSeconds?: number;
  /** Cap of the negative-cache period (and of an honoured `Retry-After`), in s. Default 300. */
  maxNegativeTtlSeconds?: number;
  /** How long past its expiry a good entry is still served when re-fetching it fails, in s. Default 86400. */
  staleIfErrorSeconds?: number;
  /** Re-fetch on an unknown keyid at most once per this interval per origin, in s. Default 60. */
  unknownKeyRefetchSeconds?: number;
  /**
   * For `type=directory`: only keys that sign the directory response itself
   * (`tag="http-message-signatures-directory"`, `"@authority";req` and `content-digest` covered) are usable.
   * Default true. When false, directory signatures are not checked at all.
   */
  requireDirectorySignature?: boolean;
  /** Clock skew allowed when checking a directory signature's `created` and `expires`, in s. Default 30. */
  directorySignatureSkewSeconds?: number;
  /** Most keys a key set may hold; more is `directory_invalid`. Default 100. */
  maxKeys?: number;
  /** Most documents (and negative entries) kept in the cache; the least recently used go first. Default 10000. */
  maxCacheEntries?: number;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * An undici dispatcher to fetch through (tests, proxies). Addresses are still vetted before each fetch, but the
   * connection is then not pinned to the vetted address: the dispatcher resolves the host again.
   */
  dispatcher?: Dispatcher;
  /** The DNS resolver (tests). Default `dns.promises.lookup(host, { all: true })`. */
  lookup?: HostResolver;
  /**
   * Trusted CA certificates (PEM) for `https:` fetches, replacing Node's default roots: a private PKI, or a
   * test server's self-signed certificate. Certificates are always verified against the URL's host name.
   */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** Options with every default filled in. */
export interface ResolvedDiscoveryOptions {
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly allowHttp: boolean;
  readonly allowedHosts: readonly string[];
  readonly minTtlMs: number;
  readonly maxTtlMs: number;
  readonly defaultTtlMs: number;
  readonly negativeTtlMs: number;
  readonly maxNegativeTtlMs: number;
  readonly staleIfErrorMs: number;
  readonly unknownKeyRefetchMs: number;
  readonly requireDirectorySignature: boolean;
  readonly directorySignatureSkewSeconds: number;
  readonly maxKeys: number;
  readonly maxCacheEntries: number;
  readonly now: () => number;
  readonly dispatcher: Dispatcher | undefined;
  readonly lookup: HostResolver | undefined;
  readonly ca: string | Buffer | Array<string | Buffer> | undefined;
}

/** Fills in defaults and checks the numbers. @throws TypeError on a negative or non-finite number. */
export function resolveDiscoveryOptions(options: DiscoveryOptions = {}): ResolvedDiscoveryOptions {
  const num = (name: keyof DiscoveryOptions, fallback: number, min = 0): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new TypeError(`DiscoveryOptions.${name} must be a finite number >= ${min}, got ${String(value)}.`);
    }
    return value;
  };
  const minTtl = num('minTtlSeconds', 60);
  const maxTtl = num('maxTtlSeconds', 86_400);
  if (maxTtl < minTtl) throw new TypeError(`DiscoveryOptions.maxTtlSeconds (${maxTtl}) is below minTtlSeconds (${minTtl}).`);
  const negative = num('negativeTtlSeconds', 10);
  const maxNegative = Math.max(num('maxNegativeTtlSeconds', 300), negative);
  return {
    timeoutMs: num('timeoutMs', 2000, 1),
    maxBodyBytes: num('maxBodyBytes', 64 * 1024, 1),
    allowHttp: options.allowHttp === true,
    allowedHosts: [...(options.allowedHosts ?? [])],
    minTtlMs: minTtl * 1000,
    maxTtlMs: maxTtl * 1000,
    defaultTtlMs: Math.min(Math.max(num('defaultTtlSeconds', 300), minTtl), maxTtl) * 1000,
    negativeTtlMs: negative * 1000,
    maxNegativeTtlMs: maxNegative * 1000,
    staleIfErrorMs: num('staleIfErrorSeconds', 86_400) * 1000,
    unknownKeyRefetchMs: num('unknownKeyRefetchSeconds', 60) * 1000,
    requireDirectorySignature: options.requireDirectorySignature !== false,
    directorySignatureSkewSeconds: num('directorySignatureSkewSeconds', 30),
    maxKeys: num('maxKeys', 100, 1),
    maxCacheEntries: num('maxCacheEntries', 10_000, 1),
    now: options.now ?? Date.now,
    dispatcher: options.dispatcher,
    lookup: options.lookup,
    ca: options.ca,
  };
}
