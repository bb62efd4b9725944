/**
 * `KeyDiscovery`: finds the public key behind a Web Bot Auth `Signature-Agent` member (directory, jwks_uri, cimd)
 * or an AAuth JWKS URL, through guarded fetches and one shared cache.
 * @module
 */
import {
  isSignetError,
  keyDirectoryUrl,
  validateSignatureAgentCard,
  type Jwk,
  type SignatureAgent,
  type SignatureAgentCard,
  type SignetKey,
} from '@signet/core';
import type { Dispatcher } from 'undici';
import { BoundedMap, DocumentCache, type CachedValue, type Loaded } from './cache.js';
import { verifyDirectorySignatures } from './directory-signature.js';
import { EgressPolicy } from './egress.js';
import { DiscoveryError } from './errors.js';
import { createPinnedAgent, guardedFetch, type FetchContext, type FetchedDocument } from './fetch.js';
import { freshnessOf, mediaType } from './freshness.js';
import { parseJsonBody, readJwks, selectKey, type KeyRecord, type KeySet } from './jwks.js';
import { resolveDiscoveryOptions, type DiscoveryOptions, type ResolvedDiscoveryOptions } from './options.js';
import { emptyStats, type DiscoveryStats } from './stats.js';

/** The media type of a key directory at the well-known URI. */
export const DIRECTORY_MEDIA_TYPE = 'application/http-message-signatures-directory+json';
/** The well-known path of a key directory. */
export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory';

const JWKS_MEDIA_TYPES: readonly string[] = ['application/json', 'application/jwk-set+json', DIRECTORY_MEDIA_TYPE];

/** A key found by discovery. */
export interface DiscoveredKey {
  /** The public key, ready for `verifyMessage`. */
  key: SignetKey;
  /** The JWK as published. */
  jwk: Jwk;
  /** Its RFC 7638 thumbprint. */
  thumbprint: string;
  /** The URL the key came from: the directory, the JWKS, or the Signature Agent Card that holds it inline. */
  source: string;
  /** Its `kid`, if published. */
  kid?: string | undefined;
  /** True when a valid directory response signature by this key was checked (type=directory). */
  directorySigned: boolean;
}

/** A fetched Signature Agent Card and the keys it holds inline, if any. */
interface CardDocument {
  readonly card: SignatureAgentCard;
  readonly keys: KeySet | undefined;
}

type Order = 'thumbprint-first' | 'kid-first';

/**
 * Finds agents' public keys on the web, safely. One instance per verifier: it holds the cache, the in-flight
 * fetches and the undici agent. Every failure is a {@link DiscoveryError} (a `VerificationError`) whose code
 * says why: `unknown_key`, `directory_unavailable`, `directory_invalid`, `directory_too_large`,
 * `directory_signature_invalid`, `fetch_not_allowed`, `invalid_signature_agent_card`.
 */
export class KeyDiscovery {
  readonly #options: ResolvedDiscoveryOptions;
  readonly #stats: DiscoveryStats = emptyStats();
  readonly #keySets: DocumentCache<KeySet>;
  readonly #cards: DocumentCache<CardDocument>;
  readonly #json: DocumentCache<unknown>;
  readonly #refetchedAt: BoundedMap<string, number>;
  readonly #fetchContext: FetchContext;
  readonly #ownAgent: Dispatcher | undefined;

  constructor(options: DiscoveryOptions = {}) {
    const resolved = resolveDiscoveryOptions(options);
    this.#options = resolved;
    const settings = {
      now: resolved.now,
      negativeTtlMs: resolved.negativeTtlMs,
      maxNegativeTtlMs: resolved.maxNegativeTtlMs,
      staleIfErrorMs: resolved.staleIfErrorMs,
      maxEntries: resolved.maxCacheEntries,
    };
    this.#keySets = new DocumentCache(settings, this.#stats);
    this.#cards = new DocumentCache(settings, this.#stats);
    this.#json = new DocumentCache(settings, this.#stats);
    this.#refetchedAt = new BoundedMap(resolved.maxCacheEntries);
    const policy = new EgressPolicy({ allowHttp: resolved.allowHttp, allowedHosts: resolved.allowedHosts, lookup: resolved.lookup });
    this.#ownAgent = resolved.dispatcher === undefined ? createPinnedAgent(policy, resolved.timeoutMs, resolved.ca) : undefined;
    this.#fetchContext = {
      policy,
      dispatcher: resolved.dispatcher ?? (this.#ownAgent as Dispatcher),
      pinned: resolved.dispatcher === undefined,
      timeoutMs: resolved.timeoutMs,
      maxBodyBytes: resolved.maxBodyBytes,
    };
  }

  /**
   * Web Bot Auth: the key with this `keyid` (its JWK thumbprint; a `kid` equal to the keyid also matches) behind a
   * `Signature-Agent` member: `directory` → `<origin>/.well-known/http-message-signatures-directory` (media type
   * and, by default, the directory's own signatures checked); `jwks_uri` → the URI is a JWKS; `cimd` → the
   * Signature Agent Card, then its `jwks` or `jwks_uri`. An unknown keyid causes at most one re-fetch per
   * `unknownKeyRefetchSeconds` per origin.
   * @throws DiscoveryError
   */
  async findAgentKey(agent: SignatureAgent, keyid: string): Promise<DiscoveredKey> {
    switch (agent.type) {
      case 'directory': {
        let url: string;
        try {
          url = keyDirectoryUrl(agent);
        } catch (cause) {
          throw new DiscoveryError('invalid_signature_agent', agent.uri, 'not a URL a key directory can be derived from', { cause });
        }
        return this.#findInKeySet('directory', url, keyid, 'thumbprint-first');
      }
      case 'jwks_uri':
        return this.#findInKeySet('jwks', agent.uri, keyid, 'thumbprint-first');
      case 'cimd':
        return this.#findViaCard(agent.uri, keyid);
      default:
        throw new DiscoveryError('invalid_signature_agent', agent.uri, `unknown Signature-Agent type ${JSON.stringify((agent as { type: unknown }).type)}`);
    }
  }

  /**
   * A JWKS at a URL (AAuth `jwks`, the `jwks_uri` second hop): the key whose `kid` matches (or, failing that,
   * whose thumbprint does). Media type `application/json` or `application/jwk-set+json`.
   * @throws DiscoveryError
   */
  async findJwksKey(url: string, kid: string): Promise<DiscoveredKey> {
    return this.#findInKeySet('jwks', url, kid, 'kid-first');
  }

  /**
   * A JSON metadata document at a URL (AAuth `{id}/.well-known/{dwk}`), with the same fetch protections and cache.
   * Media type `application/json` or `application/*+json`. The value is deep-frozen (it is shared by all callers).
   * @throws DiscoveryError
   */
  async fetchJson(url: string): Promise<unknown> {
    const cached = await this.#json.get(`json ${url}`, () => this.#loadJson(url));
    return cached.value;
  }

  /** A snapshot of the counters. */
  stats(): DiscoveryStats {
    return {
      ...this.#stats,
      failures: { ...this.#stats.failures },
      entries: this.#keySets.size + this.#cards.size + this.#json.size,
    };
  }

  /** Drops every cached document, negative entry and re-fetch timestamp (tests, forced rotation). Counters are kept. */
  clear(): void {
    this.#keySets.clear();
    this.#cards.clear();
    this.#json.clear();
    this.#refetchedAt.clear();
  }

  /** Resolves when no fetch is in flight, background refreshes included (tests, graceful shutdown). */
  async idle(): Promise<void> {
    await Promise.all([this.#keySets.idle(), this.#cards.idle(), this.#json.idle()]);
  }

  /** Closes the connections of the internal undici agent (not those of a dispatcher passed in the options). */
  async close(): Promise<void> {
    await this.#ownAgent?.close();
  }

  // ---- lookups ----------------------------------------------------------------------------------------------

  async #findInKeySet(kind: 'directory' | 'jwks', url: string, id: string, order: Order): Promise<DiscoveredKey> {
    const load = (): Promise<Loaded<KeySet>> => (kind === 'directory' ? this.#loadDirectory(url) : this.#loadJwks(url));
    return this.#findWithRefetch(this.#keySets, `${kind} ${url}`, url, load, (set) => set, id, order, kind === 'directory');
  }

  async #findViaCard(cardUrl: string, keyid: string): Promise<DiscoveredKey> {
    const load = (): Promise<Loaded<CardDocument>> => this.#loadCard(cardUrl);
    const card = await this.#cards.get(`card ${cardUrl}`, load);
    if (card.value.keys !== undefined) {
      return this.#findWithRefetch(this.#cards, `card ${cardUrl}`, cardUrl, load, (doc) => doc.keys ?? { url: cardUrl, keys: [] }, keyid, 'thumbprint-first', false);
    }
    const jwksUri = card.value.card.jwks_uri as string;
    return this.#findInKeySet('jwks', jwksUri, keyid, 'thumbprint-first');
  }

  async #findWithRefetch<T>(
    cache: DocumentCache<T>,
    cacheKey: string,
    url: string,
    load: () => Promise<Loaded<T>>,
    toSet: (value: T) => KeySet,
    id: string,
    order: Order,
    directory: boolean,
  ): Promise<DiscoveredKey> {
    let cached = await cache.get(cacheKey, load);
    let selection = selectKey(toSet(cached.value), id, order, this.#options.now());
    let refetchNote = '';
    if (selection.status === 'absent') {
      const refetched = await this.#refetchForUnknownKey(cache, cacheKey, url, load, cached);
      refetchNote = refetched.note;
      if (refetched.value !== undefined) {
        cached = refetched.value;
        selection = selectKey(toSet(cached.value), id, order, this.#options.now());
      }
    }
    const set = toSet(cached.value);
    switch (selection.status) {
      case 'found':
        return found(selection.record, set.url);
      case 'unusable':
        if (directory && !selection.record.signed && this.#options.requireDirectorySignature) {
          throw new DiscoveryError('directory_signature_invalid', set.url, `key ${id} is in the directory but ${selection.reason}`);
        }
        throw new DiscoveryError('unknown_key', set.url, `key ${id} is published but cannot be used: ${selection.reason}`);
      default:
        throw new DiscoveryError('unknown_key', set.url, `no key with keyid/kid ${id} among its ${set.keys.length} key(s)${refetchNote}`);
    }
  }

  /**
   * An unknown keyid may mean the agent rotated its keys: re-fetch, but at most once per interval per origin, never
   * while the document is in negative backoff, and not when it was fetched less than an interval ago. Lookups that
   * arrive while a fetch is in flight wait for it instead.
   */
  async #refetchForUnknownKey<T>(
    cache: DocumentCache<T>,
    cacheKey: string,
    url: string,
    load: () => Promise<Loaded<T>>,
    cached: CachedValue<T>,
  ): Promise<{ value: CachedValue<T> | undefined; note: string }> {
    const interval = this.#options.unknownKeyRefetchMs;
    const seconds = interval / 1000;
    const pending = cache.pending(cacheKey);
    if (pending !== undefined) {
      this.#stats.coalesced++;
      return { value: await pending.catch(() => undefined), note: ' (after waiting for the re-fetch in flight)' };
    }
    const now = this.#options.now();
    if (now - cached.fetchedAt < interval) {
      this.#stats.refetchesLimited++;
      return { value: undefined, note: ` (fetched ${Math.round((now - cached.fetchedAt) / 1000)} s ago; re-fetched at most once per ${seconds} s)` };
    }
    const origin = originOf(url);
    const last = this.#refetchedAt.peek(origin);
    if (last !== undefined && now - last < interval) {
      this.#stats.refetchesLimited++;
      return { value: undefined, note: ` (an unknown keyid re-fetches ${origin} at most once per ${seconds} s)` };
    }
    if (cache.inBackoff(cacheKey)) return { value: undefined, note: ' (not re-fetched: the URL failed recently and is in backoff)' };
    this.#refetchedAt.set(origin, now);
    this.#stats.refetches++;
    try {
      return { value: await cache.refresh(cacheKey, load), note: ' (re-fetched just now)' };
    } catch (error) {
      return { value: undefined, note: ` (the re-fetch failed: ${isSignetError(error) ? error.message : String(error)})` };
    }
  }

  // ---- loaders -----------------------------------------------------------------------------------------------

  async #fetch(url: string, accept: string): Promise<FetchedDocument> {
    return guardedFetch(url, accept, this.#fetchContext);
  }

  #freshness(document: FetchedDocument): Loaded<never>['freshness'] {
    return freshnessOf(document.headers, this.#options, this.#options.now());
  }

  async #loadDirectory(url: string): Promise<Loaded<KeySet>> {
    const document = await this.#fetch(url, DIRECTORY_MEDIA_TYPE);
    expectMediaType(document, [DIRECTORY_MEDIA_TYPE], false);
    let set = readJwks(parseJsonBody(document.body, url), url, this.#options.maxKeys);
    if (this.#options.requireDirectorySignature) {
      const report = await verifyDirectorySignatures(document, set, {
        nowSeconds: Math.floor(this.#options.now() / 1000),
        skewSeconds: this.#options.directorySignatureSkewSeconds,
      });
      if (report.verified.size === 0) {
        throw new DiscoveryError('directory_signature_invalid', url, `no valid directory signature: ${report.failures.join('; ')}`);
      }
      set = {
        url,
        keys: set.keys.map((record): KeyRecord =>
          record.thumbprint !== undefined && report.verified.has(record.thumbprint)
            ? { ...record, signed: true }
            : { ...record, key: undefined, problem: record.problem ?? 'it has no valid directory signature of its own' },
        ),
      };
    }
    return { value: set, freshness: this.#freshness(document) };
  }

  async #loadJwks(url: string): Promise<Loaded<KeySet>> {
    const document = await this.#fetch(url, 'application/jwk-set+json, application/json');
    expectMediaType(document, JWKS_MEDIA_TYPES, false);
    return { value: readJwks(parseJsonBody(document.body, url), url, this.#options.maxKeys), freshness: this.#freshness(document) };
  }

  async #loadCard(url: string): Promise<Loaded<CardDocument>> {
    const document = await this.#fetch(url, 'application/json');
    expectMediaType(document, ['application/json'], true);
    const json = parseJsonBody(document.body, url);
    let card: SignatureAgentCard;
    try {
      card = validateSignatureAgentCard(json, url);
    } catch (error) {
      if (!isSignetError(error)) throw error;
      const prefix = `Signature Agent Card at ${url}: `;
      const reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      throw new DiscoveryError('invalid_signature_agent_card', url, `invalid Signature Agent Card: ${reason}`, { cause: error });
    }
    const keys = card.jwks === undefined ? undefined : readJwks(card.jwks, url, this.#options.maxKeys);
    return { value: { card: deepFreeze(card), keys }, freshness: this.#freshness(document) };
  }

  async #loadJson(url: string): Promise<Loaded<unknown>> {
    const document = await this.#fetch(url, 'application/json');
    expectMediaType(document, ['application/json'], true);
    return { value: deepFreeze(parseJsonBody(document.body, url)), freshness: this.#freshness(document) };
  }
}

function found(record: KeyRecord & { key: SignetKey; thumbprint: string }, source: string): DiscoveredKey {
  return { key: record.key, jwk: record.jwk, thumbprint: record.thumbprint, source, kid: record.kid, directorySigned: record.signed };
}

/** @throws DiscoveryError `directory_invalid` when the Content-Type is not one of `allowed` (or `application/*+json`). */
function expectMediaType(document: FetchedDocument, allowed: readonly string[], anyJsonSuffix: boolean): void {
  const type = mediaType(document.headers['content-type']);
  if (type !== undefined && (allowed.includes(type) || (anyJsonSuffix && /^application\/[^/]+\+json$/.test(type)))) return;
  throw new DiscoveryError('directory_invalid', document.url, `media type ${type === undefined ? '(none)' : JSON.stringify(type)} is not ${allowed.join(' or ')}${anyJsonSuffix ? ' (or application/*+json)' : ''}`);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value as Record<string, unknown>)) deepFreeze(member);
  }
  return value;
}
