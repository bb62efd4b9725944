/**
 * Hono middleware: `app.use(signetHono(verifier))`, then `c.get('agent')`.
 * @module
 */
import type { VerifiedAgent, VerifiedRequest } from '../types.js';
import { verifierOf, type VerifierInput } from './shared.js';

/** The part of a Hono `Context` the middleware uses. */
export interface HonoContextLike {
  req: { raw: Request };
  set(key: 'agent', value: VerifiedAgent): void;
  set(key: 'signet', value: VerifiedRequest): void;
}

/** The variables the middleware sets, for `new Hono<{ Variables: SignetVariables }>()`. */
export interface SignetVariables {
  agent: VerifiedAgent;
  signet: VerifiedRequest;
}

/**
 * Verifies every request; on success sets `c.get('agent')` and `c.get('signet')` (and, when the body was read for
 * its digest, replaces `c.req.raw` by a copy with the same bytes) and calls `next()`; otherwise returns the
 * 401/503 JSON answer.
 */
export function signetHono(input: VerifierInput): (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined> {
  const verifier = verifierOf(input);
  return async (c, next) => {
    let verified: VerifiedRequest;
    try {
      verified = await verifier.verify(c.req.raw);
    } catch (error) {
      const failure = verifier.failureResponse(error);
      return new Response(JSON.stringify(failure.body), { status: failure.status, headers: failure.headers });
    }
    if (verified.request !== undefined && verified.request !== c.req.raw) c.req.raw = verified.request;
    c.set('agent', verified.agent);
    c.set('signet', verified);
    await next();
    return undefined;
  };
}
