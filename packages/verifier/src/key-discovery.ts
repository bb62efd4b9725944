/**
 * What the verifier needs from key discovery: the shape of `KeyDiscovery` (./discovery), so that any
 * object with these three methods can stand in for it (tests, a shared cache, a custom fetcher).
 * @module
 */
import type { Jwk, SignatureAgent, SignetKey } from '@signet/core';

/** A key found by discovery. */
export interface DiscoveredKeyLike {
  /** The imported public key. */
  readonly key: SignetKey;
  /** The JWK as published. */
  readonly jwk: Jwk;
  /** Its RFC 7638 thumbprint. */
  readonly thumbprint: string;
  /** Where it came from (the URL of the key set). */
  readonly source: string;
}

/** Finds agents' keys on the network, with caching and fetch safety. `KeyDiscovery` implements it. */
export interface KeyDiscoveryLike {
  /** The key `keyid` (a JWK thumbprint) of a Web Bot Auth Signature-Agent. */
  findAgentKey(agent: SignatureAgent, keyid: string): Promise<DiscoveredKeyLike>;
  /** The key with `kid` (or that thumbprint) in the JWK Set at `url`. */
  findJwksKey(url: string, kid: string): Promise<DiscoveredKeyLike>;
  /** A JSON metadata document (e.g. `{id}/.well-known/{dwk}`). */
  fetchJson(url: string): Promise<unknown>;
}

/** True for an object that has the three methods of {@link KeyDiscoveryLike}. */
export function isKeyDiscovery(value: unknown): value is KeyDiscoveryLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof KeyDiscoveryLike, unknown>>;
  return typeof candidate.findAgentKey === 'function' && typeof candidate.findJwksKey === 'function' && typeof candidate.fetchJson === 'function';
}
