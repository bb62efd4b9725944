/** Compile-time checks (run by `tsc --noEmit` over the tests): the middleware fit the real framework types. */
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { RedisNonceStore, createVerifier, signetFastify, signetHono, signetMiddleware, type SignetVariables } from '@signet/verifier';

export function typeChecks(): void {
  const verifier = createVerifier({ nonceStore: new RedisNonceStore({ client: new Redis({ lazyConnect: true }) }) });
  express().use(signetMiddleware(verifier));
  void Fastify().register(signetFastify(verifier));
  new Hono<{ Variables: SignetVariables }>().use(signetHono(verifier));
  new Hono().use('*', signetHono(verifier));
}
