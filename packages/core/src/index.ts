/**
 * `@signet/core`: the RFC 9421 (HTTP Message Signatures), RFC 9530 (Digest Fields) and RFC 7638
 * (JWK Thumbprint) engine that Signet's signer and verifier share. No network I/O.
 * @packageDocumentation
 */
export { ERROR_CODES, SignetError, VerificationError, isSignetError, type SignetErrorCode, type SignetErrorOptions } from './errors.js';
export { MessageView, type HeadersLike, type MessageLike, type MessagePair, type PlainRequest, type PlainResponse } from './message.js';
export { DERIVED_COMPONENTS, component, componentValues, fromItem, serializeComponent, type Component } from './components.js';
export {
  appendMember,
  coveredIdentifiers,
  createSignatureInput,
  parseSignatureField,
  parseSignatureInput,
  readSignatures,
  serializeSignatureInputMember,
  serializeSignatureMember,
  type MessageSignature,
  type SignatureInput,
  type SignatureParameters,
} from './signature-fields.js';
export { signatureBase } from './signature-base.js';
export { ALGORITHMS, algorithmFromJose, isAlgorithmName, resolveAlgorithm, type AlgorithmInfo, type AlgorithmName, type KeyShape, type KeyType } from './algorithms.js';
export {
  SignetKey,
  exportPrivateJwk,
  generateKey,
  hasPrivateMembers,
  importJwk,
  importKey,
  importPem,
  importRawEd25519,
  stripPrivateMembers,
  type ImportKeyOptions,
  type Jwk,
  type Jwks,
  type KeyInput,
} from './keys.js';
export { jwkThumbprint } from './thumbprint.js';
export { nobleEd25519Backend, nodeCryptoBackend, type CryptoBackend } from './crypto-backend.js';
export { signMessage, type SignOptions, type SignResult, type Signer } from './sign.js';
export { checkPolicy, selectSignature, verifyMessage, verifySignature, verifySignatureSync, type KeyResolver, type VerifiedSignature, type VerifyOptions } from './verify.js';
export { Digester, DigestVerifier, createDigest, verifyDigest, type BodyChunk, type DigestAlgorithm } from './digest.js';
export { keyDirectoryUrl, parseSignatureAgent, serializeSignatureAgent, type SignatureAgent, type SignatureAgentType } from './signature-agent.js';
export { parseHttpMessage, serializeHttpMessage, type ParseHttpMessageOptions, type ParsedHttpMessage } from './http-text.js';
export { Token, type BareItem } from './structured.js';
export { validateSignatureAgentCard, type SignatureAgentCard, type WebBotAuthMetadata } from './signature-agent-card.js';
export { parseSignatureKey, serializeSignatureKey, type SignatureKeyMember, type SignatureKeyScheme } from './signature-key.js';
export { SignatureTemplate, type TemplateSignOptions } from './sign.js';
