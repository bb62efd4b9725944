/**
 * The self-issued `jkt-jwt` of draft-hardt-httpbis-signature-key §3.5: a JWT signed by a long-lived
 * key (e.g. in a secure enclave) whose header carries that key, whose issuer is the key's thumbprint
 * URN, and whose `cnf.jwk` is the short-lived key that signs the requests. Built with core's signing,
 * no JOSE library.
 * @module
 */
import { ALGORITHMS, SignetError, SignetKey, nodeCryptoBackend, type CryptoBackend, type Jwk } from '@signet/core';
import type { SigningKey } from './key-source.js';

/** What a jkt-jwt says. */
export interface JktJwtClaims {
  readonly iss: string;
  readonly iat: number;
  readonly exp: number;
  readonly cnf: { readonly jwk: Jwk };
}

/** The public JWK of a key with its fully-specified JOSE `alg` (as Signature-Key requires of every conveyed JWK). */
export function joseJwk(key: SigningKey): Jwk {
  return { ...key.publicKey.publicJwk(), alg: ALGORITHMS[key.alg].jose };
}

/** `urn:jkt:sha-256:<RFC 7638 thumbprint>`: the issuer of a jkt-s256 JWT. */
export function jktIssuer(key: SigningKey): string {
  return `urn:jkt:sha-256:${key.thumbprint}`;
}

/**
 * Issues a `typ: jkt-s256+jwt` JWT: `issuer` vouches for `requestKey` from `iat` to `exp` (UNIX seconds).
 * The JWS signature uses the JOSE encoding of the issuer's algorithm (raw r‖s for ECDSA, as core signs).
 */
export async function createJktJwt(issuer: SigningKey, requestKey: SigningKey, iat: number, exp: number, backend: CryptoBackend = nodeCryptoBackend): Promise<string> {
  if (!(exp > iat)) throw new SignetError('invalid_configuration', 'A jkt-jwt needs exp after iat.');
  const header = { typ: 'jkt-s256+jwt', alg: ALGORITHMS[issuer.alg].jose, jwk: joseJwk(issuer) };
  const payload: JktJwtClaims = { iss: jktIssuer(issuer), iat: Math.floor(iat), exp: Math.floor(exp), cnf: { jwk: joseJwk(requestKey) } };
  const signingInput = `${b64json(header)}.${b64json(payload)}`;
  const data = new TextEncoder().encode(signingInput);
  const signature =
    issuer.signer instanceof SignetKey ? await backend.sign(issuer.alg, issuer.signer, data) : await issuer.signer.sign(data);
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}

/**
 * Reads the claims of a JWT without verifying it (the caller's own agent token, to check that it is
 * bound to the signing key before it is sent).
 * @throws SignetError `invalid_configuration` when the text is not a JWS compact serialization of a JSON object.
 */
export function decodeJwtPayload(jwt: string): Record<string, unknown> {
  const parts = typeof jwt === 'string' ? jwt.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) {
    throw new SignetError('invalid_configuration', 'The agent token is not a JWT (three base64url parts separated by dots).');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    throw new SignetError('invalid_configuration', 'The agent token payload is not base64url JSON.');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SignetError('invalid_configuration', 'The agent token payload is not a JSON object.');
  }
  return payload as Record<string, unknown>;
}

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}
