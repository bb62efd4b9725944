/**
 * Signing profiles: which header a signature carries its identity in, and which parameters it has.
 * - `web-bot-auth`: `Signature-Agent` (a Dictionary member keyed by the label, covered as
 *   `"signature-agent";key="<label>"`), `tag="web-bot-auth"`, `keyid` = JWK thumbprint, `alg`,
 *   `created`, `expires`, a 64-byte `nonce`.
 * - `aauth`: `Signature-Key` (draft-hardt-httpbis-signature-key), covered as `"signature-key"`;
 *   no `alg` parameter (the JWK's JOSE `alg` decides, and the draft forbids the parameter).
 * - `plain`: the caller chooses the parameters.
 * @module
 */
import { randomFillSync } from 'node:crypto';
import {
  ALGORITHMS,
  SignetError,
  appendMember,
  jwkThumbprint,
  parseSignatureAgent,
  parseSignatureKey,
  serializeSignatureAgent,
  serializeSignatureKey,
  type BareItem,
  type Jwk,
  type SignatureAgentType,
} from '@signet/core';
import { createJktJwt, decodeJwtPayload, joseJwk } from './jkt-jwt.js';
import { signingKey, type SigningKey, type StaticKeyInput } from './key-source.js';

/** Where the agent's keys are published, for the `Signature-Agent` header. */
export interface SignatureAgentOption {
  /** An `https:` URI: an origin (its well-known key directory), a JWKS (`type: "jwks_uri"`) or a Signature Agent Card (`type: "cimd"`). */
  readonly uri: string;
  /** How verifiers find the keys behind `uri` (default `directory`: not written). */
  readonly type?: SignatureAgentType;
  /** The Dictionary member key (default: the signature label). */
  readonly key?: string;
}

/** The Web Bot Auth profile. */
export interface WebBotAuthProfile {
  readonly name: 'web-bot-auth';
  /** The agent's `Signature-Agent`. Without it, requests carry no Signature-Agent (verifiers must know the key). */
  readonly signatureAgent?: string | SignatureAgentOption;
  /**
   * Send the legacy form: `Signature-Agent` as a bare string, covered as `"signature-agent"`
   * (architecture draft ≤ 03; what `web-bot-auth@0.1.3` and older Cloudflare docs produce). The current
   * drafts say signers MUST send the Dictionary form: use only for verifiers that need the old one.
   */
  readonly legacySignatureAgent?: boolean;
}

/** How the AAuth `Signature-Key` header conveys the key. */
export type SignatureKeyOption =
  /** The public key inline (pseudonymous). */
  | { readonly scheme: 'hwk' }
  /** An identity whose metadata (`{id}/.well-known/{dwk}`) names a JWKS with `kid`. `kid` defaults to the key's thumbprint. */
  | { readonly scheme: 'jwks_uri'; readonly id: string; readonly dwk: string; readonly kid?: string }
  /** A JWKS URL that is the identity. `kid` defaults to the key's thumbprint. */
  | { readonly scheme: 'jwks'; readonly url: string; readonly kid?: string }
  /** An agent token (JWT) issued to this key: `cnf.jwk` must be the signing key and `exp` present (Signature-Key §3.8). A function is called per request. */
  | { readonly scheme: 'jwt'; readonly jwt: string | (() => string | Promise<string>) }
  /** A self-issued JWT: a long-lived `issuerKey` vouches for the (short-lived) signing key. */
  | { readonly scheme: 'jkt-jwt'; readonly issuerKey: StaticKeyInput; readonly lifetimeSeconds?: number };

/** The AAuth profile. */
export interface AAuthProfile {
  readonly name: 'aauth';
  readonly signatureKey: SignatureKeyOption;
}

/** The plain RFC 9421 profile: the caller picks the parameters (components are added with `components`). */
export interface PlainProfile {
  readonly name: 'plain';
  /** Which parameters to write (default: created, keyid, alg, expires). `keyid: true` is the key's thumbprint. */
  readonly params?: {
    readonly created?: boolean;
    readonly keyid?: boolean | string;
    readonly alg?: boolean;
    readonly expires?: boolean;
    readonly nonce?: boolean;
    readonly tag?: string;
  };
}

/** A signing profile. */
export type Profile = WebBotAuthProfile | AAuthProfile | PlainProfile;

/** What a profile adds to one request. */
export interface AppliedProfile {
  /** Headers to set (name, full field value). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /**
   * The profile's covered components (its identity header). The same array (frozen) for as long as they do not
   * change, so that a signer can keep what it derived from them.
   */
  readonly components: readonly string[];
  /** The signature parameters, in order. */
  readonly params: ReadonlyArray<readonly [string, BareItem]>;
}

/** Reads a request's fields, as `Headers#get` and `Headers#has` do (a `Headers` is one). */
export type FieldReader = Pick<Headers, 'get' | 'has'>;

/** What a profile needs to know about one signature. */
export interface ProfileContext {
  readonly key: SigningKey;
  readonly label: string;
  /** UNIX seconds (integers). */
  readonly created: number;
  readonly expires: number;
  /** The request's fields as they are before the profile applies (to extend an existing Signature-Agent / Signature-Key). */
  readonly headers: FieldReader;
}

/** Applies a profile to requests; holds what must be cached between requests (a jkt-jwt). */
export interface ProfileSigner {
  readonly name: Profile['name'];
  /** What the profile adds to one request: synchronously, unless it has to wait (an AAuth agent token, a jkt-jwt). */
  apply(context: ProfileContext): AppliedProfile | Promise<AppliedProfile>;
}

/** No components: the profiles that cover no header of their own. */
const NO_COMPONENTS: readonly string[] = Object.freeze([]);
const LEGACY_AGENT_COMPONENTS: readonly string[] = Object.freeze(['signature-agent']);
const SIGNATURE_KEY_COMPONENTS: readonly string[] = Object.freeze(['signature-key']);
/** No headers: the profiles (or requests) that add none. */
const NO_HEADERS: AppliedProfile['headers'] = [];
const WEB_BOT_AUTH_TAG: readonly [string, BareItem] = ['tag', 'web-bot-auth'];

const NONCE_BYTES = 64;
/** Random bytes for 64 nonces, drawn from the CSPRNG at once: one randomBytes(64) call per request cost ~2 µs. */
const noncePool = Buffer.alloc(NONCE_BYTES * 64);
let nonceOffset = noncePool.length;

/** 64 random bytes, base64 (as the Web Bot Auth reference signer and the draft's vectors). Each byte is used once. */
export function webBotAuthNonce(): string {
  if (nonceOffset === noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString('base64', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/**
 * Builds the signer for a profile, validating its options once.
 * @throws SignetError `invalid_configuration`, `invalid_signature_agent`
 */
export function createProfile(profile: Profile | Profile['name'] | undefined, nonce: () => string = webBotAuthNonce): ProfileSigner {
  const p: Profile = profile === undefined ? { name: 'web-bot-auth' } : typeof profile === 'string' ? (defaultProfile(profile) as Profile) : profile;
  switch (p?.name) {
    case 'web-bot-auth':
      return webBotAuth(p, nonce);
    case 'aauth':
      return aauth(p, nonce);
    case 'plain':
      return plain(p, nonce);
    default:
      throw new SignetError('invalid_configuration', `Unknown profile ${JSON.stringify((p as { name?: unknown })?.name)} (known: web-bot-auth, aauth, plain).`);
  }
}

function defaultProfile(name: string): Profile | { name: string } {
  if (name === 'aauth') return { name: 'aauth', signatureKey: { scheme: 'hwk' } };
  return { name };
}

function webBotAuth(profile: WebBotAuthProfile, nonce: () => string): ProfileSigner {
  const agent = profile.signatureAgent === undefined ? undefined : typeof profile.signatureAgent === 'string' ? { uri: profile.signatureAgent } : profile.signatureAgent;
  if (agent !== undefined) {
    // Validate once, so a bad URI fails at construction rather than on the first request.
    serializeSignatureAgent([{ label: agent.key ?? 'a', uri: agent.uri, ...(agent.type === undefined ? {} : { type: agent.type }) }]);
    if (profile.legacySignatureAgent && agent.type !== undefined && agent.type !== 'directory') {
      throw new SignetError('invalid_configuration', 'The legacy Signature-Agent form cannot carry a type: use the Dictionary form.');
    }
  }
  // The Signature-Agent member for the last label seen (a signer uses one label): serialized once, not per request,
  // with its covered component (one array while the member stays the same), and the header a request without a
  // Signature-Agent of its own gets.
  let serialized: { member: string; value: string; components: readonly string[]; alone: AppliedProfile['headers'] } | undefined;
  // The parameters of the last key that are the same on every signature: one pair each, not one per signature. The
  // shared pairs are not frozen only because V8 destructures a frozen array far slower (they are read, never written).
  let fixed: { key: SigningKey; keyid: readonly [string, BareItem]; alg: readonly [string, BareItem] } | undefined;
  return {
    name: 'web-bot-auth',
    apply({ key, label, created, expires, headers }) {
      if (fixed?.key !== key) fixed = { key, keyid: ['keyid', key.thumbprint], alg: ['alg', key.alg] };
      const params: AppliedProfile['params'] = [['created', created], fixed.keyid, fixed.alg, ['expires', expires], ['nonce', nonce()], WEB_BOT_AUTH_TAG];
      if (agent === undefined) return { headers: NO_HEADERS, components: NO_COMPONENTS, params };
      if (profile.legacySignatureAgent) {
        if (headers.has('signature-agent')) throw new SignetError('invalid_configuration', 'The request already has a Signature-Agent header; the legacy form cannot add a member to it.');
        return { headers: [['signature-agent', JSON.stringify(agent.uri)]], components: LEGACY_AGENT_COMPONENTS, params };
      }
      const member = agent.key ?? label;
      if (serialized?.member !== member) {
        const value = serializeSignatureAgent([{ label: member, uri: agent.uri, ...(agent.type === undefined ? {} : { type: agent.type }) }]);
        serialized = {
          member,
          value,
          components: Object.freeze([`"signature-agent";key="${member}"`]),
          alone: [['signature-agent', value]],
        };
      }
      const { value, components, alone } = serialized;
      const existing = headers.get('signature-agent');
      if (existing === null) return { headers: alone, components, params };
      if (parseSignatureAgent(existing).some((a) => a.label === member)) {
        throw new SignetError('duplicate_label', `The request's Signature-Agent already has a member "${member}".`);
      }
      return { headers: [['signature-agent', appendMember(existing, value)]], components, params };
    },
  };
}

function aauth(profile: AAuthProfile, nonce: () => string): ProfileSigner {
  const option = profile.signatureKey;
  const scheme = option?.scheme;
  let jkt: { issuer: SigningKey; lifetime: number; cache?: { thumbprint: string; jwt: string; refreshAt: number } } | undefined;
  switch (scheme) {
    case 'hwk':
      break;
    case 'jwks_uri':
      requireHttps(option.id, 'signatureKey.id');
      if (typeof option.dwk !== 'string' || !/^[A-Za-z0-9._~-]+$/.test(option.dwk)) {
        throw new SignetError('invalid_configuration', 'signatureKey.dwk must be a well-known name (letters, digits, . _ ~ -).');
      }
      break;
    case 'jwks':
      requireHttps(option.url, 'signatureKey.url');
      break;
    case 'jwt':
      if (typeof option.jwt !== 'string' && typeof option.jwt !== 'function') throw new SignetError('invalid_configuration', 'signatureKey.jwt must be a JWT string or a function returning one.');
      break;
    case 'jkt-jwt': {
      const lifetime = option.lifetimeSeconds ?? 3600;
      if (!Number.isFinite(lifetime) || lifetime <= 0 || lifetime > 86_400) {
        throw new SignetError('invalid_configuration', 'signatureKey.lifetimeSeconds must be between 1 and 86400.');
      }
      jkt = { issuer: signingKey(option.issuerKey), lifetime };
      break;
    }
    default:
      throw new SignetError('invalid_configuration', `Unknown Signature-Key scheme ${JSON.stringify(scheme)} (supported: hwk, jwks_uri, jwks, jwt, jkt-jwt).`);
  }
  return {
    name: 'aauth',
    async apply({ key, label, created, expires, headers }) {
      let params: Record<string, string | boolean | undefined>;
      switch (option.scheme) {
        case 'hwk': {
          const { kty, crv, x, y, n, e } = key.publicKey.publicJwk();
          params = { kty, crv, x, y, n, e, alg: ALGORITHMS[key.alg].jose };
          break;
        }
        case 'jwks_uri':
          params = { id: option.id, dwk: option.dwk, kid: option.kid ?? key.thumbprint };
          break;
        case 'jwks':
          params = { url: option.url, kid: option.kid ?? key.thumbprint };
          break;
        case 'jwt': {
          const jwt = typeof option.jwt === 'function' ? await option.jwt() : option.jwt;
          checkAgentToken(jwt, key, created);
          params = { jwt };
          break;
        }
        case 'jkt-jwt': {
          const state = jkt as NonNullable<typeof jkt>;
          if (state.cache === undefined || state.cache.thumbprint !== key.thumbprint || created >= state.cache.refreshAt) {
            const exp = created + state.lifetime;
            const jwt = await createJktJwt(state.issuer, key, created, exp);
            state.cache = { thumbprint: key.thumbprint, jwt, refreshAt: created + Math.floor(state.lifetime / 2) };
          }
          params = { jwt: state.cache.jwt };
          break;
        }
      }
      const value = serializeSignatureKey([{ label, scheme: option.scheme, params }]);
      const existing = headers.get('signature-key');
      if (existing !== null && parseSignatureKey(existing).has(label)) {
        throw new SignetError('duplicate_label', `The request's Signature-Key already has a member "${label}".`);
      }
      return {
        headers: [['signature-key', appendMember(existing, value)]],
        components: SIGNATURE_KEY_COMPONENTS,
        params: [
          ['created', created],
          ['expires', expires],
          ['nonce', nonce()],
        ],
      };
    },
  };
}

function plain(profile: PlainProfile, nonce: () => string): ProfileSigner {
  const p = profile.params ?? { created: true, keyid: true, alg: true, expires: true };
  if (p.tag !== undefined && typeof p.tag !== 'string') throw new SignetError('invalid_configuration', 'plain profile: params.tag must be a string.');
  return {
    name: 'plain',
    apply({ key, created, expires }) {
      const params: Array<[string, BareItem]> = [];
      if (p.created) params.push(['created', created]);
      if (p.keyid !== undefined && p.keyid !== false) params.push(['keyid', p.keyid === true ? key.thumbprint : p.keyid]);
      if (p.alg) params.push(['alg', key.alg]);
      if (p.expires) params.push(['expires', expires]);
      if (p.nonce) params.push(['nonce', nonce()]);
      if (p.tag !== undefined) params.push(['tag', p.tag]);
      return { headers: [], components: NO_COMPONENTS, params };
    },
  };
}

/**
 * An agent token must be bound to the signing key with `cnf.jwk` and unexpired: draft-hardt-httpbis-signature-key
 * §3.8 requires `cnf.jwk` and `exp`, and verifiers refuse anything else.
 */
function checkAgentToken(jwt: string, key: SigningKey, now: number): void {
  const claims = decodeJwtPayload(jwt);
  const cnf = claims.cnf as { jwk?: Jwk } | undefined;
  if (cnf?.jwk === undefined) throw new SignetError('invalid_configuration', 'The agent token has no cnf.jwk: the Signature-Key jwt scheme needs a token bound to the signing key by cnf.jwk.');
  if (typeof claims.exp !== 'number') throw new SignetError('invalid_configuration', 'The agent token has no exp claim, which the Signature-Key jwt scheme requires.');
  let bound: string;
  try {
    bound = jwkThumbprint(cnf.jwk);
  } catch {
    throw new SignetError('invalid_configuration', 'The agent token has a cnf.jwk that is not a valid public JWK.');
  }
  if (bound !== key.thumbprint) {
    throw new SignetError('invalid_configuration', `The agent token is bound to key ${bound}, but requests are signed with ${key.thumbprint}.`);
  }
  if (claims.exp <= now) {
    throw new SignetError('invalid_configuration', `The agent token expired at ${new Date(claims.exp * 1000).toISOString()}: get a new one.`);
  }
}

function requireHttps(value: unknown, name: string): void {
  let ok = false;
  try {
    ok = typeof value === 'string' && new URL(value).protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) throw new SignetError('invalid_configuration', `${name} must be an absolute https: URL, got ${JSON.stringify(value)}.`);
}

export { joseJwk };
