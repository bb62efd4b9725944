/**
 * The HTTP answer to a rejected request: status, a JSON body `{ error, message }`, and headers that tell the
 * client what to sign — `Accept-Signature` (RFC 9421 §5.1) and, for AAuth, `Accept-Signature-Scheme`,
 * `Accept-Signature-Alg` and `Signature-Error` (draft-hardt-httpbis-signature-key §4–§6). Never a stack trace.
 * @module
 */
import { SignetError, component, serializeComponent, type SignetErrorCode } from '@signet/core';
import { DiscoveryError } from './discovery/errors.js';
import { AAUTH_ALGORITHMS } from './jose-keys.js';
import type { ResolvedOptions } from './options.js';
import { WEB_BOT_AUTH_TAG } from './profiles/web-bot-auth.js';
import type { Profile } from './types.js';

/** What the verifier learnt about a request before rejecting it, to shape the challenge. */
export interface RejectionContext {
  /** The profile of the signature examined, if it got that far. */
  profile: Profile | undefined;
  hasAuthorization: boolean;
  hasBody: boolean;
}

/** A rejection as an HTTP response. */
export interface FailureResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: SignetErrorCode; readonly message: string };
}

/** The label the challenge asks for. */
const LABEL = 'sig1';

/** Signature-Error tokens (SK-09 §6) for Signet codes; other codes map to `invalid_signature`. */
const SIGNATURE_ERRORS: Partial<Record<SignetErrorCode, string>> = {
  unsupported_algorithm: 'unsupported_algorithm',
  algorithm_mismatch: 'invalid_key',
  invalid_key: 'invalid_key',
  unsupported_scheme: 'unsupported_scheme',
  unknown_key: 'unknown_key',
  issuer_missing: 'issuer_missing',
  issuer_mismatch: 'issuer_mismatch',
  invalid_jwt: 'invalid_jwt',
  expired_jwt: 'expired_jwt',
  invalid_signature_key: 'invalid_request',
  missing_required_component: 'invalid_input',
  token_not_covered: 'invalid_input',
  body_not_covered: 'invalid_input',
  not_yet_valid: 'clock_skew',
};

/** Codes that are not about the signature: no Signature-Error for them. */
const NOT_SIGNATURE_ERRORS = new Set<SignetErrorCode>(['token_not_bound', 'token_key_mismatch', 'token_invalid', 'replay_store_unavailable', 'internal_error', 'body_unavailable', 'body_too_large']);

/** The HTTP status for a code: 503 for the replay store, 500 for server faults, 413 for a body too large, else 401. */
export function statusFor(code: SignetErrorCode): number {
  switch (code) {
    case 'replay_store_unavailable':
      return 503;
    case 'internal_error':
    case 'body_unavailable':
    case 'invalid_configuration':
      return 500;
    case 'body_too_large':
      return 413;
    default:
      return 401;
  }
}

/** Builds the response for a rejection. */
export function failureResponse(error: unknown, context: RejectionContext | undefined, options: ResolvedOptions): FailureResponse {
  const code: SignetErrorCode = error instanceof SignetError ? error.code : 'internal_error';
  const status = statusFor(code);
  const message = status === 500 || !(error instanceof SignetError) ? publicMessage(code) : error instanceof DiscoveryError ? discoveryMessage(error) : error.message;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
  if (status === 503) headers['retry-after'] = '1';
  if (status === 401) {
    const profile = context?.profile ?? options.profiles[0] ?? 'web-bot-auth';
    const components = requestedComponents(profile, context, options);
    headers['accept-signature'] = acceptSignature(profile, components, options);
    if (options.profiles.includes('aauth') && (context?.profile === undefined || context.profile === 'aauth')) {
      headers['accept-signature-scheme'] = options.aauth.schemes.join(', ');
      headers['accept-signature-alg'] = AAUTH_ALGORITHMS.join(', ');
    }
    if (context?.profile === 'aauth' && !NOT_SIGNATURE_ERRORS.has(code)) {
      const token = SIGNATURE_ERRORS[code] ?? 'invalid_signature';
      headers['signature-error'] = token === 'invalid_input' ? `error=invalid_input, required_input=(${components.join(' ')})` : `error=${token}`;
    }
  }
  return { status, headers, body: { error: code, message } };
}

/**
 * Key discovery failures are told to the caller without their detail: the reason can say how this server
 * resolves host names or what its network refuses (an SSRF probe would learn from it). The URL came from the
 * request itself; the detail stays in the decision channel and in the thrown error.
 */
function discoveryMessage(error: DiscoveryError): string {
  if (error.code === 'unknown_key') return `No usable key with this keyid was found at ${error.url}.`;
  return `The agent's keys could not be obtained from ${error.url}.`;
}

function publicMessage(code: SignetErrorCode): string {
  if (code === 'body_unavailable') return 'The request body was consumed before it could be verified (server configuration).';
  return 'The request could not be verified.';
}

/** The components a signature for `profile` must cover on this server, serialized. */
function requestedComponents(profile: Profile, context: RejectionContext | undefined, options: ResolvedOptions): string[] {
  const names: string[] = [];
  if (profile === 'web-bot-auth') names.push('@authority', `"signature-agent";key="${LABEL}"`);
  else if (profile === 'aauth') names.push('@method', '@authority', '@path', 'signature-key');
  else names.push('@authority');
  names.push(...options.requiredComponents[profile]);
  if (context?.hasAuthorization === true) names.push('authorization');
  if (options.requireDigest && context?.hasBody === true) names.push('content-digest');
  const serialized: string[] = [];
  for (const name of names) {
    try {
      const id = serializeComponent(component(name));
      if (!serialized.includes(id)) serialized.push(id);
    } catch {
      // A configured name that is not a component identifier cannot be requested; the policy still requires it.
    }
  }
  return serialized;
}

/** `sig1=("@authority" …);created;expires;keyid;nonce;tag="web-bot-auth"` */
function acceptSignature(profile: Profile, components: readonly string[], options: ResolvedOptions): string {
  const params = ['created'];
  if (profile === 'web-bot-auth') params.push('expires', 'keyid');
  if (profile === 'static') params.push('keyid');
  if (options.requireNonce.has(profile)) params.push('nonce');
  if (profile === 'web-bot-auth') params.push(`tag="${WEB_BOT_AUTH_TAG}"`);
  return `${LABEL}=(${components.join(' ')});${params.join(';')}`;
}
