/**
 * The error every discovery failure is: a {@link VerificationError} that also names the URL.
 * @module
 */
import { VerificationError, type SignetErrorCode } from '@signet/core';

/** Codes that key discovery throws. */
export type DiscoveryErrorCode =
  | 'unknown_key'
  | 'directory_unavailable'
  | 'directory_invalid'
  | 'directory_too_large'
  | 'directory_signature_invalid'
  | 'fetch_not_allowed'
  | 'invalid_signature_agent_card'
  | 'invalid_signature_agent';

/** A key discovery failure. `code` is stable; `message` names the URL and the reason. */
export class DiscoveryError extends VerificationError {
  /** The URL that was being fetched or searched. */
  readonly url: string;
  /** What went wrong, without the URL. */
  readonly reason: string;
  /** For a 429 or 503 answer: the `Retry-After` delay in seconds, when the server sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: DiscoveryErrorCode & SignetErrorCode, url: string, reason: string, options?: { cause?: unknown; retryAfterSeconds?: number | undefined }) {
    super(code, `${url}: ${reason}`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DiscoveryError';
    this.url = url;
    this.reason = reason;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}
