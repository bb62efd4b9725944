/**
 * How long a fetched document stays fresh (RFC 9111 `Cache-Control: max-age`, `Age`, `Expires`) and how long
 * it may be served stale while one background refresh runs (RFC 5861 `stale-while-revalidate`). Pure.
 * @module
 */

/** The lifetimes of a fetched document, in ms, already clamped. */
export interface Freshness {
  /** Fresh for this long after the fetch: within [minTtl, maxTtl]. */
  readonly ttlMs: number;
  /** After that, served stale for this long while one refresh runs in the background. */
  readonly staleWhileRevalidateMs: number;
}

/** The cache bounds that apply. */
export interface FreshnessBounds {
  readonly minTtlMs: number;
  readonly maxTtlMs: number;
  readonly defaultTtlMs: number;
}

/** Parses `Cache-Control` into lower-case directive → value (`true` for a directive without a value). */
export function parseCacheControl(value: string | undefined): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (value === undefined) return directives;
  for (const part of value.split(',')) {
    const [rawName, ...rest] = part.split('=');
    const name = (rawName ?? '').trim().toLowerCase();
    if (name === '') continue;
    const raw = rest.join('=').trim();
    directives.set(name, rest.length === 0 ? true : raw.replace(/^"(.*)"$/, '$1'));
  }
  return directives;
}

function seconds(value: string | true | undefined): number | undefined {
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The freshness of a response from its headers (lower-case names). `no-store`, `no-cache` and `max-age=0`
 * still cache for `minTtl`: discovery must not re-fetch on every request.
 */
export function freshnessOf(headers: Readonly<Record<string, string>>, bounds: FreshnessBounds, nowMs: number): Freshness {
  const directives = parseCacheControl(headers['cache-control']);
  let lifetimeS: number | undefined;
  if (directives.has('no-store') || directives.has('no-cache')) lifetimeS = 0;
  else {
    const maxAge = seconds(directives.get('max-age'));
    if (maxAge !== undefined) {
      lifetimeS = maxAge - (seconds(headers.age) ?? 0);
    } else if (headers.expires !== undefined) {
      const expires = Date.parse(headers.expires);
      const date = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
      lifetimeS = Number.isNaN(expires) ? 0 : (expires - (Number.isNaN(date) ? nowMs : date)) / 1000;
    }
  }
  const ttlMs = lifetimeS === undefined ? bounds.defaultTtlMs : clamp(lifetimeS * 1000, bounds.minTtlMs, bounds.maxTtlMs);
  const swr = seconds(directives.get('stale-while-revalidate'));
  const staleWhileRevalidateMs = swr === undefined || directives.has('no-store') ? 0 : Math.min(swr * 1000, bounds.maxTtlMs);
  return { ttlMs, staleWhileRevalidateMs };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** The media type of a `Content-Type` value: lower-case, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(';')[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}
