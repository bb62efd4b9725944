/**
 * Interop with Cloudflare's `web-bot-auth` 0.1.3 (and the `http-message-sig` core it wraps), both
 * ways, Ed25519 and RSA-PSS-SHA512: it signs and Signet verifies under the Web Bot Auth policy;
 * Signet signs and its `verify` accepts. Its deviations from RFC 9421 are pinned down at the end.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { directoryResponseHeaders, signatureHeaders, verify } from 'web-bot-auth';
import { signerFromJWK, verifierFromJWK } from 'web-bot-auth/crypto';
import { createDigest, exportPrivateJwk, generateKey, signMessage, verifyMessage, type AlgorithmName, type SignetKey, type VerifyOptions } from '@signet/core';

const ALGORITHMS: Array<Extract<AlgorithmName, 'ed25519' | 'rsa-pss-sha512'>> = ['ed25519', 'rsa-pss-sha512'];
const KEYS = Object.fromEntries(ALGORITHMS.map((alg) => [alg, generateKey(alg)])) as Record<(typeof ALGORITHMS)[number], SignetKey>;
const URL_ = 'https://example.com/path/to/resource?x=1';
const AGENT = 'agent1="https://signer.example"';

/** The Web Bot Auth verification policy (as the CLI's web-bot-auth profile applies it). */
const WBA_POLICY: Omit<VerifyOptions, 'key'> = {
  tag: 'web-bot-auth',
  requiredParams: ['created', 'expires', 'keyid'],
  requiredComponents: ['@authority'],
  keyidIsThumbprint: true,
  skew: 0,
};

/** web-bot-auth refuses `created` in the future with zero tolerance: sign a second in the past. */
const window = () => {
  const created = new Date((Math.floor(Date.now() / 1000) - 1) * 1000);
  return { created, expires: new Date(created.getTime() + 300_000) };
};

async function theirSigner(key: SignetKey) {
  // signerFromJWK: keyid = RFC 7638 thumbprint; RSA only with alg PS512
  return signerFromJWK(exportPrivateJwk(key) as JsonWebKey);
}

async function ourSignature(key: SignetKey, headers: Record<string, string>, components: string[], url = URL_) {
  const created = Math.floor(Date.now() / 1000) - 1;
  const result = await signMessage(
    { method: 'GET', url, headers },
    {
      key,
      components,
      params: { created, keyid: key.thumbprint, alg: key.alg, expires: created + 300, nonce: randomBytes(64).toString('base64'), tag: 'web-bot-auth' },
    },
  );
  return new Request(url, { headers: { ...headers, 'Signature-Input': result.signatureInput, Signature: result.signatureHeader } });
}

describe('web-bot-auth signs, Signet verifies (Web Bot Auth policy)', () => {
  for (const alg of ALGORITHMS) {
    it(`${alg}: default components, with a Signature-Agent dictionary`, async () => {
      const signer = await theirSigner(KEYS[alg]);
      expect(signer.keyid).toBe(KEYS[alg].thumbprint);
      const headers = await signatureHeaders(new Request(URL_, { headers: { 'Signature-Agent': AGENT } }), signer, window());
      const signed = new Request(URL_, { headers: { 'Signature-Agent': AGENT, ...headers } });
      const result = await verifyMessage(signed, { key: KEYS[alg].toPublic(), ...WBA_POLICY, requiredComponents: ['@authority', 'signature-agent'] });
      expect(result).toMatchObject({ alg, covered: ['"@authority"', '"signature-agent"'], params: { tag: 'web-bot-auth', keyid: KEYS[alg].thumbprint } });
      expect(Buffer.from(result.params.nonce!, 'base64')).toHaveLength(64);
    });

    it(`${alg}: without Signature-Agent, and with more components`, async () => {
      const signer = await theirSigner(KEYS[alg]);
      const init = { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' } };
      const headers = await signatureHeaders(new Request(URL_, init), signer, { ...window(), components: ['@authority', '@method', '@path', '@target-uri', 'content-type', 'x-request-id'], key: 'my-sig' });
      const signed = new Request(URL_, { ...init, headers: { ...init.headers, ...headers } });
      await expect(verifyMessage(signed, { key: KEYS[alg].toPublic(), ...WBA_POLICY, label: 'my-sig' })).resolves.toMatchObject({ label: 'my-sig', alg });
      // tampering with a covered field is caught
      const tampered = new Request(URL_, { ...init, headers: { ...init.headers, 'x-request-id': 'r-2', ...headers } });
      await expect(verifyMessage(tampered, { key: KEYS[alg].toPublic(), ...WBA_POLICY })).rejects.toMatchObject({ code: 'signature_invalid' });
    });

    it(`${alg}: the key directory response (binding signature with "@authority";req)`, async () => {
      const signer = await theirSigner(KEYS[alg]);
      const body = JSON.stringify({ keys: [KEYS[alg].publicJwk()] });
      const request = new Request('https://signer.example/.well-known/http-message-signatures-directory');
      const responseHeaders = { 'content-type': 'application/http-message-signatures-directory+json', 'content-digest': createDigest(body) };
      const headers = await directoryResponseHeaders({ request, response: new Response(body, { headers: responseHeaders }) }, [signer], window());
      const response = new Response(body, { headers: { ...responseHeaders, ...headers } });
      const result = await verifyMessage({ request, response }, { key: KEYS[alg].toPublic(), tag: 'http-message-signatures-directory', keyidIsThumbprint: true, requiredComponents: ['"@authority";req'] });
      expect(result).toMatchObject({ label: 'binding0', covered: ['"@authority";req'] });
      await expect(verifyMessage({ request: new Request('https://evil.example/.well-known/http-message-signatures-directory'), response }, { key: KEYS[alg].toPublic() })).rejects.toMatchObject({ code: 'signature_invalid' });
    });
  }

  it('an expired web-bot-auth signature is refused by Signet with expired', async () => {
    const signer = await theirSigner(KEYS.ed25519);
    const created = new Date(Date.now() - 3_600_000);
    const headers = await signatureHeaders(new Request(URL_), signer, { created, expires: new Date(created.getTime() + 60_000) });
    await expect(verifyMessage(new Request(URL_, { headers: { ...headers } }), { key: KEYS.ed25519.toPublic(), ...WBA_POLICY })).rejects.toMatchObject({ code: 'expired' });
  });
});

describe('Signet signs, web-bot-auth verifies', () => {
  for (const alg of ALGORITHMS) {
    it(`${alg}: with Signature-Agent (verifierFromJWK, and a keyid-checking callback)`, async () => {
      const signed = await ourSignature(KEYS[alg], { 'Signature-Agent': AGENT }, ['@authority', 'signature-agent']);
      const publicJwk = { ...KEYS[alg].publicJwk(), ...(alg === 'rsa-pss-sha512' ? { alg: 'PS512' } : {}) };
      await expect(verify(signed, await verifierFromJWK(publicJwk as JsonWebKey))).resolves.toBeUndefined();
      const check = await verifierFromJWK(publicJwk as JsonWebKey);
      const seen = await verify(signed, async (data, signature, params) => {
        if (params.keyid !== KEYS[alg].thumbprint) throw new Error('unknown keyid');
        await check(data, signature, params);
        return params;
      });
      expect(seen).toMatchObject({ keyid: KEYS[alg].thumbprint, tag: 'web-bot-auth' });
    });

    it(`${alg}: more components; a tampered request is refused by web-bot-auth`, async () => {
      const headers = { 'content-type': 'text/plain' };
      const signed = await ourSignature(KEYS[alg], headers, ['@authority', '@method', '@path', '@target-uri', 'content-type']);
      const publicJwk = { ...KEYS[alg].publicJwk(), ...(alg === 'rsa-pss-sha512' ? { alg: 'PS512' } : {}) };
      await expect(verify(signed, await verifierFromJWK(publicJwk as JsonWebKey))).resolves.toBeUndefined();
      const tampered = new Request(URL_, { headers: { ...Object.fromEntries(signed.headers), 'content-type': 'text/html' } });
      await expect(verify(tampered, await verifierFromJWK(publicJwk as JsonWebKey))).rejects.toThrow(/invalid signature/);
    });
  }
});

describe('web-bot-auth deviations from RFC 9421, pinned (each is a deliberate Signet choice)', () => {
  it('";key" is serialized but not applied by web-bot-auth: Signet (RFC 9421 §2.1.2) refuses its signature', async () => {
    const signer = await theirSigner(KEYS.ed25519);
    const component = { name: 'signature-agent', parameters: new Map<string, string | boolean>([['key', 'agent1']]) };
    const headers = await signatureHeaders(new Request(URL_, { headers: { 'Signature-Agent': AGENT } }), signer, { ...window(), components: ['@authority', component] });
    const signed = new Request(URL_, { headers: { 'Signature-Agent': AGENT, ...headers } });
    // web-bot-auth signed the whole field value on a line labelled with ;key="agent1"; the member is "https://signer.example"
    await expect(verifyMessage(signed, { key: KEYS.ed25519.toPublic(), ...WBA_POLICY })).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('@authority: web-bot-auth drops port 443 on http: (and 80 on https:); Signet keeps a non-default port (RFC 9421 §2.2.3)', async () => {
    const url = 'http://example.com:443/path';
    const signer = await theirSigner(KEYS.ed25519);
    const headers = await signatureHeaders(new Request(url), signer, window());
    await expect(verifyMessage(new Request(url, { headers: { ...headers } }), { key: KEYS.ed25519.toPublic(), ...WBA_POLICY })).rejects.toMatchObject({ code: 'signature_invalid' });
    // on the default port both agree
    const plain = 'http://example.com:80/path';
    const agreed = await signatureHeaders(new Request(plain), signer, window());
    await expect(verifyMessage(new Request(plain, { headers: { ...agreed } }), { key: KEYS.ed25519.toPublic(), ...WBA_POLICY })).resolves.toBeTruthy();
  });

  it('web-bot-auth verify allows no clock skew: a Signet signature created 5 s ahead is refused there, accepted by Signet within its skew', async () => {
    const created = Math.floor(Date.now() / 1000) + 5;
    const result = await signMessage({ method: 'GET', url: URL_, headers: {} }, { key: KEYS.ed25519, components: ['@authority'], params: { created, keyid: KEYS.ed25519.thumbprint, alg: 'ed25519', expires: created + 60, tag: 'web-bot-auth' } });
    const signed = new Request(URL_, { headers: { 'Signature-Input': result.signatureInput, Signature: result.signatureHeader } });
    await expect(verify(signed, await verifierFromJWK(KEYS.ed25519.publicJwk() as JsonWebKey))).rejects.toThrow(/future/);
    await expect(verifyMessage(signed, { key: KEYS.ed25519.toPublic(), ...WBA_POLICY, skew: 30 })).resolves.toBeTruthy();
  });
});
