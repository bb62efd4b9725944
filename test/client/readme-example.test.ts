/**
 * The README's quick start, run for real: an agent with a key file publishes its key directory and
 * signs all of its traffic in one line; an API server discovers the key through Signature-Agent and
 * verifies the request — and a copied bearer token alone gets nowhere.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey, importJwk, keyDirectoryUrl, parseSignatureAgent, verifyMessage, type Jwks } from '@signet/core';
import { createDirectory, fileKeySource, installGlobalSigning } from '@signet/client';
import { plainRequest, startServer, type TestServer } from './support.js';

let dir: string;
let agentOrigin: string;
let closeAgent: () => Promise<void>;
let api: TestServer;
let uninstall: () => void = () => undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-readme-'));
  await writeFile(join(dir, 'agent-key.jwk'), JSON.stringify(exportPrivateJwk(generateKey())));

  // The agent's own origin serves its key directory (README: "Publish your keys").
  const directory = createDirectory({ keys: fileKeySource(join(dir, 'agent-key.jwk')) });
  const agentServer = createServer((req, res) => directory.node(req, res));
  await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', resolve));
  agentOrigin = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`;
  closeAgent = () => new Promise((resolve) => agentServer.close(() => resolve()));

  // The API: verifies with the keys found through Signature-Agent (what @signet/verifier automates).
  api = await startServer(async (req, res) => {
    try {
      const [agent] = parseSignatureAgent(String(req.headers['signature-agent']));
      const jwks = (await (await fetch(keyDirectoryUrl(agent!))).json()) as Jwks;
      const verified = await verifyMessage(plainRequest(req), {
        key: (input) => importJwk(jwks.keys.find((k) => k.kid === input.params.keyid)!),
        tag: 'web-bot-auth',
        keyidIsThumbprint: true,
        requiredComponents: ['@authority', 'authorization', `"signature-agent";key="${agent!.label}"`],
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ agent: agent!.uri, keyid: verified.params.keyid }));
    } catch (error) {
      res.writeHead(401);
      res.end((error as { code?: string }).code ?? 'error');
    }
  });
});

afterAll(async () => {
  uninstall();
  await api.close();
  await closeAgent();
  await rm(dir, { recursive: true, force: true });
});

it('the quick start runs: one line signs every request, the API verifies it, a copied token alone is refused', async () => {
  const keyFile = join(dir, 'agent-key.jwk');
  const token = 'secret-token';

  // --- README quick start -------------------------------------------------------------------
  uninstall = installGlobalSigning({ key: fileKeySource(keyFile), profile: { name: 'web-bot-auth', signatureAgent: agentOrigin } });

  const res = await fetch(`${api.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"sku":42}' });
  // ------------------------------------------------------------------------------------------
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ agent: agentOrigin });

  // The same token without the key: the attacker's request carries no signature.
  uninstall();
  uninstall = () => undefined;
  const stolen = await fetch(`${api.url}/v1/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"sku":42}' });
  expect(stolen.status).toBe(401);
});
