/** Compile-time check of the README examples (run by `tsc --noEmit` over the tests; never executed). */
import http from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { RedisNonceStore, createVerifier, signetFastify, signetHono, signetMiddleware, withSignet, type SignetIncomingMessage, type SignetVariables, type VerifiedAgent } from '@signet/verifier';

declare module 'fastify' {
  interface FastifyRequest {
    agent: VerifiedAgent | null;
  }
}

export async function readmeExamples(): Promise<unknown> {
  const verifier = createVerifier({
    nonceStore: new RedisNonceStore({ client: new Redis({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }) }),
  });

  const guard = signetMiddleware(verifier);
  http.createServer((req, res) =>
    guard(req, res, () => {
      const { agent } = req as SignetIncomingMessage;
      res.end(`hello ${agent!.id}`);
    }),
  );

  const app = express();
  app.use(signetMiddleware(verifier));
  app.use(express.json());
  app.post('/orders', (req, res) => res.json({ agent: (req as SignetIncomingMessage).agent!.id, order: req.body }));

  const fastify = Fastify();
  await fastify.register(signetFastify(verifier));
  fastify.get('/data', async (request) => ({ agent: request.agent!.id }));

  const hono = new Hono<{ Variables: SignetVariables }>();
  hono.use(signetHono(verifier));
  hono.get('/data', (c) => c.json({ agent: c.get('agent').id }));

  return withSignet(verifier, async (_request, verified) => Response.json({ agent: verified.agent.id }));
}
