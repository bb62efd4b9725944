/**
 * Stolen-token defence: the `Authorization` token must be bound to the key that signed the request — a JWT's
 * `cnf.jkt` (RFC 9449) or `cnf.jwk` (RFC 7800), or the binding the `resolveTokenBinding` hook reports.
 * @module
 */
import { SignetError, jwkThumbprint } from '@signet/core';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWTPayload } from 'jose';
import type { KeyDiscoveryLike } from './key-discovery.js';
import type { JwtValidationOptions, ResolvedOptions } from './options.js';
import type { VerifiedToken } from './types.js';

/** A JWS compact serialization: three base64url parts. */
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const CREDENTIALS = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S.*)$/;

/** Splits `Authorization: <scheme> <token>`. */
export function parseAuthorization(value: string): { scheme: string; token: string } {
  const match = CREDENTIALS.exec(value.trim());
  return match === null ? { scheme: '', token: value.trim() } : { scheme: match[1] as string, token: (match[2] as string).trim() };
}

/**
 * Checks that the token is bound to the key with `thumbprint`.
 * @throws SignetError `token_invalid`, `token_key_mismatch`, `token_not_bound`
 */
export async function checkTokenBinding(authorization: string, thumbprint: string, options: ResolvedOptions, nowSeconds: number): Promise<VerifiedToken> {
  const { scheme, token } = parseAuthorization(authorization);
  if (token.length === 0) throw new SignetError('token_invalid', 'The Authorization header carries no token.');
  const config = options.tokens;
  let claims: JWTPayload | undefined;
  let validated = false;
  if (JWS.test(token)) {
    if (config.jwt !== undefined) {
      claims = await validateJwt(token, config.jwt, options.discovery, nowSeconds, options.skew);
      validated = true;
    } else {
      try {
        claims = decodeJwt(token);
      } catch {
        claims = undefined; // Not a JWT after all: an opaque token that happens to contain two dots.
      }
    }
  }
  const cnf = claims?.cnf as { jkt?: unknown; jwk?: unknown } | undefined;
  const exposed = validated ? (claims as Readonly<Record<string, unknown>>) : undefined;
  if (cnf !== undefined && cnf !== null && typeof cnf === 'object') {
    if (cnf.jkt !== undefined) {
      if (typeof cnf.jkt !== 'string') throw new SignetError('token_invalid', 'The token\'s cnf.jkt is not a string.');
      if (cnf.jkt !== thumbprint) throw mismatch('cnf.jkt', cnf.jkt, thumbprint);
      return { scheme, token, binding: 'cnf.jkt', validated, claims: exposed };
    }
    if (cnf.jwk !== undefined) {
      let bound: string;
      try {
        bound = jwkThumbprint(cnf.jwk as Record<string, unknown>);
      } catch (cause) {
        throw new SignetError('token_invalid', `The token's cnf.jwk is not a usable JWK: ${(cause as Error).message}`, { cause });
      }
      if (bound !== thumbprint) throw mismatch('cnf.jwk', bound, thumbprint);
      return { scheme, token, binding: 'cnf.jwk', validated, claims: exposed };
    }
  }
  if (config.resolveTokenBinding !== undefined) {
    let bound: string | null | undefined;
    try {
      bound = await config.resolveTokenBinding(token, { scheme });
    } catch (cause) {
      if (cause instanceof SignetError) throw cause;
      throw new SignetError('token_invalid', `Token introspection (resolveTokenBinding) failed: ${(cause as Error)?.message ?? String(cause)}.`, { cause });
    }
    if (typeof bound === 'string' && bound.length > 0) {
      if (bound !== thumbprint) throw mismatch('introspection', bound, thumbprint);
      return { scheme, token, binding: 'introspection', validated, claims: exposed };
    }
  }
  if (config.allowUnbound) return { scheme, token, binding: 'none', validated, claims: exposed };
  throw new SignetError('token_not_bound', 'The Authorization token is not bound to any key (no cnf.jkt / cnf.jwk, no introspection binding); a bearer token alone is not accepted.');
}

function mismatch(how: string, bound: string, thumbprint: string): SignetError {
  return new SignetError('token_key_mismatch', `The Authorization token is bound (${how}) to key ${bound}, but the request was signed by key ${thumbprint}.`);
}

/** Validates a JWT access token per `tokens.jwt`. @throws SignetError `token_invalid` */
async function validateJwt(token: string, config: JwtValidationOptions, discovery: KeyDiscoveryLike | undefined, nowSeconds: number, skew: number): Promise<JWTPayload> {
  try {
    const options = {
      ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
      ...(config.audience === undefined ? {} : { audience: config.audience }),
      ...(config.algorithms === undefined ? {} : { algorithms: config.algorithms }),
      ...(config.typ === undefined ? {} : { typ: config.typ }),
      currentDate: new Date(nowSeconds * 1000),
      clockTolerance: skew,
    };
    if (config.jwks !== undefined) {
      return (await jwtVerify(token, createLocalJWKSet(config.jwks as Parameters<typeof createLocalJWKSet>[0]), options)).payload;
    }
    if (config.secret !== undefined) {
      const secret = typeof config.secret === 'string' ? new TextEncoder().encode(config.secret) : config.secret;
      return (await jwtVerify(token, secret, { algorithms: ['HS256', 'HS384', 'HS512'], ...options })).payload;
    }
    const header = decodeProtectedHeader(token);
    if (typeof header.kid !== 'string') throw new Error('the token header has no kid to select a key from the issuer JWKS');
    if (discovery === undefined || config.jwksUrl === undefined) throw new Error('no key source configured');
    const found = await discovery.findJwksKey(config.jwksUrl, header.kid);
    const alg = typeof found.jwk.alg === 'string' ? found.jwk.alg : header.alg;
    if (alg === undefined || (config.algorithms !== undefined && !config.algorithms.includes(alg))) throw new Error(`algorithm ${String(alg)} is not accepted`);
    if (header.alg !== alg) throw new Error(`the token alg ${String(header.alg)} does not match the key's ${alg}`);
    const key = await importJWK(found.jwk as Parameters<typeof importJWK>[0], alg);
    return (await jwtVerify(token, key, { ...options, algorithms: [alg] })).payload;
  } catch (cause) {
    if (cause instanceof SignetError && cause.code !== 'unknown_key') throw cause;
    throw new SignetError('token_invalid', `The Authorization JWT does not validate: ${(cause as Error).message}`, { cause });
  }
}
