/**
 * A wrapper for any `(Request) => Response` handler (Deno, Bun, workers, undici servers, Next.js route handlers).
 * @module
 */
import type { VerifiedRequest } from '../types.js';
import { verifierOf, type VerifierInput } from './shared.js';

/** A handler that receives the verified request. */
export type SignedHandler = (request: Request, verified: VerifiedRequest) => Response | Promise<Response>;

/**
 * Wraps `handler`: it runs only for verified requests, and gets the request (a fresh copy when the body was read
 * for its digest) and the verification result; others get the 401/503 JSON answer.
 */
export function withSignet(input: VerifierInput, handler: SignedHandler): (request: Request) => Promise<Response> {
  const verifier = verifierOf(input);
  return async (request) => {
    let verified: VerifiedRequest;
    try {
      verified = await verifier.verify(request);
    } catch (error) {
      const failure = verifier.failureResponse(error);
      return new Response(JSON.stringify(failure.body), { status: failure.status, headers: failure.headers });
    }
    return handler(verified.request ?? request, verified);
  };
}
