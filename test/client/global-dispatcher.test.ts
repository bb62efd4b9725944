import { afterAll, beforeAll, expect, it } from 'vitest';
import { getGlobalDispatcher, request } from 'undici';
import { generateKey } from '@signet/core';
import { installGlobalSigning } from '@signet/client';
import { verifyingServer, type TestServer } from './support.js';

const priv = generateKey();
let server: TestServer;
let other: TestServer;
let restore: () => void;
const previous = getGlobalDispatcher();

beforeAll(async () => {
  server = await verifyingServer(() => [priv.toPublic()]);
  other = await verifyingServer(() => [priv.toPublic()]);
  restore = installGlobalSigning({ key: priv, profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
});
afterAll(async () => {
  restore();
  await server.close();
  await other.close();
});

it('one line signs the whole process: undici.request and Node global fetch go through the signing global dispatcher', async () => {
  const res = await request(`${server.url}/a`, { method: 'POST', body: 'x' });
  expect(await res.body.json()).toMatchObject({ ok: true, digestOk: true, covered: expect.arrayContaining(['"signature-agent";key="sig1"']) });
  const response = await fetch(`${server.url}/b?q=1`, { method: 'POST', body: JSON.stringify({ y: 1 }), headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
  expect(await response.json()).toMatchObject({ ok: true, digestOk: true, covered: expect.arrayContaining(['"authorization"', '"content-type"', '"@query"']) });
});

it("global fetch's own redirects are signed hop by hop", async () => {
  const before = other.checks.length;
  const response = await fetch(`${server.url}/redirect?status=307&to=${encodeURIComponent(`${other.url}/there`)}`, { method: 'PUT', body: 'again' });
  expect(await response.json()).toMatchObject({ ok: true, digestOk: true, method: 'PUT' });
  expect(other.checks.slice(before)).toHaveLength(1);
});

it('restore() puts the previous global dispatcher back', () => {
  restore();
  expect(getGlobalDispatcher()).toBe(previous);
  restore = installGlobalSigning({ key: priv });
});
