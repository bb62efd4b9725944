/**
 * Algorithm determination for keys conveyed by Signature-Key (draft-hardt-httpbis-signature-key §3.3, §7.4,
 * §7.5): every JWK carries a fully-specified JOSE `alg` consistent with its `kty`/`crv`; never `EdDSA`,
 * `none` or a symmetric algorithm. Pure functions.
 * @module
 */
import { SignetError, algorithmFromJose, hasPrivateMembers, importJwk, type Jwk, type SignetKey } from '@signet/core';

/** The key shape each JOSE algorithm requires. */
const SHAPES: ReadonlyMap<string, { kty: string; crv?: string }> = new Map([
  ['Ed25519', { kty: 'OKP', crv: 'Ed25519' }],
  ['Ed448', { kty: 'OKP', crv: 'Ed448' }],
  ['ES256', { kty: 'EC', crv: 'P-256' }],
  ['ES384', { kty: 'EC', crv: 'P-384' }],
  ['ES512', { kty: 'EC', crv: 'P-521' }],
  ['PS256', { kty: 'RSA' }],
  ['PS384', { kty: 'RSA' }],
  ['PS512', { kty: 'RSA' }],
  ['RS256', { kty: 'RSA' }],
  ['RS384', { kty: 'RSA' }],
  ['RS512', { kty: 'RSA' }],
]);

/** Polymorphic, prohibited or symmetric identifiers: never accepted. */
const FORBIDDEN = new Set(['EdDSA', 'none', 'HS256', 'HS384', 'HS512']);

/** The JOSE algorithms Signet verifies for Signature-Key keys: the `Accept-Signature-Alg` set, exactly. */
export const AAUTH_ALGORITHMS: readonly string[] = ['Ed25519', 'ES256', 'ES384', 'PS512', 'RS256'];

/**
 * Checks a JWK's `alg` under the Signature-Key rules.
 * @param where names the key in error messages (e.g. `Signature-Key hwk`).
 * @throws SignetError `unsupported_algorithm` (absent, polymorphic, symmetric or unsupported alg),
 *   `algorithm_mismatch` (kty/crv inconsistent with alg), `invalid_key` (not a JWK)
 */
export function checkJoseAlgorithm(jwk: unknown, where: string): string {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof (jwk as Jwk).kty !== 'string') {
    throw new SignetError('invalid_key', `${where}: not a JWK (an object with a string "kty").`);
  }
  const { alg, kty, crv } = jwk as Jwk;
  if (alg === undefined) {
    throw new SignetError('unsupported_algorithm', `${where}: the JWK has no "alg"; Signature-Key keys must carry a fully-specified JOSE alg (e.g. Ed25519, ES256).`);
  }
  if (typeof alg !== 'string') throw new SignetError('invalid_key', `${where}: the JWK "alg" must be a string.`);
  if (kty === 'oct') throw new SignetError('unsupported_algorithm', `${where}: symmetric keys (kty "oct") are never accepted.`);
  if (FORBIDDEN.has(alg)) {
    throw new SignetError('unsupported_algorithm', `${where}: alg "${alg}" is ${alg === 'EdDSA' ? 'polymorphic (use Ed25519)' : alg === 'none' ? 'not an algorithm' : 'symmetric'} and is never accepted.`);
  }
  const shape = SHAPES.get(alg);
  if (shape === undefined) throw new SignetError('unsupported_algorithm', `${where}: alg "${alg}" is not supported (accepted: ${AAUTH_ALGORITHMS.join(', ')}).`);
  if (shape.kty !== kty || (shape.crv !== undefined && shape.crv !== crv)) {
    throw new SignetError('algorithm_mismatch', `${where}: alg "${alg}" needs kty "${shape.kty}"${shape.crv === undefined ? '' : ` crv "${shape.crv}"`}, but the key is kty "${kty}"${crv === undefined ? '' : ` crv "${String(crv)}"`}.`);
  }
  if (!AAUTH_ALGORITHMS.includes(alg)) throw new SignetError('unsupported_algorithm', `${where}: alg "${alg}" is not supported (accepted: ${AAUTH_ALGORITHMS.join(', ')}).`);
  return alg;
}

/**
 * Imports a public JWK conveyed by Signature-Key after {@link checkJoseAlgorithm}. A JWK with private members is
 * refused: a key that was published with its private half is compromised.
 * @throws SignetError as {@link checkJoseAlgorithm}, and `invalid_key`
 */
export function importConveyedJwk(jwk: unknown, where: string): SignetKey {
  const alg = checkJoseAlgorithm(jwk, where);
  if (hasPrivateMembers(jwk as Jwk)) throw new SignetError('invalid_key', `${where}: the JWK carries private key members; refusing it.`);
  const key = importJwk(jwk as Jwk, { alg: algorithmFromJose(alg) });
  if (key.type !== 'public') throw new SignetError('invalid_key', `${where}: expected a public key.`);
  return key;
}
