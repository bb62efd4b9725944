/**
 * End to end: an agent signs with @signet/client (signedFetch) and publishes its key directory (createDirectory);
 * an Express API verifies with @signet/verifier and real key discovery over loopback (http allowed for tests).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { SignJWT } from 'jose';
import { exportPrivateJwk, generateKey } from '@signet/core';
import { createDirectory, signedFetch } from '@signet/client';
import { KeyDiscovery, createVerifier, signetMiddleware, type SignetIncomingMessage, type Verifier } from '@signet/verifier';
import { signAAuth } from '../../packages/verifier/test/support/sign.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('signedFetch → Express with signetMiddleware and real key discovery', () => {
  const agentKey = generateKey('ed25519');
  const servers: Server[] = [];
  let agentOrigin = '';
  let api = '';
  let verifier: Verifier;

  beforeAll(async () => {
    // The agent's origin: its key directory, and AAuth metadata + JWKS.
    const directory = createDirectory({ keys: agentKey });
    const agentServer = createServer((req, res) => {
      if (req.url === '/.well-known/aauth-agent') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ issuer: agentOrigin, jwks_uri: `${agentOrigin}/jwks.json` }));
      }
      if (req.url === '/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' });
        return res.end(JSON.stringify({ keys: [{ ...agentKey.publicJwk(), kid: 'agent-1', alg: 'Ed25519' }] }));
      }
      directory.node(req, res, () => res.writeHead(404).end());
    });
    servers.push(agentServer);
    agentOrigin = await listen(agentServer);

    verifier = createVerifier({ discovery: { allowHttp: true, allowedHosts: ['127.0.0.1'] } });
    const app = express();
    app.use(signetMiddleware(verifier));
    app.use(express.json());
    app.use((req, res) => {
      const r = req as unknown as SignetIncomingMessage;
      res.json({ agent: r.agent, body: req.body ?? null, token: r.signet?.token ?? null });
    });
    const apiServer = createServer(app);
    servers.push(apiServer);
    api = await listen(apiServer);
  });

  afterAll(async () => {
    await verifier.close();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => { s.closeAllConnections(); s.close(() => resolve()); })));
  });

  it('web-bot-auth: the directory is discovered (signed, cached) and the agent is attributed to its origin', async () => {
    const fetchSigned = signedFetch({ key: agentKey, profile: { name: 'web-bot-auth', signatureAgent: agentOrigin } });
    for (let i = 0; i < 3; i++) {
      const response = await fetchSigned(`${api}/orders/${i}?q=x`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { agent: { id: string } }).agent).toMatchObject({ id: agentOrigin, thumbprint: agentKey.thumbprint, profile: 'web-bot-auth' });
    }
    const post = await fetchSigned(`${api}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sku: 'a', qty: 2 }) });
    expect(post.status).toBe(200);
    expect(((await post.json()) as { body: unknown }).body).toEqual({ sku: 'a', qty: 2 });
    // One directory fetch (with its signatures checked); the other lookups come from the cache.
    const stats = (verifier.discovery as KeyDiscovery).stats();
    expect(stats.fetches).toBe(1);
    expect(stats.cacheHits).toBeGreaterThanOrEqual(3);
  });

  it('web-bot-auth: a bound token signed over by its owner is accepted; the same token from another agent is not', async () => {
    const token = await new SignJWT({ cnf: { jkt: agentKey.thumbprint } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('test-secret-test-secret'));
    const owner = signedFetch({ key: agentKey, profile: { name: 'web-bot-auth', signatureAgent: agentOrigin } });
    const ok = await owner(`${api}/account`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { token: unknown }).token).toMatchObject({ binding: 'cnf.jkt' });

    const thief = signedFetch({ key: generateKey('ed25519'), profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } } });
    const refused = await thief(`${api}/account`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'token_key_mismatch' });
  });

  it('aauth: hwk (pseudonymous), jwks_uri (metadata then JWKS) and jkt-jwt from the client all verify', async () => {
    const hwk = await signedFetch({ key: agentKey, profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } } })(`${api}/a`);
    expect(((await hwk.json()) as { agent: unknown }).agent).toMatchObject({ id: `urn:jkt:sha-256:${agentKey.thumbprint}`, pseudonymous: true });

    // (The client insists on an https: id, so this one is signed with core directly: discovery is what is tested.)
    const spec = await signAAuth({ url: `${api}/b`, key: agentKey, scheme: 'jwks_uri', params: { id: agentOrigin, dwk: 'aauth-agent', kid: 'agent-1' }, created: Math.floor(Date.now() / 1000) });
    const viaMetadata = await fetch(spec.url, { headers: spec.headers });
    expect(viaMetadata.status).toBe(200);
    expect(((await viaMetadata.json()) as { agent: unknown }).agent).toMatchObject({ id: agentOrigin, keyid: 'agent-1', scheme: 'jwks_uri' });

    const enclave = generateKey('ecdsa-p256-sha256');
    const jkt = await signedFetch({ key: agentKey, profile: { name: 'aauth', signatureKey: { scheme: 'jkt-jwt', issuerKey: exportPrivateJwk(enclave) } } })(`${api}/c`);
    expect(jkt.status).toBe(200);
    expect(((await jkt.json()) as { agent: unknown }).agent).toMatchObject({ id: `urn:jkt:sha-256:${enclave.thumbprint}`, pseudonymous: true, scheme: 'jkt-jwt' });
  });

  it('an agent whose directory does not publish the key is refused (unknown_key)', async () => {
    const stranger = signedFetch({ key: generateKey('ed25519'), profile: { name: 'web-bot-auth', signatureAgent: agentOrigin } });
    const response = await stranger(`${api}/x`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unknown_key' });
  });
});
