/**
 * Reading a published JWK Set: shape, no private members, key count, per-key validity window, import.
 * Pure (no I/O).
 * @module
 */
import { hasPrivateMembers, importJwk, isAlgorithmName, jwkThumbprint, type Jwk, type SignetKey } from '@signet/core';
import { DiscoveryError } from './errors.js';

/** One published key, imported if possible. */
export interface KeyRecord {
  /** The JWK as published (public members only: a set with private members is rejected whole). */
  readonly jwk: Jwk;
  /** The RFC 7638 thumbprint, when it can be computed. */
  readonly thumbprint: string | undefined;
  readonly kid: string | undefined;
  /** The imported key, or `undefined` when {@link problem} says why it cannot be used. */
  readonly key: SignetKey | undefined;
  /** Why the key is unusable (unsupported type, `use` other than `sig`, no valid directory signature…). */
  readonly problem: string | undefined;
  /** `nbf` in ms since the epoch (values above 1e11 are taken as ms already). */
  readonly notBeforeMs: number | undefined;
  /** `exp` in ms since the epoch. */
  readonly notAfterMs: number | undefined;
  /** True when a valid directory response signature by this key was checked. */
  readonly signed: boolean;
}

/** The keys found at one URL. */
export interface KeySet {
  /** The URL the keys came from. */
  readonly url: string;
  readonly keys: readonly KeyRecord[];
}

/** Parses a fetched body as JSON. @throws DiscoveryError `directory_invalid` */
export function parseJsonBody(body: Uint8Array, url: string): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
  } catch (cause) {
    throw new DiscoveryError('directory_invalid', url, 'the body is not UTF-8', { cause });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new DiscoveryError('directory_invalid', url, `the body is not valid JSON (${(cause as Error).message})`, { cause });
  }
}

/**
 * Reads a JWK Set. The set is rejected whole when it is not `{ "keys": [ {kty…}, … ] }`, holds more than `maxKeys`
 * keys, or any key carries private members (`d`, primes, `k`): a publisher that leaks a private key must not have
 * any of its keys trusted. Individual keys that cannot be imported are kept with a {@link KeyRecord.problem}.
 * @throws DiscoveryError `directory_invalid`
 */
export function readJwks(document: unknown, url: string, maxKeys: number): KeySet {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new DiscoveryError('directory_invalid', url, 'not a JWK Set: the document is not a JSON object');
  }
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new DiscoveryError('directory_invalid', url, 'not a JWK Set: "keys" is not an array');
  if (keys.length > maxKeys) throw new DiscoveryError('directory_invalid', url, `the JWK Set has ${keys.length} keys, more than the limit of ${maxKeys}`);
  const records: KeyRecord[] = [];
  keys.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as { kty?: unknown }).kty !== 'string') {
      throw new DiscoveryError('directory_invalid', url, `not a JWK Set: keys[${index}] is not a JWK object with a string "kty"`);
    }
    const jwk = entry as Jwk;
    if (hasPrivateMembers(jwk)) {
      throw new DiscoveryError('directory_invalid', url, `keys[${index}] carries private key members; the whole key set is refused`);
    }
    records.push(readKey(jwk));
  });
  return { url, keys: records };
}

function readKey(published: Jwk): KeyRecord {
  const jwk = Object.freeze({ ...published }) as Jwk;
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  let thumbprint: string | undefined;
  try {
    thumbprint = jwkThumbprint(jwk);
  } catch {
    thumbprint = undefined;
  }
  const base = { jwk, thumbprint, kid, signed: false };
  const nbf = windowBound(jwk.nbf);
  const exp = windowBound(jwk.exp);
  if (nbf === null || exp === null) return { ...base, key: undefined, problem: 'its nbf/exp is not a number', notBeforeMs: undefined, notAfterMs: undefined };
  const window = { notBeforeMs: nbf, notAfterMs: exp };
  if (jwk.use !== undefined && jwk.use !== 'sig') return { ...base, ...window, key: undefined, problem: `its "use" is ${JSON.stringify(jwk.use)}, not "sig"` };
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) {
    return { ...base, ...window, key: undefined, problem: 'its "key_ops" does not include "verify"' };
  }
  try {
    return { ...base, ...window, key: importPublished(jwk), problem: undefined };
  } catch (error) {
    return { ...base, ...window, key: undefined, problem: `it cannot be imported (${(error as Error).message})` };
  }
}

/**
 * Imports a published JWK. Its `alg` may be a JOSE name (`Ed25519`, `ES256`…) or, as the directory draft
 * specifies, an HTTP Signature Algorithms name (`ed25519`, `rsa-pss-sha512`…).
 */
export function importPublished(jwk: Jwk): SignetKey {
  if (typeof jwk.alg === 'string' && isAlgorithmName(jwk.alg)) {
    const { alg, ...rest } = jwk;
    return importJwk(rest as Jwk, { alg });
  }
  return importJwk(jwk);
}

/** `nbf`/`exp` in ms: seconds normally, ms above 1e11 (some publishers emit `Date.getTime()`). `null` when malformed. */
function windowBound(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return value > 1e11 ? value : value * 1000;
}

/** The outcome of looking for a key in a set. */
export type KeySelection =
  | { readonly status: 'found'; readonly record: KeyRecord & { readonly key: SignetKey; readonly thumbprint: string } }
  | { readonly status: 'unusable'; readonly record: KeyRecord; readonly reason: string }
  | { readonly status: 'absent' };

/**
 * Finds the key named `id` in `set`: by thumbprint then `kid` (Web Bot Auth keyids), or by `kid` then thumbprint
 * (JWKS `kid`s). A matching key that is outside its `nbf`/`exp` window or otherwise unusable is `unusable`.
 */
export function selectKey(set: KeySet, id: string, order: 'thumbprint-first' | 'kid-first', nowMs: number): KeySelection {
  const byThumbprint = set.keys.filter((k) => k.thumbprint === id);
  const byKid = set.keys.filter((k) => k.kid === id && k.thumbprint !== id);
  const candidates = order === 'thumbprint-first' ? [...byThumbprint, ...byKid] : [...byKid, ...byThumbprint];
  let unusable: { record: KeyRecord; reason: string } | undefined;
  for (const record of candidates) {
    const reason = unusableReason(record, nowMs);
    if (reason === undefined && record.key !== undefined && record.thumbprint !== undefined) {
      return { status: 'found', record: record as KeyRecord & { key: SignetKey; thumbprint: string } };
    }
    unusable ??= { record, reason: reason ?? 'it has no thumbprint' };
  }
  return unusable === undefined ? { status: 'absent' } : { status: 'unusable', ...unusable };
}

function unusableReason(record: KeyRecord, nowMs: number): string | undefined {
  if (record.problem !== undefined) return record.problem;
  if (record.notBeforeMs !== undefined && nowMs < record.notBeforeMs) return `it is not valid before ${new Date(record.notBeforeMs).toISOString()} (nbf)`;
  if (record.notAfterMs !== undefined && nowMs >= record.notAfterMs) return `it expired at ${new Date(record.notAfterMs).toISOString()} (exp)`;
  return undefined;
}
