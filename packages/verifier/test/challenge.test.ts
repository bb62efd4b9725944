import { describe, expect, it } from 'vitest';
import { SignetError, generateKey } from '@signet/core';
import { createVerifier } from '@signet/verifier';
import { statusFor } from '../src/challenge.js';
import { FakeDiscovery } from './support/fake-discovery.js';
import { NOW, NOW_MS, sign, signAAuth, signRaw, signWba, toRequest } from './support/sign.js';

const AGENT = 'https://agent.example';
const key = generateKey('ed25519');
const discovery = new FakeDiscovery().addAgent(AGENT, key);
const now = (): number => NOW_MS;

const failure = async (verifier: ReturnType<typeof createVerifier>, request: Request) => {
  const error = await verifier.verify(request).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SignetError);
  return verifier.failureResponse(error);
};

describe('failure responses', () => {
  it('ask for authorization when the request carried one, and content-digest when a body must be covered', async () => {
    const v = createVerifier({ now, discovery, body: { requireDigest: true } });
    const signed = await signWba({ url: 'https://api.example/x', key, agent: AGENT, method: 'POST', body: '{}', headers: { authorization: 'Bearer t' } });
    const response = await failure(v, toRequest(signed));
    expect(response.body.error).toBe('token_not_covered');
    expect(response.headers['accept-signature']).toBe('sig1=("@authority" "signature-agent";key="sig1" "authorization" "content-digest");created;expires;keyid;nonce;tag="web-bot-auth"');
    expect(response.headers['signature-error']).toBeUndefined();
  });

  it('static profile challenge; configured components are requested too', async () => {
    const v = createVerifier({ now, profiles: ['static'], keys: [{ key, keyid: 'k' }], requiredComponents: ['@method', 'content-type'] });
    const response = await failure(v, toRequest(await sign({ url: 'https://api.example/x', key, components: ['@authority'], params: { created: NOW, keyid: 'k' } })));
    expect(response.body.error).toBe('missing_required_component');
    expect(response.headers['accept-signature']).toBe('sig1=("@authority" "@method" "content-type");created;keyid');
    expect(response.headers['accept-signature-scheme']).toBeUndefined();
  });

  it('aauth token errors carry no Signature-Error; clock skew maps to clock_skew', async () => {
    const v = createVerifier({ now, profiles: ['aauth'] });
    const future = await failure(v, toRequest(await signAAuth({ url: 'https://api.example/x', key, created: NOW + 120 })));
    expect(future.headers['signature-error']).toBe('error=clock_skew');
    const token = await failure(v, toRequest(await signAAuth({ url: 'https://api.example/x', key, headers: { authorization: 'Bearer opaque' }, extra: ['authorization'] })));
    expect(token.body.error).toBe('token_not_bound');
    expect(token.headers['signature-error']).toBeUndefined();
    expect(token.status).toBe(401);
  });

  it('statuses: 503 (with Retry-After) for the replay store, 413, 500 for server faults, else 401', () => {
    expect(statusFor('replay_store_unavailable')).toBe(503);
    expect(statusFor('body_too_large')).toBe(413);
    expect(statusFor('internal_error')).toBe(500);
    expect(statusFor('body_unavailable')).toBe(500);
    expect(statusFor('signature_invalid')).toBe(401);
    const v = createVerifier({ now, discovery: false });
    const response = v.failureResponse(new SignetError('replay_store_unavailable', 'Redis down'));
    expect(response).toMatchObject({ status: 503, headers: { 'retry-after': '1' }, body: { error: 'replay_store_unavailable', message: 'Redis down' } });
    expect(response.headers['accept-signature']).toBeUndefined();
  });
});

describe('algorithm and key confusion', () => {
  it('an alg that does not match the key → algorithm_mismatch; an HMAC alg against a public key too', async () => {
    const v = createVerifier({ now, discovery });
    for (const alg of ['ecdsa-p256-sha256', 'hmac-sha256']) {
      const signed = await signRaw({
        url: 'https://api.example/x',
        headers: { 'signature-agent': `sig1="${AGENT}"` },
        key,
        components: ['@authority', '"signature-agent";key="sig1"'],
        params: { created: NOW, expires: NOW + 60, keyid: key.thumbprint, alg, nonce: `n-${alg}`, tag: 'web-bot-auth' },
      });
      await expect(v.verify(toRequest(signed)), alg).rejects.toMatchObject({ code: 'algorithm_mismatch' });
    }
  });

  it('a keyid naming one key while another verifies is refused', async () => {
    const other = generateKey('ed25519');
    const v = createVerifier({ now, discovery: new FakeDiscovery().addAgent(AGENT, key).addAgent(AGENT, other) });
    const signed = await signRaw({
      url: 'https://api.example/x',
      headers: { 'signature-agent': `sig1="${AGENT}"` },
      key: other,
      components: ['@authority', '"signature-agent";key="sig1"'],
      params: { created: NOW, expires: NOW + 60, keyid: key.thumbprint, nonce: 'n-1', tag: 'web-bot-auth' },
    });
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('duplicate labels across two Signature-Input fields are refused', async () => {
    const signed = await signWba({ url: 'https://api.example/x', key, agent: AGENT });
    const headers = new Headers(signed.headers);
    headers.append('signature-input', signed.headers['signature-input']!);
    headers.append('signature', signed.headers.signature!);
    await expect(createVerifier({ now, discovery }).verify(new Request(signed.url, { headers }))).rejects.toMatchObject({ code: 'duplicate_label' });
  });
});
