/**
 * `@signet/verifier`: verify inbound agent requests (RFC 9421 HTTP Message Signatures) — Web Bot Auth, AAuth
 * Signature-Key and static keys; freshness and replay; stolen-token rejection; Content-Digest; middleware for
 * node:http, connect, Express, Fastify, Hono and any `(Request) => Response` handler.
 * @packageDocumentation
 */
export { Verifier, createVerifier, type VerifyCallOptions } from './verifier.js';
export {
  AAUTH_SCHEMES,
  MAX_LIFETIME_LIMIT,
  type AAuthOptions,
  type AAuthScheme,
  type BodyOptions,
  type JwtValidationOptions,
  type KeyLookup,
  type ResolveKeyHook,
  type ResolveTokenBinding,
  type ResolvedKey,
  type ResolvedOptions,
  type TokenOptions,
  type VerifierOptions,
} from './options.js';
export { PROFILES, type Profile, type VerifiedAgent, type VerifiedRequest, type VerifiedToken } from './types.js';
export type { TrustedKey, TrustedKeyInput } from './trusted-keys.js';
export type { IssuerKeys } from './agent-token.js';
export type { BodySource } from './body.js';
export type { DiscoveredKeyLike, KeyDiscoveryLike } from './key-discovery.js';
export { KeyDiscovery, DiscoveryError, type DiscoveredKey, type DiscoveryOptions, type DiscoveryStats } from './discovery/index.js';
export { nonceKey, type NonceStore } from './nonce/nonce-store.js';
export { MemoryNonceStore, type MemoryNonceStoreOptions } from './nonce/memory-nonce-store.js';
export { RedisNonceStore, type RedisClientLike, type RedisNonceStoreOptions } from './nonce/redis-nonce-store.js';
export type { FailureResponse } from './challenge.js';
export { AAUTH_ALGORITHMS } from './jose-keys.js';
export { DECISION_CHANNEL, type VerifierDecision, type VerifierStats } from './observability.js';
export { signetMiddleware, type NextFunction, type SignetIncomingMessage } from './middleware/node.js';
export { signetFastify, type SignetFastifyPlugin } from './middleware/fastify.js';
export { signetHono, type HonoContextLike, type SignetVariables } from './middleware/hono.js';
export { withSignet, type SignedHandler } from './middleware/fetch.js';
export type { VerifierInput } from './middleware/shared.js';
