/**
 * RFC 7638 JWK thumbprints.
 * @module
 */
import { createHash } from 'node:crypto';
import { SignetError } from './errors.js';

const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  OKP: ['crv', 'kty', 'x'],
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

/**
 * The RFC 7638 thumbprint of a JWK: SHA-256 over the required members in lexicographic order,
 * base64url without padding. Other members (`kid`, `alg`, `d`) do not change it.
 * @throws SignetError `invalid_key` when a required member is missing or not a string.
 */
export function jwkThumbprint(jwk: { kty?: unknown; [member: string]: unknown }): string {
  const members = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
  if (members === undefined) throw new SignetError('invalid_key', `Cannot compute a thumbprint for kty ${JSON.stringify(jwk.kty)}.`);
  let json = '{';
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string') throw new SignetError('invalid_key', `JWK member "${member}" is required for a ${jwk.kty} thumbprint.`);
    json += `${json.length > 1 ? ',' : ''}"${member}":${JSON.stringify(value)}`;
  }
  return createHash('sha256').update(json + '}').digest('base64url');
}
