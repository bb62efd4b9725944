/**
 * The verifier's options, their defaults, and the checks that refuse an unsafe configuration.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { SignetError, isAlgorithmName, type AlgorithmName, type Jwk, type Jwks, type SignatureAgent, type SignatureInput, type SignetKey } from '@signet/core';
import type { IssuerKeys } from './agent-token.js';
import { KeyDiscovery, type DiscoveryOptions } from './discovery/index.js';
import { isKeyDiscovery, type KeyDiscoveryLike } from './key-discovery.js';
import { MemoryNonceStore } from './nonce/memory-nonce-store.js';
import type { NonceStore } from './nonce/nonce-store.js';
import { normalizeTrustedKeys, type TrustedKeyEntry, type TrustedKeyInput } from './trusted-keys.js';
import { PROFILES, type Profile } from './types.js';

/** The AAuth Signature-Key schemes the verifier implements. */
export type AAuthScheme = 'hwk' | 'jkt-jwt' | 'jwks' | 'jwks_uri' | 'jwt';

/** Every implemented scheme, in the order offered in `Accept-Signature-Scheme`. */
export const AAUTH_SCHEMES: readonly AAuthScheme[] = ['jwt', 'jwks_uri', 'jwks', 'jkt-jwt', 'hwk'];

/** The hard upper bound of `maxLifetime`, in seconds (24 h, the drafts' recommendation). */
export const MAX_LIFETIME_LIMIT = 86_400;

/** What the `resolveKey` hook is asked. */
export interface KeyLookup {
  readonly profile: 'web-bot-auth' | 'static';
  readonly label: string;
  /** The signature's `keyid` parameter. */
  readonly keyid: string | undefined;
  /** The covered Signature-Agent member (web-bot-auth), if any. */
  readonly signatureAgent: SignatureAgent | undefined;
  readonly input: SignatureInput;
}

/** A key returned by the `resolveKey` hook, with the identity to report. */
export interface ResolvedKey {
  key: SignetKey | Jwk;
  /** The agent id to report (default: the Signature-Agent URI, else the keyid). */
  agent?: string;
}

/** Finds a key the static configuration does not have (a database, a KMS). Return `undefined` for "unknown". */
export type ResolveKeyHook = (lookup: KeyLookup) => ResolvedKey | SignetKey | null | undefined | Promise<ResolvedKey | SignetKey | null | undefined>;

/** Validation of JWT access tokens (the Authorization header). */
export interface JwtValidationOptions {
  /** The issuer's JWK Set, inline. */
  jwks?: Jwks;
  /** The URL of the issuer's JWK Set, fetched through key discovery (selected by the token's `kid`). */
  jwksUrl?: string;
  /** A shared secret for HS256/384/512 tokens. */
  secret?: Uint8Array | string;
  /** Accepted `iss` value(s). */
  issuer?: string | string[];
  /** Accepted `aud` value(s). */
  audience?: string | string[];
  /** Accepted JWS algorithms (default: whatever the keys allow). */
  algorithms?: string[];
  /** Required `typ` header (e.g. `at+jwt`). */
  typ?: string;
}

/** The introspection hook for tokens: returns the RFC 7638 thumbprint of the key the token is bound to. */
export type ResolveTokenBinding = (token: string, context: { scheme: string }) => string | null | undefined | Promise<string | null | undefined>;

/** How `Authorization` tokens are tied to the signing key. */
export interface TokenOptions {
  /**
   * Accept a token bound to no key (it then only proves that the agent holds it). Default false: an unbound token
   * is refused with `token_not_bound`, because a copied bearer token must be worthless.
   */
  allowUnbound?: boolean;
  /** For opaque tokens (and JWTs without `cnf`): find the thumbprint of the key the token is bound to. */
  resolveTokenBinding?: ResolveTokenBinding;
  /**
   * Validate JWT tokens. When set, every JWT-shaped token must validate (`token_invalid` otherwise), and the
   * binding is read from validated claims only.
   */
  jwt?: JwtValidationOptions;
}

/** AAuth (Signature-Key) settings. */
export interface AAuthOptions {
  /** The schemes accepted (default: all of hwk, jkt-jwt, jwks, jwks_uri, jwt). Others get `unsupported_scheme`. */
  schemes?: readonly AAuthScheme[];
  /** Agent-token issuers with known keys, by `iss` (the `jwt` scheme). */
  issuers?: Readonly<Record<string, IssuerKeys>>;
  /** Accept `jwt` agent tokens only from `issuers` (default false: also discover through `iss` + `dwk`). */
  requireKnownIssuer?: boolean;
  /** The `typ` a `jwt` agent token must carry, if any. */
  jwtTyp?: string;
}

/** Body (Content-Digest) settings. */
export interface BodyOptions {
  /** The most bytes buffered to check a covered Content-Digest (default 1 MiB); more → `body_too_large`. */
  maxBytes?: number;
  /** Refuse a request with a body whose signature does not cover Content-Digest (`body_not_covered`). Default false. */
  requireDigest?: boolean;
}

/** Everything `createVerifier` accepts. Every option has a safe default. */
export interface VerifierOptions {
  /** Profiles accepted, in order of preference (default all: web-bot-auth, aauth, static). */
  profiles?: readonly Profile[];
  /**
   * Components every signature must cover, on top of the profile's own rules — one list for all profiles, or
   * lists by profile that replace its defaults (web-bot-auth: `@authority` or `@target-uri` and the Signature-Agent
   * member; aauth: `@method @authority @path signature-key`; static: `@authority` or `@target-uri`). `signature-key`
   * (aauth), the Signature-Agent member and `authorization` (when present) are always required.
   */
  requiredComponents?: readonly string[] | Partial<Record<Profile, readonly string[]>>;
  /** The clock, in ms since the epoch (default `Date.now`). */
  now?: () => number;
  /** Allowed clock skew for `created` and `expires`, in seconds (default 30). */
  skew?: number;
  /** Maximum `expires - created` (or age without `expires`), in seconds (default 300; at most 86400). */
  maxLifetime?: number;
  /** Verify the signature with this label. */
  label?: string;
  /** Verify the first signature with this tag. */
  tag?: string;
  /** Algorithms accepted (default all RFC 9421 algorithms; HMAC only ever for static keys that are secrets). */
  algorithms?: readonly AlgorithmName[];
  /** Profiles for which a `nonce` is required (default `['web-bot-auth']`); `true` for all, `false` for none. */
  requireNonce?: boolean | readonly Profile[];
  /** Where nonces are recorded (default a {@link MemoryNonceStore}). Use a `RedisNonceStore` with several instances. */
  nonceStore?: NonceStore;
  /** Statically trusted keys: an allowlist that needs no network. */
  keys?: readonly TrustedKeyInput[];
  /** A custom key lookup, asked when no static key matches (web-bot-auth and static profiles). */
  resolveKey?: ResolveKeyHook;
  /**
   * Key discovery for Signature-Agent directories and Signature-Key JWKS / metadata: a `KeyDiscovery` (or any object
   * of that shape), its options, or `false` for none (only static keys and the hook). Default: a `KeyDiscovery`
   * with its safe defaults (https only, no private addresses, 2 s timeouts, 64 KiB bodies, caching).
   */
  discovery?: KeyDiscoveryLike | DiscoveryOptions | false;
  /** How Authorization tokens must be bound to the signing key. */
  tokens?: TokenOptions;
  aauth?: AAuthOptions;
  body?: BodyOptions;
  /**
   * The scheme and authority of node requests, e.g. `https://api.example` behind a TLS-terminating proxy (the
   * default is `http(s)://<Host header>`), or a function of the request.
   */
  baseUrl?: string | ((request: IncomingMessage) => string);
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly profiles: readonly Profile[];
  readonly requiredComponents: Readonly<Record<Profile, readonly string[]>>;
  readonly now: () => number;
  readonly skew: number;
  readonly maxLifetime: number;
  readonly label: string | undefined;
  readonly tag: string | undefined;
  readonly algorithms: readonly AlgorithmName[];
  readonly requireNonce: ReadonlySet<Profile>;
  readonly nonceStore: NonceStore;
  readonly keys: readonly TrustedKeyEntry[];
  readonly resolveKey: ResolveKeyHook | undefined;
  readonly discovery: KeyDiscoveryLike | undefined;
  /** True when the verifier created the discovery (and so closes it). */
  readonly ownsDiscovery: boolean;
  readonly tokens: { readonly allowUnbound: boolean; readonly resolveTokenBinding: ResolveTokenBinding | undefined; readonly jwt: JwtValidationOptions | undefined };
  readonly aauth: { readonly schemes: readonly AAuthScheme[]; readonly issuers: Readonly<Record<string, IssuerKeys>>; readonly requireKnownIssuer: boolean; readonly jwtTyp: string | undefined };
  readonly maxBodyBytes: number;
  readonly requireDigest: boolean;
  readonly baseUrl: string | ((request: IncomingMessage) => string) | undefined;
}

const DEFAULT_COMPONENTS: Readonly<Record<Profile, readonly string[]>> = {
  'web-bot-auth': [],
  aauth: ['@method', '@authority', '@path', 'signature-key'],
  static: [],
};

const ALL_ALGORITHMS: readonly AlgorithmName[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'];

function invalid(message: string): SignetError {
  return new SignetError('invalid_configuration', `createVerifier: ${message}`);
}

function seconds(name: string, value: number | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(`${name} must be a non-negative number of seconds, got ${String(value)}.`);
  if (value > max) throw invalid(`${name} is ${value} s, above the hard limit of ${max} s.`);
  return value;
}

/** Applies defaults and refuses unsafe or malformed options. @throws SignetError `invalid_configuration` */
export function resolveOptions(options: VerifierOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object.');
  const profiles = options.profiles ?? PROFILES;
  if (!Array.isArray(profiles) || profiles.length === 0 || profiles.some((p) => !PROFILES.includes(p))) {
    throw invalid(`profiles must be a non-empty list of ${PROFILES.join(', ')}.`);
  }
  const requiredComponents: Record<Profile, readonly string[]> = { ...DEFAULT_COMPONENTS };
  const rc = options.requiredComponents;
  if (Array.isArray(rc)) {
    for (const profile of PROFILES) requiredComponents[profile] = [...DEFAULT_COMPONENTS[profile], ...(rc as readonly string[])];
  } else if (rc !== undefined) {
    for (const [profile, list] of Object.entries(rc)) {
      if (!PROFILES.includes(profile as Profile) || !Array.isArray(list)) throw invalid(`requiredComponents.${profile} is not a profile with a list of components.`);
      requiredComponents[profile as Profile] = [...list];
    }
  }
  const algorithms = options.algorithms ?? ALL_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isAlgorithmName)) throw invalid(`algorithms must be a non-empty list of ${ALL_ALGORITHMS.join(', ')}.`);
  const rn = options.requireNonce ?? ['web-bot-auth'];
  const requireNonce = new Set<Profile>(rn === true ? PROFILES : rn === false ? [] : rn);
  if (options.nonceStore !== undefined && typeof options.nonceStore?.checkAndStore !== 'function') throw invalid('nonceStore must have a checkAndStore(key, ttlMs) method.');
  const discoveryOption = options.discovery;
  if (discoveryOption !== undefined && discoveryOption !== false && (typeof discoveryOption !== 'object' || discoveryOption === null)) {
    throw invalid('discovery must be a KeyDiscovery, its options, or false.');
  }
  if (options.resolveKey !== undefined && typeof options.resolveKey !== 'function') throw invalid('resolveKey must be a function.');
  const tokens = options.tokens ?? {};
  if (tokens.resolveTokenBinding !== undefined && typeof tokens.resolveTokenBinding !== 'function') throw invalid('tokens.resolveTokenBinding must be a function.');
  if (tokens.jwt !== undefined) {
    const { jwks, jwksUrl, secret } = tokens.jwt;
    if (jwks === undefined && jwksUrl === undefined && secret === undefined) throw invalid('tokens.jwt needs jwks, jwksUrl or secret to validate tokens with.');
    if (jwksUrl !== undefined && discoveryOption === false) throw invalid('tokens.jwt.jwksUrl is fetched through key discovery, which is off (discovery: false).');
  }
  const aauth = options.aauth ?? {};
  const schemes = aauth.schemes ?? AAUTH_SCHEMES;
  if (!Array.isArray(schemes) || schemes.some((s) => !AAUTH_SCHEMES.includes(s))) throw invalid(`aauth.schemes must list only ${AAUTH_SCHEMES.join(', ')}.`);
  if (options.now !== undefined && typeof options.now !== 'function') throw invalid('now must be a function returning ms since the epoch.');
  const maxBodyBytes = options.body?.maxBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw invalid(`body.maxBytes must be a non-negative integer, got ${String(maxBodyBytes)}.`);
  const baseUrl = options.baseUrl;
  if (typeof baseUrl === 'string') {
    let parsed: URL;
    try {
      parsed = new URL(baseUrl);
    } catch {
      throw invalid(`baseUrl ${JSON.stringify(baseUrl)} is not an absolute URL.`);
    }
    if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '') throw invalid('baseUrl must be a scheme and authority only, like https://api.example.');
  }
  return {
    profiles: [...profiles],
    requiredComponents,
    now: options.now ?? Date.now,
    skew: seconds('skew', options.skew, 30, 3600),
    maxLifetime: seconds('maxLifetime', options.maxLifetime, 300, MAX_LIFETIME_LIMIT),
    label: options.label,
    tag: options.tag,
    algorithms: [...algorithms],
    requireNonce,
    nonceStore: options.nonceStore ?? new MemoryNonceStore(options.now === undefined ? {} : { now: options.now }),
    keys: normalizeTrustedKeys(options.keys ?? []),
    resolveKey: options.resolveKey,
    ...discoveryOf(discoveryOption),
    tokens: { allowUnbound: tokens.allowUnbound === true, resolveTokenBinding: tokens.resolveTokenBinding, jwt: tokens.jwt },
    aauth: { schemes: [...schemes], issuers: { ...(aauth.issuers ?? {}) }, requireKnownIssuer: aauth.requireKnownIssuer === true, jwtTyp: aauth.jwtTyp },
    maxBodyBytes,
    requireDigest: options.body?.requireDigest === true,
    baseUrl: typeof baseUrl === 'string' ? baseUrl.replace(/\/$/, '') : baseUrl,
  };
}

function discoveryOf(option: KeyDiscoveryLike | DiscoveryOptions | false | undefined): { discovery: KeyDiscoveryLike | undefined; ownsDiscovery: boolean } {
  if (option === false) return { discovery: undefined, ownsDiscovery: false };
  if (isKeyDiscovery(option)) return { discovery: option, ownsDiscovery: false };
  try {
    return { discovery: new KeyDiscovery(option ?? {}), ownsDiscovery: true };
  } catch (cause) {
    throw new SignetError('invalid_configuration', `createVerifier: discovery options: ${(cause as Error).message}`, { cause });
  }
}
