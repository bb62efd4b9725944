/**
 * The public result types of the verifier.
 * @module
 */
import type { AlgorithmName } from '@signet/core';

/**
 * How an agent conveyed its key:
 * - `web-bot-auth`: `tag="web-bot-auth"`, `keyid` = JWK thumbprint, keys found through the covered `Signature-Agent`;
 * - `aauth`: the key comes from the `Signature-Key` member of the signature's label (draft-hardt-httpbis-signature-key);
 * - `static`: any other RFC 9421 signature, its `keyid` looked up in the configured keys or the `resolveKey` hook.
 */
export type Profile = 'web-bot-auth' | 'aauth' | 'static';

/** Every profile, in the default order of preference. */
export const PROFILES: readonly Profile[] = ['web-bot-auth', 'aauth', 'static'];

/** Who signed the request. */
export interface VerifiedAgent {
  /**
   * The agent's identity: the Signature-Agent URI (web-bot-auth); the `url`, `id` or token `iss` (aauth
   * jwks, jwks_uri, jwt, jkt-jwt); `urn:jkt:sha-256:<thumbprint>` (aauth hwk); the configured `agent` or the `keyid` (static).
   */
  readonly id: string;
  /** The key's identifier as the agent named it: `keyid`, or the JWKS `kid`, or the thumbprint. */
  readonly keyid: string;
  /** The RFC 7638 JWK thumbprint (SHA-256, base64url) of the key that verified the signature. */
  readonly thumbprint: string;
  readonly profile: Profile;
  /** True when the identity is only a key (aauth `hwk`, `jkt-jwt`): nothing links it to a published name. */
  readonly pseudonymous: boolean;
  /** The AAuth Signature-Key scheme (`hwk`, `jkt-jwt`, `jwks`, `jwks_uri`, `jwt`), for the aauth profile. */
  readonly scheme?: string | undefined;
  /** The `sub` claim of an AAuth agent token (`jwt` scheme), when present. */
  readonly subject?: string | undefined;
}

/** The `Authorization` token of a verified request and how it is bound to the signing key. */
export interface VerifiedToken {
  /** The authentication scheme as sent (`Bearer`, `DPoP`, …). */
  readonly scheme: string;
  /** The raw token. */
  readonly token: string;
  /**
   * How the token was found bound to the signing key: `cnf.jkt` / `cnf.jwk` claims, the `resolveTokenBinding`
   * hook, or `none` when unbound tokens are allowed and this one is unbound.
   */
  readonly binding: 'cnf.jkt' | 'cnf.jwk' | 'introspection' | 'none';
  /** True when the JWT was validated (signature, issuer, audience, expiry) per `tokens.jwt`. */
  readonly validated: boolean;
  /** The validated JWT claims; absent when the token was not validated. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

/** A request whose signature verified under the policy. */
export interface VerifiedRequest {
  readonly agent: VerifiedAgent;
  /** The label of the signature that was verified. */
  readonly label: string;
  /** The covered component identifiers, serialized (`"@authority"`, `"signature-agent";key="a"`). */
  readonly covered: readonly string[];
  readonly created: number | undefined;
  readonly expires: number | undefined;
  readonly nonce: string | undefined;
  readonly tag: string | undefined;
  /** The algorithm that verified the signature. */
  readonly alg: AlgorithmName;
  /** The `Authorization` token and its binding, when the request carried one. */
  readonly token: VerifiedToken | undefined;
  /** The body, when it was read to check a covered Content-Digest. */
  readonly body?: Uint8Array | undefined;
  /**
   * For a web `Request` whose body was read to check its digest: a new `Request` with the same bytes, to hand to
   * the application in place of the consumed one. Otherwise the request that was verified.
   */
  readonly request?: Request | undefined;
}
