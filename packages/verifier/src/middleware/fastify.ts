/**
 * A Fastify plugin: `app.register(signetFastify(verifier))`, then `request.agent`.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { VerifiedAgent, VerifiedRequest } from '../types.js';
import { verifierOf, type VerifierInput } from './shared.js';

/** The part of a Fastify request the plugin uses. */
interface FastifyRequestLike {
  raw: IncomingMessage;
  agent: VerifiedAgent | null;
  signet: VerifiedRequest | null;
}

/** The part of a Fastify reply the plugin uses. */
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload: string): FastifyReplyLike;
}

/** The part of a Fastify instance the plugin uses. */
interface FastifyInstanceLike {
  decorateRequest(name: string, value: null): unknown;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>): unknown;
}

/** A Fastify plugin function (not encapsulated: it protects every route of the instance it is registered on). */
export type SignetFastifyPlugin = ((instance: unknown, options: unknown) => Promise<void>) & { [key: symbol]: unknown };

/**
 * A Fastify plugin that verifies every request in an `onRequest` hook (before the body is parsed; a covered
 * Content-Digest is checked on the raw stream, which the parser then reads as usual). Success decorates
 * `request.agent` and `request.signet`; failure replies 401/503 with `{ error, message }`.
 */
export function signetFastify(input: VerifierInput): SignetFastifyPlugin {
  const verifier = verifierOf(input);
  const plugin = async (instance: unknown): Promise<void> => {
    const fastify = instance as FastifyInstanceLike;
    fastify.decorateRequest('agent', null);
    fastify.decorateRequest('signet', null);
    fastify.addHook('onRequest', async (request, reply) => {
      try {
        const verified = await verifier.verify(request.raw);
        request.agent = verified.agent;
        request.signet = verified;
        return undefined;
      } catch (error) {
        const failure = verifier.failureResponse(error);
        return reply.code(failure.status).headers({ ...failure.headers }).send(JSON.stringify(failure.body));
      }
    });
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@signet/verifier' });
}
