/**
 * node:http / connect / Express middleware: `(req, res, next)`.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { VerifiedAgent, VerifiedRequest } from '../types.js';
import { Verifier, verifyNow } from '../verifier.js';
import { verifierOf, type VerifierInput } from './shared.js';

/** A node request after the middleware accepted it. */
export type SignetIncomingMessage = IncomingMessage & { agent?: VerifiedAgent; signet?: VerifiedRequest };

/** The connect / Express `next`. */
export type NextFunction = (error?: unknown) => void;

/**
 * Verifies every request; on success sets `req.agent` (the verified agent) and `req.signet` (the whole result) and
 * calls `next()`; on failure answers 401 (503 when the replay store is down) with `{ error, message }` and
 * `Accept-Signature`, and does not call `next`.
 *
 * ```ts
 * app.use(signetMiddleware(verifier));                       // Express, connect
 * http.createServer((req, res) => mw(req, res, () => app(req, res)));   // node:http
 * ```
 */
export function signetMiddleware(input: VerifierInput): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  const verifier = verifierOf(input);
  // A subclass that overrides verify() is always asked through it.
  const direct = verifier.verify === Verifier.prototype.verify;
  const accept = (req: IncomingMessage, result: VerifiedRequest, next: NextFunction): void => {
    const accepted = req as SignetIncomingMessage;
    accepted.agent = result.agent;
    accepted.signet = result;
    next();
  };
  const refuse = (res: ServerResponse, error: unknown): void => {
    const failure = verifier.failureResponse(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(failure.status, failure.headers);
    res.end(JSON.stringify(failure.body));
  };
  return (req, res, next) => {
    let outcome: VerifiedRequest | Promise<VerifiedRequest>;
    try {
      outcome = direct ? verifier[verifyNow](req) : verifier.verify(req);
    } catch (error) {
      refuse(res, error);
      return;
    }
    // Settled already (the common case): next() now, without a promise and a microtask turn per request.
    if (outcome instanceof Promise) outcome.then((result) => accept(req, result, next), (error: unknown) => refuse(res, error));
    else accept(req, outcome, next);
  };
}
