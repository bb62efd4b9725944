/**
 * `@signet/client`: sign every outgoing request of an AI agent (RFC 9421 HTTP Message Signatures),
 * so that a bearer token it carries is useless to anyone without its key.
 *
 * - {@link signedFetch}: a drop-in `fetch`; {@link signingInterceptor}: undici `request`/`stream`/`Pool`/`Agent`;
 *   {@link signRequest}: one `Request`.
 * - Profiles: `web-bot-auth` (Signature-Agent), `aauth` (Signature-Key), `plain`.
 * - Key sources: {@link staticKey}, {@link ephemeralKey}, {@link fileKeySource} (rotated files),
 *   {@link rotatingKeySource} (a rotation plan).
 * - Publishing: {@link createDirectory} (the signed key directory), {@link createSignatureAgentCard}.
 * - Mutual authentication: `signedFetch({ verifyResponse })`.
 * @packageDocumentation
 */
export { signRequest } from './sign-request.js';
export { signedFetch, type FetchLike, type SignedFetch, type SignedFetchOptions } from './signed-fetch.js';
export { signingInterceptor, type SigningInterceptor, type SigningInterceptorOptions } from './interceptor.js';
export { RequestSigner, createRequestSigner, MAX_TTL_SECONDS, type RequestParts, type SigningOptions } from './signer.js';
export {
  type AAuthProfile,
  type AppliedProfile,
  type FieldReader,
  type PlainProfile,
  type Profile,
  type ProfileContext,
  type ProfileSigner,
  type SignatureAgentOption,
  type SignatureKeyOption,
  type WebBotAuthProfile,
} from './profiles.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
export {
  ephemeralKey,
  signingKey,
  staticKey,
  type ExternalSignerInput,
  type KeySource,
  type PublishedKey,
  type SigningKey,
  type StaticKeyInput,
} from './key-source.js';
export { fileKeySource, type FileKeySourceOptions, type KeyFileSystem } from './file-key-source.js';
export { rotatingKeySource, type RotatingKeySourceOptions, type RotationKey } from './rotating-key-source.js';
export { DIRECTORY_MEDIA_TYPE, DIRECTORY_PATH, DIRECTORY_TAG, createDirectory, type Directory, type DirectoryOptions } from './directory.js';
export { createSignatureAgentCard, type SignatureAgentCardInput } from './agent-card.js';
export { verifyResponse, type ResponseVerificationOptions, type VerifiedResponse } from './response-verification.js';
export { SIGN_CHANNEL, type SignEvent } from './diagnostics.js';
export { installGlobalSigning, type GlobalSigningOptions } from './global.js';
