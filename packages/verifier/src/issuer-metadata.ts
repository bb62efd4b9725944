/**
 * `{id}/.well-known/{dwk}` metadata (Signature-Key `jwks_uri` scheme and `jwt` agent-token issuers): fetch,
 * require `issuer` to equal the id byte for byte, return its `jwks_uri`.
 * @module
 */
import { SignetError } from '@signet/core';
import type { KeyDiscoveryLike } from './key-discovery.js';

/** A `dwk` is one path segment under /.well-known/: no slash, no dot segments, no query or fragment. */
const DWK = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/;

/** The metadata URL `{id}/.well-known/{dwk}`. @throws SignetError `invalid_signature_key` for a dwk that is not one segment */
export function metadataUrl(id: string, dwk: string, where: string): string {
  if (!DWK.test(dwk)) throw new SignetError('invalid_signature_key', `${where}: dwk ${JSON.stringify(dwk)} must be one path segment (letters, digits, - . _ ~).`);
  return `${id.endsWith('/') ? id.slice(0, -1) : id}/.well-known/${dwk}`;
}

/**
 * Fetches the metadata of `id` and returns its `jwks_uri`.
 * @throws SignetError `issuer_missing`, `issuer_mismatch`, `directory_invalid`, and discovery codes
 */
export async function fetchIssuerJwksUri(discovery: KeyDiscoveryLike, id: string, dwk: string, where: string): Promise<string> {
  const url = metadataUrl(id, dwk, where);
  const metadata = await discovery.fetchJson(url);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new SignetError('directory_invalid', `${where}: ${url} is not a JSON object.`);
  }
  const { issuer, jwks_uri: jwksUri } = metadata as { issuer?: unknown; jwks_uri?: unknown };
  if (issuer === undefined) throw new SignetError('issuer_missing', `${where}: the metadata at ${url} has no issuer.`);
  if (issuer !== id) throw new SignetError('issuer_mismatch', `${where}: the metadata at ${url} names issuer ${JSON.stringify(issuer)}, not ${JSON.stringify(id)}.`);
  if (typeof jwksUri !== 'string' || jwksUri.length === 0) throw new SignetError('directory_invalid', `${where}: the metadata at ${url} has no jwks_uri.`);
  return jwksUri;
}
