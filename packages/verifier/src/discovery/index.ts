/**
 * Key discovery for `@signet/verifier`: find an agent's public keys on the web (Web Bot Auth key directories,
 * JWKS URIs, Signature Agent Cards; AAuth JWKS and metadata) with SSRF-safe, cached, coalesced fetches.
 * @module
 */
export { KeyDiscovery, DIRECTORY_MEDIA_TYPE, DIRECTORY_PATH, type DiscoveredKey } from './key-discovery.js';
export { resolveDiscoveryOptions, type DiscoveryOptions, type HostResolver, type ResolvedAddress, type ResolvedDiscoveryOptions } from './options.js';
export { DiscoveryError, type DiscoveryErrorCode } from './errors.js';
export { emptyStats, type DiscoveryStats } from './stats.js';
export { forbiddenAddressReason, canonicalIp, isIpLiteral } from './address.js';
export { freshnessOf, parseCacheControl, mediaType, type Freshness, type FreshnessBounds } from './freshness.js';
export { readJwks, selectKey, importPublished, parseJsonBody, type KeyRecord, type KeySet, type KeySelection } from './jwks.js';
export { verifyDirectorySignatures, DIRECTORY_SIGNATURE_TAG, type DirectorySignatureReport } from './directory-signature.js';
export type { FetchedDocument } from './fetch.js';
