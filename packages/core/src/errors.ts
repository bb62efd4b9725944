/**
 * Every error Signet throws is a {@link SignetError} with a stable string `code`.
 * Codes are part of the public API: they never change meaning once published.
 * @module
 */

/** What each error code means. The README's error table is generated from the same words. */
export const ERROR_CODES = {
  invalid_message: 'The HTTP message could not be read: a malformed raw message, method, URL, status or header.',
  invalid_component: 'A component identifier is malformed, or carries a parameter it does not allow.',
  unknown_component: 'A derived component (one starting with "@") that RFC 9421 does not define.',
  unsupported_component: 'A component Signet deliberately does not support (trailers, `;tr`).',
  missing_component: 'A covered component is absent from the message (a header, a dictionary member, a query parameter, the request of a response).',
  duplicate_component: 'The same component identifier is listed twice in one signature.',
  invalid_signature_input: 'The Signature-Input field is not a valid structured Dictionary of inner lists, or a parameter has the wrong type.',
  invalid_signature_field: 'The Signature field is not a valid structured Dictionary of byte sequences.',
  duplicate_label: 'A signature label appears twice across the Signature-Input or Signature fields.',
  missing_signature: 'No signature matches: the message is unsigned, the label is absent from Signature-Input or Signature, or no signature has the required tag.',
  missing_parameter: 'A signature parameter the policy requires (created, expires, nonce, keyid, alg, tag) is absent.',
  invalid_parameter: 'A signature parameter has a value the policy rejects (a tag or keyid that does not match, a nonce that is too short).',
  not_yet_valid: 'The signature was created in the future, beyond the allowed clock skew.',
  expired: 'The signature expired (expires is in the past, beyond the allowed clock skew).',
  lifetime_exceeded: 'expires - created (or the age of a signature without expires) exceeds the maximum lifetime.',
  missing_required_component: 'The policy requires a component that this signature does not cover.',
  unsupported_algorithm: 'The algorithm is unknown, not enabled, not supported by this backend, or cannot be determined for the key.',
  algorithm_mismatch: 'The alg parameter does not match the key (algorithm confusion is refused, never resolved by fallback).',
  invalid_key: 'A key could not be imported, or is of the wrong kind (a public key where a private key is needed).',
  signature_invalid: 'The cryptographic check failed: the signature does not match the signature base and key.',
  invalid_digest: 'A Content-Digest or Repr-Digest field is not a valid Dictionary of byte sequences.',
  unsupported_digest_algorithm: 'A digest field names no algorithm Signet knows (sha-256, sha-512).',
  digest_mismatch: 'The body does not match its Content-Digest.',
  invalid_signature_agent: 'The Signature-Agent field is malformed: not a Dictionary of URI strings, or an unknown type.',
  invalid_signature_agent_card: 'A Signature Agent Card breaks the registry rules.',
  invalid_signature_key: 'The Signature-Key field is not a Dictionary of scheme tokens with parameters.',
  unknown_key: 'No usable key matches the signature: its keyid is neither a kid nor a JWK thumbprint of the key set given or discovered (after the rate-limited re-fetch), or the key is outside its nbf/exp window.',
  invalid_usage: 'The signet command line is wrong: an unknown command or option, a missing or malformed argument.',
  unreadable_input: 'A file or standard input could not be read (missing, a directory, not permitted, or empty).',
  network_error: 'signet fetch got no response: the connection was refused or reset, the host name did not resolve, TLS failed, or the time limit (--timeout) passed.',
  http_error: 'signet fetch got a response whose status is not 2xx (the status and the body are printed).',
  directory_unavailable: 'A key directory, JWKS or metadata document could not be fetched: network error, DNS failure, timeout, or a status other than 200.',
  directory_invalid: 'A fetched key directory, JWKS or metadata document is malformed: wrong media type, invalid JSON, not a JWK Set, private key members, too many keys.',
  directory_too_large: 'A fetched key directory, JWKS or metadata document is larger than the body size cap.',
  directory_signature_invalid: 'A key directory response lacks a valid signature of its own (tag "http-message-signatures-directory") by a key it publishes.',
  fetch_not_allowed: 'Key discovery refused to fetch a URL: not https:, a private, loopback or link-local address, credentials in the URL, or a redirect.',
  invalid_configuration: 'A signer, key source or directory option is missing, of the wrong type, or outside its allowed range (e.g. a signature TTL above 24 hours).',
  key_unavailable: 'The key source has no valid signing key: the key file is missing, half-written or invalid and no earlier key was loaded, or no key of a rotation plan is active now.',
  body_too_large: 'A request body is larger than maxBodyBytes: a client neither signed nor sent it; a verifier refused it without buffering more.',
  redirect_failed: 'A redirect could not be followed: more than maxRedirects hops, redirect mode "error", or a Location that is not an http(s) URL.',
  replayed: 'The nonce was already used with this key within the signature\'s validity window: the request is a replay.',
  replay_store_unavailable: 'The replay (nonce) store failed or could not be reached: the request is refused rather than accepted without a replay check (HTTP 503).',
  token_not_covered: 'The request carries an Authorization header that its signature does not cover.',
  token_not_bound: 'The Authorization token is bound to no key (no cnf claim, no binding from resolveTokenBinding) and unbound tokens are refused.',
  token_key_mismatch: 'The Authorization token is bound (cnf.jkt, cnf.jwk or introspection) to a different key than the one that signed the request.',
  token_invalid: 'The Authorization token could not be parsed, failed the configured validation (signature, issuer, audience, expiry), or introspection failed.',
  unsupported_scheme: 'The Signature-Key member of the signature names a scheme this verifier does not implement or accept.',
  issuer_missing: 'Metadata fetched for a Signature-Key jwks_uri or jwt scheme has no issuer member.',
  issuer_mismatch: 'The issuer of fetched metadata is not, byte for byte, the id (or iss) it was fetched for.',
  invalid_jwt: 'An agent token in Signature-Key (jwt, jkt-jwt) is malformed, or its typ, issuer, key, signature or claims are invalid.',
  expired_jwt: 'An agent token in Signature-Key (jwt, jkt-jwt) has expired.',
  unsupported_profile: 'The signature belongs to a profile (web-bot-auth, aauth, static) that this verifier does not accept.',
  missing_signature_agent: 'A Web Bot Auth signature comes with no Signature-Agent, and its key is not one of the statically trusted keys.',
  body_not_covered: 'The request has a body but its signature does not cover Content-Digest, which the verifier policy requires.',
  body_unavailable: 'The request body was consumed before the verifier could check its Content-Digest (mount the verifier before body parsers, or pass the body).',
  internal_error: 'An unexpected failure inside the verifier: the request was refused (fail closed).',
} as const;

/** A stable, documented error code. */
export type SignetErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link SignetError}. */
export interface SignetErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The one error class family of Signet. `code` is stable; `message` says what was wrong and where.
 */
export class SignetError extends Error {
  /** The stable machine-readable code. */
  readonly code: SignetErrorCode;

  constructor(code: SignetErrorCode, message: string, options?: SignetErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'SignetError';
  }

  /** A JSON-safe view: code and message, never a stack or a key. */
  toJSON(): { code: SignetErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/**
 * A signature did not verify, or the message breaks the verification policy.
 * Thrown by `verifyMessage` and by `@signet/verifier`.
 */
export class VerificationError extends SignetError {
  constructor(code: SignetErrorCode, message: string, options?: SignetErrorOptions) {
    super(code, message, options);
    this.name = 'VerificationError';
  }
}

/** True when `value` is a Signet error, optionally with the given code. */
export function isSignetError(value: unknown, code?: SignetErrorCode): value is SignetError {
  return value instanceof SignetError && (code === undefined || value.code === code);
}
