import { describe, expect, it } from 'vitest';
import { freshnessOf, mediaType, parseCacheControl } from '../../src/discovery/index.js';

const bounds = { minTtlMs: 60_000, maxTtlMs: 86_400_000, defaultTtlMs: 300_000 };
const now = Date.UTC(2026, 10, 1);

describe('Cache-Control freshness, clamped to [minTtl, maxTtl]', () => {
  it('parses directives case-insensitively, with quoted values', () => {
    const d = parseCacheControl('Max-Age=120, stale-while-revalidate="30", no-transform');
    expect(d.get('max-age')).toBe('120');
    expect(d.get('stale-while-revalidate')).toBe('30');
    expect(d.get('no-transform')).toBe(true);
  });

  it('honours max-age inside the bounds, minus Age', () => {
    expect(freshnessOf({ 'cache-control': 'max-age=600' }, bounds, now).ttlMs).toBe(600_000);
    expect(freshnessOf({ 'cache-control': 'max-age=600', age: '100' }, bounds, now).ttlMs).toBe(500_000);
  });

  it('clamps a short max-age up to minTtl and a long one down to maxTtl', () => {
    expect(freshnessOf({ 'cache-control': 'max-age=5' }, bounds, now).ttlMs).toBe(60_000);
    expect(freshnessOf({ 'cache-control': 'max-age=0' }, bounds, now).ttlMs).toBe(60_000);
    expect(freshnessOf({ 'cache-control': 'max-age=31536000' }, bounds, now).ttlMs).toBe(86_400_000);
  });

  it('caches no-store / no-cache for minTtl: discovery never fetches on every request', () => {
    expect(freshnessOf({ 'cache-control': 'no-store' }, bounds, now).ttlMs).toBe(60_000);
    expect(freshnessOf({ 'cache-control': 'no-cache, max-age=3600' }, bounds, now).ttlMs).toBe(60_000);
  });

  it('falls back to Expires - Date, then to the default', () => {
    const date = new Date(now).toUTCString();
    const expires = new Date(now + 900_000).toUTCString();
    expect(freshnessOf({ expires, date }, bounds, now).ttlMs).toBe(900_000);
    expect(freshnessOf({ expires: 'garbage' }, bounds, now).ttlMs).toBe(60_000);
    expect(freshnessOf({}, bounds, now).ttlMs).toBe(300_000);
  });

  it('reads stale-while-revalidate (capped at maxTtl); none means 0', () => {
    expect(freshnessOf({ 'cache-control': 'max-age=60, stale-while-revalidate=120' }, bounds, now).staleWhileRevalidateMs).toBe(120_000);
    expect(freshnessOf({ 'cache-control': 'max-age=60, stale-while-revalidate=99999999' }, bounds, now).staleWhileRevalidateMs).toBe(86_400_000);
    expect(freshnessOf({ 'cache-control': 'max-age=60' }, bounds, now).staleWhileRevalidateMs).toBe(0);
  });
});

describe('mediaType', () => {
  it('lower-cases and drops parameters', () => {
    expect(mediaType('Application/JSON; charset=utf-8')).toBe('application/json');
    expect(mediaType(undefined)).toBeUndefined();
    expect(mediaType('')).toBeUndefined();
  });
});
