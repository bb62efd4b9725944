import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, hasPrivateMembers, importJwk, readSignatures, MessageView, verifyDigest, verifyMessage, type Jwk, type Jwks, type SignetKey } from '@signet/core';
import {
  DIRECTORY_MEDIA_TYPE,
  DIRECTORY_PATH,
  createDirectory,
  createSignatureAgentCard,
  fileKeySource,
  rotatingKeySource,
  staticKey,
  type Directory,
} from '@signet/client';
import { rfc9421, webBotAuth } from '../support/vectors.js';
import { vectorKey } from '../support/keys.js';

const vector = webBotAuth.directory()[0]!;
const vectorPrivate = vectorKey(rfc9421(), 'test-key-ed25519', 'private');

function pair(url: string, response: { status: number; headers: Headers | Record<string, string> }) {
  return { request: { method: 'GET', url, headers: {} }, response };
}

async function verifyDirectory(url: string, response: Response, keys: readonly SignetKey[], now?: number) {
  const body = await response.text();
  verifyDigest(response.headers.get('content-digest') ?? '', body);
  const view = MessageView.from(pair(url, { status: response.status, headers: response.headers }));
  const { inputs } = readSignatures(view);
  const results = [];
  for (const input of inputs) {
    results.push(
      await verifyMessage(view, {
        label: input.label,
        key: (i) => keys.find((k) => k.thumbprint === i.params.keyid) ?? (() => { throw new Error('unknown key'); })(),
        tag: 'http-message-signatures-directory',
        keyidIsThumbprint: true,
        requiredComponents: ['"@authority";req', 'content-digest'],
        requiredParams: ['created', 'expires', 'keyid', 'alg', 'tag'],
        ...(now === undefined ? {} : { now }),
      }),
    );
  }
  return { body: JSON.parse(body) as Jwks, results };
}

describe('createDirectory: the shape of directory_response_v1.json', () => {
  it('same body and digest as the vector, and the same signature base but for created/expires', async () => {
    const created = 1_735_689_600;
    const directory = createDirectory({ keys: vectorPrivate, now: () => created, signatureTtl: 300 });
    const response = await directory.fetch(new Request(vector.request.target_url, { headers: vector.request.headers }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(vector.response.headers['content-type']);
    expect(response.headers.get('content-digest')).toBe(vector.response.headers['content-digest']);
    const signatureInput = response.headers.get('signature-input');
    expect(signatureInput).toBe(vector.response.headers['Signature-Input']!.replace('expires=4889289600', `expires=${created + 300}`));
    const { body, results } = await verifyDirectory(vector.request.target_url, response, [importJwk(vector.public_key as Jwk)], created);
    expect(JSON.stringify(body)).toBe(vector.response.body);
    expect(results[0]!.base).toBe(vector.signature_base.replace('expires=4889289600', `expires=${created + 300}`));
    expect(results[0]!.label).toBe('binding0');
  });
});

describe('createDirectory served over node:http', () => {
  let directory: Directory;
  let url: string;
  let now = 1_800_000_000;
  const k1 = generateKey();
  const k2 = generateKey('ecdsa-p256-sha256');
  const errors: unknown[] = [];
  let close: () => Promise<void>;

  beforeAll(async () => {
    directory = createDirectory({
      keys: rotatingKeySource({
        keys: [
          { key: k1, notBefore: now - 1000, notAfter: now + 1000 },
          { key: k2, notBefore: now + 500, notAfter: now + 5000 },
        ],
        publishAheadSeconds: 3600,
        graceSeconds: 600,
        now: () => now,
      }),
      now: () => now,
      signatureTtl: 300,
      maxAge: 3600,
      onError: (e) => errors.push(e),
    });
    const server = createServer((req, res) =>
      directory.node(req, res, () => {
        res.writeHead(418);
        res.end('next');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  it('serves the JWKS (public members, kid = thumbprint, use sig, nbf/exp) with one valid signature per key', async () => {
    const response = await fetch(`${url}${DIRECTORY_PATH}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(DIRECTORY_MEDIA_TYPE);
    const { body, results } = await verifyDirectory(`${url}${DIRECTORY_PATH}`, response, [k1.toPublic(), k2.toPublic()], now);
    expect(body.keys.map((k) => k.kid)).toEqual([k1.thumbprint, k2.thumbprint]);
    expect(body.keys.every((k) => !hasPrivateMembers(k) && k.use === 'sig')).toBe(true);
    expect(body.keys.map((k) => [k.nbf, k.exp])).toEqual([
      [now - 1000, now + 1600],
      [now + 500, now + 5600],
    ]);
    expect(results.map((r) => r.label)).toEqual(['binding0', 'binding1']);
    expect(results.map((r) => r.alg)).toEqual(['ed25519', 'ecdsa-p256-sha256']);
  });

  it('derives max-age from the remaining signature lifetime and re-signs before expiry, by itself', async () => {
    const start = now;
    let lastCreated = 0;
    let resigned = 0;
    for (let t = 0; t <= 900; t += 30) {
      now = start + t;
      const response = await fetch(`${url}${DIRECTORY_PATH}`);
      const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
      const { results } = await verifyDirectory(`${url}${DIRECTORY_PATH}`, response, [k1.toPublic(), k2.toPublic()], now);
      const { created, expires } = results[0]!.params as { created: number; expires: number };
      if (created !== lastCreated) resigned++;
      lastCreated = created;
      // A cache that keeps the response for max-age never serves it after its signatures expired.
      expect(now + maxAge).toBeLessThan(expires);
      expect(expires - now).toBeGreaterThan(150 - 1);
      expect(maxAge).toBeGreaterThan(0);
    }
    expect(resigned).toBeGreaterThanOrEqual(5);
    now = start;
  });

  it('answers HEAD without a body, 405 to other methods, and hands other paths to next()', async () => {
    const head = await fetch(`${url}${DIRECTORY_PATH}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('signature')).toMatch(/^binding0=:/);
    expect(await head.text()).toBe('');
    const post = await fetch(`${url}${DIRECTORY_PATH}`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${url}/other`)).status).toBe(418);
  });

  it('signs for the authority the request asked for', async () => {
    const response = await directory.fetch(new Request(`https://agent.example${DIRECTORY_PATH}`));
    await expect(verifyDirectory(`https://agent.example${DIRECTORY_PATH}`, response.clone(), [k1.toPublic(), k2.toPublic()], now)).resolves.toBeTruthy();
    await expect(verifyDirectory(`https://evil.example${DIRECTORY_PATH}`, response, [k1.toPublic(), k2.toPublic()], now)).rejects.toMatchObject({ code: 'signature_invalid' });
  });
});

describe('createDirectory: options and failures', () => {
  it('authorities: serves only the listed ones (421 for others)', async () => {
    const directory = createDirectory({ keys: generateKey(), authorities: ['agent.example'] });
    expect((await directory.fetch(new Request(`https://agent.example${DIRECTORY_PATH}`))).status).toBe(200);
    expect((await directory.fetch(new Request(`https://other.example${DIRECTORY_PATH}`))).status).toBe(421);
    expect((await directory.fetch(new Request('https://agent.example/elsewhere'))).status).toBe(404);
  });

  it('re-signs at once when the published key set changes (a rotated key file)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { exportPrivateJwk } = await import('@signet/core');
    const dir = await mkdtemp(join(tmpdir(), 'signet-dir-'));
    const path = join(dir, 'key.jwk');
    const a = generateKey();
    const b = generateKey();
    await writeFile(path, JSON.stringify(exportPrivateJwk(a)));
    const directory = createDirectory({ keys: fileKeySource(path, { pollMs: 0 }) });
    const first = await (await directory.fetch(new Request(`https://agent.example${DIRECTORY_PATH}`))).json();
    expect(first.keys.map((k: Jwk) => k.kid)).toEqual([a.thumbprint]);
    await writeFile(path, JSON.stringify(exportPrivateJwk(b)));
    const response = await directory.fetch(new Request(`https://agent.example${DIRECTORY_PATH}`));
    const { body, results } = await verifyDirectory(`https://agent.example${DIRECTORY_PATH}`, response, [a.toPublic(), b.toPublic()]);
    expect(body.keys.map((k) => k.kid)).toEqual([b.thumbprint, a.thumbprint]);
    expect(results.map((r) => r.params.keyid)).toEqual([b.thumbprint, a.thumbprint]);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 without details when no key can be loaded, and reports the error to onError', async () => {
    const errors: unknown[] = [];
    const directory = createDirectory({ keys: fileKeySource('/nonexistent/signet.jwk'), onError: (e) => errors.push(e) });
    const response = await directory.fetch(new Request(`https://agent.example${DIRECTORY_PATH}`));
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('Key directory temporarily unavailable');
    expect(errors).toEqual([expect.objectContaining({ code: 'key_unavailable' })]);
  });

  it('refuses bad options', () => {
    expect(() => createDirectory({ keys: [] })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    expect(() => createDirectory({ keys: generateKey(), signatureTtl: 90_000 })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    expect(() => createDirectory({ keys: generateKey(), maxAge: -1 })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
  });

  it('jwks() gives the published set', async () => {
    const key = generateKey();
    const directory = createDirectory({ keys: [staticKey(key), generateKey()] });
    expect((await directory.jwks()).keys[0]).toEqual({ kty: 'OKP', crv: 'Ed25519', kid: key.thumbprint, x: key.publicJwk().x, use: 'sig' });
  });
});

describe('createSignatureAgentCard', () => {
  it('rebuilds the valid vector cards', () => {
    for (const v of webBotAuth.agentCard().filter((c) => c.valid)) {
      const card = v.card as Record<string, unknown>;
      const built = createSignatureAgentCard({
        url: v.url,
        ...(card.client_name === undefined ? {} : { name: card.client_name as string }),
        ...(card.contacts === undefined ? {} : { contacts: card.contacts as string[] }),
        ...(card.jwks === undefined ? {} : { keys: (card.jwks as Jwks).keys }),
        ...(card.jwks_uri === undefined ? {} : { jwksUri: card.jwks_uri as string }),
        ...(card.web_bot_auth === undefined ? {} : { webBotAuth: card.web_bot_auth as Record<string, unknown> }),
      });
      const expected = card.jwks === undefined ? card : { ...card, jwks: { keys: (card.jwks as Jwks).keys.map((k) => ({ ...k, kid: importJwk(k).thumbprint })) } };
      expect(built).toEqual(expected);
    }
  });

  it('writes public halves only (kid = thumbprint), and enforces the registry rules', () => {
    const key = generateKey();
    const card = createSignatureAgentCard({ url: 'https://agent.example/card', name: 'Agent', keys: [key] });
    expect(card.jwks?.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', kid: key.thumbprint, x: key.publicJwk().x, use: 'sig' }]);
    expect(() => createSignatureAgentCard({ url: 'https://agent.example/card', keys: [key], jwksUri: 'https://agent.example/jwks' })).toThrow(
      expect.objectContaining({ code: 'invalid_signature_agent_card', message: expect.stringContaining('card must not contain both jwks and jwks_uri') }),
    );
    expect(() => createSignatureAgentCard({ url: 'https://agent.example/card' })).toThrow(expect.objectContaining({ code: 'invalid_signature_agent_card' }));
    expect(() => createSignatureAgentCard({ url: 'https://agent.example/card', jwksUri: 'http://agent.example/jwks' })).toThrow(
      expect.objectContaining({ code: 'invalid_signature_agent_card' }),
    );
    // client_id is always the card's URL, whatever `extra` says.
    expect(createSignatureAgentCard({ url: 'https://agent.example/card', jwksUri: 'https://agent.example/jwks', extra: { client_id: 'https://other.example' } }).client_id).toBe(
      'https://agent.example/card',
    );
  });
});
