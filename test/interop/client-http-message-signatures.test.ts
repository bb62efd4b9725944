/**
 * Interop with `http-message-signatures` (dhensby, 1.0.6), an independent RFC 9421 implementation:
 * - requests from signedFetch (every algorithm, every profile, bodies, Authorization) verified by
 *   its `httpbis.verifyMessage` on a loopback server;
 * - responses signed by its `httpbis.signMessage` (bound to the request with `;req`) verified by
 *   signedFetch's `verifyResponse`.
 * Its quirks (see /tmp/notes/peers.md): headers must be a plain object; `verifyMessage` returns
 * false/null rather than throwing, so we test `=== true`; it signs RSA-PSS with the maximum salt
 * (core verifies any salt length); it does not check Content-Digest, so the server checks it itself.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, createVerifier, httpbis } from 'http-message-signatures';
import { SignetKey, generateKey, parseSignatureKey, type AlgorithmName } from '@signet/core';
import { signedFetch, type SigningOptions } from '@signet/client';
import { startServer, type TestServer } from '../client/support.js';

type HmsAlgorithm = Parameters<typeof createVerifier>[1];
interface Outcome {
  verified: boolean | null;
  error?: string;
  digestOk?: boolean;
}

const algorithms: AlgorithmName[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256'];
const keys = new Map(algorithms.map((alg) => [alg, generateKey(alg)]));
const publicKeyObject = (key: SignetKey): KeyObject => createPublicKey(SignetKey.keyObject(key));
let server: TestServer;

function hmsRequest(req: IncomingMessage) {
  return { method: req.method ?? 'GET', url: `http://${req.headers.host}${req.url}`, headers: req.headers as Record<string, string> };
}

beforeAll(async () => {
  server = await startServer(async (req, res, body) => {
    const message = hmsRequest(req);
    const signatureKey = typeof req.headers['signature-key'] === 'string' ? parseSignatureKey(req.headers['signature-key']) : undefined;
    const outcome: Outcome = { verified: null };
    try {
      outcome.verified = await httpbis.verifyMessage(
        {
          keyLookup: async (params) => {
            let key = [...keys.values()].find((k) => k.thumbprint === params.keyid);
            const member = signatureKey?.get('sig1');
            if (key === undefined && member !== undefined) key = [...keys.values()].find((k) => k.publicJwk().x === member.params.x && k.publicJwk().n === member.params.n);
            if (key === undefined) return null;
            const alg = (params.alg as AlgorithmName | undefined) ?? [...keys.entries()].find(([, k]) => k === key)![0];
            return { id: key.thumbprint, algs: [alg as HmsAlgorithm], verify: createVerifier(publicKeyObject(key), alg as HmsAlgorithm) };
          },
          requiredFields: ['@method', '@authority', '@path'],
          requiredParams: ['created', 'expires'],
        },
        message,
      );
    } catch (error) {
      outcome.error = (error as Error).message;
    }
    const digest = req.headers['content-digest'];
    if (digest !== undefined) outcome.digestOk = digest === `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(outcome));
  });
});
afterAll(() => server.close());

async function call(key: SignetKey, options: Omit<SigningOptions, 'key'> = {}, init: RequestInit = {}): Promise<Outcome> {
  const fetch = signedFetch({ ...options, key });
  return (await fetch(`${server.url}/api/items?limit=10&sort=desc`, init)).json() as Promise<Outcome>;
}

describe('http-message-signatures verifyMessage accepts signedFetch requests', () => {
  it.each(algorithms)('web-bot-auth profile, %s, with the Dictionary Signature-Agent ("signature-agent";key="sig1")', async (alg) => {
    const outcome = await call(keys.get(alg)!, { profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
    expect(outcome).toEqual({ verified: true });
  });

  it('a POST body with Content-Digest, Content-Type and Authorization', async () => {
    const outcome = await call(keys.get('ed25519')!, {}, { method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json', authorization: 'Bearer t' } });
    expect(outcome).toEqual({ verified: true, digestOk: true });
  });

  it.each(['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512'] as const)('aauth profile (Signature-Key hwk, no alg parameter), %s', async (alg) => {
    const outcome = await call(keys.get(alg)!, { profile: 'aauth' }, { method: 'PUT', body: 'x' });
    expect(outcome).toEqual({ verified: true, digestOk: true });
  });

  it('plain profile with an extra @query-param component', async () => {
    const outcome = await call(keys.get('ed25519')!, { profile: 'plain', components: ['"@query-param";name="limit"'] });
    expect(outcome).toEqual({ verified: true });
  });

  it('a request tampered in transit is refused (false), so the check is real', async () => {
    const fetch = signedFetch({
      key: keys.get('ed25519')!,
      fetch: ((url: string, init: RequestInit) => globalThis.fetch(url.replace('limit=10', 'limit=99'), init)) as never,
    });
    expect(await (await fetch(`${server.url}/api/items?limit=10`)).json()).toEqual({ verified: false });
  });
});

describe('signedFetch verifyResponse accepts responses signed by http-message-signatures', () => {
  const serverKey = generateKey('ed25519');
  const hmsSigner = createSigner(SignetKey.keyObject(serverKey), 'ed25519', serverKey.thumbprint);
  let signing: TestServer;
  let tamper = false;

  beforeAll(async () => {
    signing = await startServer(async (req, res) => {
      const body = JSON.stringify({ answer: 42 });
      const response = {
        status: 200,
        headers: { 'content-type': 'application/json', 'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:` } as Record<string, string>,
      };
      const signed = await httpbis.signMessage(
        {
          key: hmsSigner,
          name: 'res',
          fields: ['@status', 'content-type', 'content-digest', '"@method";req', '"@authority";req', '"@path";req', '"signature";req;key="sig1"'],
          params: ['created', 'keyid', 'alg'],
        },
        response,
        hmsRequest(req),
      );
      res.writeHead(200, signed.headers);
      res.end(tamper ? JSON.stringify({ answer: 43 }) : body);
    });
  });
  afterAll(() => signing.close());

  it('verifies, including the binding to our own request signature ("signature";req;key="sig1")', async () => {
    tamper = false;
    const fetch = signedFetch({ key: keys.get('ecdsa-p256-sha256')!, verifyResponse: { key: serverKey.toPublic(), requiredComponents: ['@status', '"signature";req;key="sig1"'] } });
    const response = await fetch(`${signing.url}/answer`, { method: 'POST', body: 'question' });
    expect(await response.json()).toEqual({ answer: 42 });
  });

  it('refuses the same response with a swapped body (digest_mismatch)', async () => {
    tamper = true;
    const fetch = signedFetch({ key: keys.get('ed25519')!, verifyResponse: { key: serverKey.toPublic() } });
    await expect(fetch(`${signing.url}/answer`)).rejects.toMatchObject({ code: 'digest_mismatch' });
  });
});

