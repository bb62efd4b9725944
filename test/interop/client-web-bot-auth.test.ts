/**
 * Interop: requests from signedFetch verified by Cloudflare's `web-bot-auth` (0.1.3) `verify`.
 *
 * What 0.1.3 can check (see /tmp/notes/peers.md): one signature, tag web-bot-auth, created/expires/keyid,
 * Ed25519 and RSA-PSS-SHA512 via `verifierFromJWK`. Its signature base ignores `;key`, so a
 * Signature-Agent covered as `"signature-agent";key="sig1"` (the current drafts' Dictionary form) gives
 * a different base (the whole field instead of the member) and cannot verify there (cloudflare/web-bot-auth#126).
 * We therefore verify (1) requests without Signature-Agent, and (2) the legacy form
 * (`legacySignatureAgent: true`: a bare string covered as `"signature-agent"`), and pin (3) the known failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpers, jwkToKeyID, verify } from 'web-bot-auth';
import { verifierFromJWK } from 'web-bot-auth/crypto';
import { exportPrivateJwk, generateKey, type AlgorithmName } from '@signet/core';
import { signedFetch, type SigningOptions } from '@signet/client';
import { startServer, type TestServer } from '../client/support.js';

interface Outcome {
  ok: boolean;
  error?: string;
  keyid?: string;
}

const keys: Partial<Record<AlgorithmName, ReturnType<typeof generateKey>>> = {
  ed25519: generateKey('ed25519'),
  'rsa-pss-sha512': generateKey('rsa-pss-sha512'),
};
let server: TestServer;

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers });
    let outcome: Outcome;
    try {
      const keyid = await verify(request, async (data, signature, params) => {
        let key: (typeof keys)[AlgorithmName];
        for (const candidate of Object.values(keys)) {
          // The thumbprint as web-bot-auth computes it (not Signet's), to check keyid independently.
          if ((await jwkToKeyID(candidate!.publicJwk() as never, helpers.WEBCRYPTO_SHA256, helpers.BASE64URL_DECODE)) === params.keyid) key = candidate;
        }
        if (key === undefined) throw new Error(`unknown keyid ${params.keyid}`);
        const jwk = { ...key.publicJwk(), ...(key.kty === 'RSA' ? { alg: 'PS512' } : {}) };
        await (await verifierFromJWK(jwk as never))(data, signature, params);
        return params.keyid;
      });
      outcome = { ok: true, keyid };
    } catch (error) {
      outcome = { ok: false, error: (error as Error).message };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(outcome));
  });
});
afterAll(() => server.close());

async function call(options: Omit<SigningOptions, 'key'> & { alg?: AlgorithmName }, init: RequestInit = {}, path = '/resource?x=1'): Promise<Outcome> {
  const key = keys[options.alg ?? 'ed25519']!;
  const fetch = signedFetch({ ...options, key: exportPrivateJwk(key) });
  return (await fetch(`${server.url}${path}`, init)).json() as Promise<Outcome>;
}

describe('web-bot-auth@0.1.3 verify() accepts signedFetch requests', () => {
  it.each(['ed25519', 'rsa-pss-sha512'] as const)('%s, no Signature-Agent: @method @authority @path @query, keyid = JWK thumbprint', async (alg) => {
    const outcome = await call({ alg });
    expect(outcome).toEqual({ ok: true, keyid: keys[alg]!.thumbprint });
  });

  it('a POST with Authorization, Content-Type and Content-Digest covered', async () => {
    const outcome = await call({}, { method: 'POST', body: JSON.stringify({ q: 1 }), headers: { authorization: 'Bearer t', 'content-type': 'application/json' } });
    expect(outcome).toMatchObject({ ok: true });
  });

  it('legacySignatureAgent: a bare-string Signature-Agent covered as "signature-agent"', async () => {
    const outcome = await call({ profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example', legacySignatureAgent: true } });
    expect(outcome).toMatchObject({ ok: true });
  });

  it('known limitation of 0.1.3: the Dictionary form "signature-agent";key="sig1" does not verify there (it ignores ;key)', async () => {
    const outcome = await call({ profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
    expect(outcome).toEqual({ ok: false, error: 'invalid signature' });
  });

  it('a tampered request fails there too (the check is real)', async () => {
    const key = keys.ed25519!;
    const fetch = signedFetch({
      key,
      fetch: ((url: string, init: RequestInit) => {
        const headers = new Headers(init.headers);
        headers.set('authorization', 'Bearer stolen');
        return globalThis.fetch(url, { ...init, headers });
      }) as never,
    });
    const outcome = (await (await fetch(`${server.url}/resource`, { headers: { authorization: 'Bearer mine' } })).json()) as Outcome;
    expect(outcome).toEqual({ ok: false, error: 'invalid signature' });
  });
});
