/**
 * AAuth agent tokens carried in Signature-Key: `jkt-jwt` (self-issued by an enclave key) and `jwt` (issued by
 * an agent server), verified with `jose` (draft-hardt-httpbis-signature-key §3.5, §3.8).
 * @module
 */
import { SignetError, jwkThumbprint, type Jwk, type Jwks } from '@signet/core';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { checkJoseAlgorithm } from './jose-keys.js';
import type { KeyDiscoveryLike } from './key-discovery.js';
import { fetchIssuerJwksUri } from './issuer-metadata.js';

/** Where the keys of a configured agent-token issuer are. */
export interface IssuerKeys {
  /** The issuer's JWK Set, inline. */
  jwks?: Jwks;
  /** The URL of the issuer's JWK Set (fetched through key discovery). */
  jwksUrl?: string;
}

/** What verifying an agent token needs. */
export interface AgentTokenContext {
  readonly nowSeconds: number;
  readonly skew: number;
  readonly discovery: KeyDiscoveryLike | undefined;
  /** Issuers whose keys are configured, by `iss`. */
  readonly issuers: Readonly<Record<string, IssuerKeys>>;
  /** Accept only issuers listed in `issuers` (no discovery through `iss` + `dwk`). */
  readonly requireKnownIssuer: boolean;
  /** The `typ` a `jwt` agent token must have, when set. */
  readonly jwtTyp: string | undefined;
}

/** A verified agent token: who issued it and the key it binds (`cnf.jwk`). */
export interface VerifiedAgentToken {
  readonly issuer: string;
  readonly subject: string | undefined;
  readonly cnfJwk: Jwk;
  readonly claims: JWTPayload;
}

const JKT_TYP = 'jkt-s256+jwt';

/**
 * Verifies a `jkt-jwt` token: `typ` `jkt-s256+jwt`, header `jwk` (the enclave key, with a JOSE alg), `iss` =
 * `urn:jkt:sha-256:<thumbprint of that jwk>`, signature by that key, `iat`/`exp`, and `cnf.jwk`.
 * @throws SignetError `invalid_jwt`, `expired_jwt`, and the algorithm codes of the header key
 */
export async function verifyJktJwt(jwt: string, context: AgentTokenContext): Promise<VerifiedAgentToken> {
  const header = decodeHeader(jwt, 'jkt-jwt');
  if (header.typ !== JKT_TYP) {
    throw new SignetError('invalid_jwt', `Signature-Key jkt-jwt: typ is ${header.typ === undefined ? 'missing' : `"${header.typ}"`}; only "${JKT_TYP}" is supported.`);
  }
  const jwk = header.jwk as Jwk | undefined;
  const alg = checkJoseAlgorithm(jwk, 'Signature-Key jkt-jwt header jwk');
  if (header.alg !== alg) throw new SignetError('invalid_jwt', `Signature-Key jkt-jwt: the JWT alg "${String(header.alg)}" is not the header jwk's alg "${alg}".`);
  const expectedIssuer = `urn:jkt:sha-256:${jwkThumbprint(jwk as Jwk)}`;
  const unverified = decodePayload(jwt, 'jkt-jwt');
  if (unverified.iss !== expectedIssuer) {
    throw new SignetError('invalid_jwt', `Signature-Key jkt-jwt: iss ${JSON.stringify(unverified.iss)} is not the thumbprint URN of the header jwk (${expectedIssuer}).`);
  }
  const key = await importKey(jwk as Jwk, alg, 'jkt-jwt');
  const payload = await verifyJwt(jwt, key, { algorithms: [alg], typ: JKT_TYP, requiredClaims: ['iss', 'iat', 'exp', 'cnf'] }, context, 'jkt-jwt');
  checkIssuedAt(payload, context, 'jkt-jwt');
  return { issuer: expectedIssuer, subject: undefined, cnfJwk: cnfJwk(payload, 'jkt-jwt'), claims: payload };
}

/**
 * Verifies a `jwt` agent token: its issuer's key (configured, or found through `{iss}/.well-known/{dwk}` →
 * `issuer` == `iss` → `jwks_uri` → header `kid`), its signature, `exp`, and `cnf.jwk`.
 * @throws SignetError `invalid_jwt`, `expired_jwt`, `issuer_missing`, `issuer_mismatch`, discovery codes
 */
export async function verifyAgentJwt(jwt: string, context: AgentTokenContext): Promise<VerifiedAgentToken> {
  const header = decodeHeader(jwt, 'jwt');
  const unverified = decodePayload(jwt, 'jwt');
  if (context.jwtTyp !== undefined && header.typ !== context.jwtTyp) {
    throw new SignetError('invalid_jwt', `Signature-Key jwt: typ is ${header.typ === undefined ? 'missing' : `"${header.typ}"`}, expected "${context.jwtTyp}".`);
  }
  const iss = unverified.iss;
  if (typeof iss !== 'string' || iss.length === 0) throw new SignetError('invalid_jwt', 'Signature-Key jwt: the token has no iss, so its issuer keys cannot be found.');
  const configured = Object.hasOwn(context.issuers, iss) ? context.issuers[iss] : undefined;
  let payload: JWTPayload;
  const options = { requiredClaims: ['exp', 'cnf'], issuer: iss, ...(context.jwtTyp === undefined ? {} : { typ: context.jwtTyp }) };
  if (configured?.jwks !== undefined) {
    payload = await verifyJwt(jwt, createLocalJWKSet(configured.jwks as Parameters<typeof createLocalJWKSet>[0]), options, context, 'jwt');
  } else {
    let jwksUri = configured?.jwksUrl;
    if (jwksUri === undefined) {
      if (context.requireKnownIssuer) throw new SignetError('invalid_jwt', `Signature-Key jwt: issuer ${JSON.stringify(iss)} is not one of the configured issuers.`);
      const dwk = unverified.dwk;
      if (typeof dwk !== 'string') throw new SignetError('invalid_jwt', `Signature-Key jwt: the token has no dwk claim and issuer ${JSON.stringify(iss)} is not configured, so its keys cannot be found.`);
      jwksUri = await fetchIssuerJwksUri(requireDiscovery(context), iss, dwk, 'Signature-Key jwt');
    }
    if (typeof header.kid !== 'string') throw new SignetError('invalid_jwt', 'Signature-Key jwt: the token header has no kid to select the issuer key.');
    const found = await requireDiscovery(context).findJwksKey(jwksUri, header.kid);
    const alg = checkJoseAlgorithm(found.jwk, `Signature-Key jwt issuer key ${header.kid}`);
    if (header.alg !== alg) throw new SignetError('invalid_jwt', `Signature-Key jwt: the token alg "${String(header.alg)}" is not the issuer key's alg "${alg}".`);
    payload = await verifyJwt(jwt, await importKey(found.jwk, alg, 'jwt'), { ...options, algorithms: [alg] }, context, 'jwt');
  }
  checkIssuedAt(payload, context, 'jwt');
  return { issuer: iss, subject: typeof payload.sub === 'string' ? payload.sub : undefined, cnfJwk: cnfJwk(payload, 'jwt'), claims: payload };
}

function requireDiscovery(context: AgentTokenContext): KeyDiscoveryLike {
  if (context.discovery === undefined) throw new SignetError('invalid_jwt', 'Signature-Key jwt: the issuer keys must be fetched but this verifier has no key discovery.');
  return context.discovery;
}

function decodeHeader(jwt: string, scheme: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(jwt);
  } catch (cause) {
    throw new SignetError('invalid_jwt', `Signature-Key ${scheme}: the token is not a JWS compact JWT (${(cause as Error).message}).`, { cause });
  }
}

function decodePayload(jwt: string, scheme: string): JWTPayload {
  try {
    return decodeJwt(jwt);
  } catch (cause) {
    throw new SignetError('invalid_jwt', `Signature-Key ${scheme}: the token payload cannot be read (${(cause as Error).message}).`, { cause });
  }
}

async function importKey(jwk: Jwk, alg: string, scheme: string): Promise<CryptoKey | Uint8Array> {
  try {
    return await importJWK(jwk as Parameters<typeof importJWK>[0], alg);
  } catch (cause) {
    throw new SignetError('invalid_key', `Signature-Key ${scheme}: the token key cannot be imported (${(cause as Error).message}).`, { cause });
  }
}

type JwtVerifyKey = Parameters<typeof jwtVerify>[1];

async function verifyJwt(
  jwt: string,
  key: JwtVerifyKey,
  options: { algorithms?: string[]; typ?: string; requiredClaims?: string[]; issuer?: string },
  context: AgentTokenContext,
  scheme: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(jwt, key as Parameters<typeof jwtVerify>[1] & CryptoKey, {
      ...options,
      currentDate: new Date(context.nowSeconds * 1000),
      clockTolerance: context.skew,
    });
    return payload;
  } catch (cause) {
    if (cause instanceof SignetError) throw cause;
    if (cause instanceof joseErrors.JWTExpired) throw new SignetError('expired_jwt', `Signature-Key ${scheme}: the token expired.`, { cause });
    throw new SignetError('invalid_jwt', `Signature-Key ${scheme}: the token does not verify (${(cause as Error).message}).`, { cause });
  }
}

function checkIssuedAt(payload: JWTPayload, context: AgentTokenContext, scheme: string): void {
  if (typeof payload.iat === 'number' && payload.iat > context.nowSeconds + context.skew) {
    throw new SignetError('invalid_jwt', `Signature-Key ${scheme}: the token was issued ${payload.iat - context.nowSeconds} s in the future (allowed skew ${context.skew} s).`);
  }
}

function cnfJwk(payload: JWTPayload, scheme: string): Jwk {
  const cnf = payload.cnf as { jwk?: unknown } | undefined;
  const jwk = cnf?.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new SignetError('invalid_jwt', `Signature-Key ${scheme}: the token has no cnf.jwk (the key that signs the request).`);
  }
  return jwk as Jwk;
}
