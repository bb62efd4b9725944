import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { generateKey } from '@signet/core';
import { createVerifier, type VerifierOptions } from '@signet/verifier';
import { parseAuthorization } from '../src/tokens.js';
import { FakeDiscovery } from './support/fake-discovery.js';
import { NOW, NOW_MS, joseKey, publicJwkWithAlg, signWba, toRequest } from './support/sign.js';

const AGENT = 'https://agent.example';
const THIEF = 'https://thief.example';
const URL_ = 'https://api.example/orders';
const agentKey = generateKey('ed25519');
const thiefKey = generateKey('ed25519');
const issuerKey = generateKey('ed25519');
const discovery = new FakeDiscovery().addAgent(AGENT, agentKey).addAgent(THIEF, thiefKey).addJwks('https://as.example/jwks', publicJwkWithAlg(issuerKey, { kid: 'as1' }));
const verifier = (options: VerifierOptions = {}) => createVerifier({ now: () => NOW_MS, discovery, ...options });

const mint = async (claims: Record<string, unknown>, signer = issuerKey) =>
  new SignJWT({ iss: 'https://as.example', aud: 'https://api.example', exp: NOW + 600, ...claims }).setProtectedHeader({ alg: 'Ed25519', kid: 'as1' }).sign(await joseKey(signer));

const bound = () => mint({ sub: 'user-1', cnf: { jkt: agentKey.thumbprint } });
const signedWith = async (token: string, key = agentKey, agent = AGENT, extra = ['authorization']) =>
  toRequest(await signWba({ url: URL_, key, agent, headers: { authorization: `Bearer ${token}` }, extra }));

describe('stolen tokens', () => {
  it('the legitimate agent, signing over its bound token, is accepted', async () => {
    const token = await bound();
    const result = await verifier().verify(await signedWith(token));
    expect(result.token).toEqual({ scheme: 'Bearer', token, binding: 'cnf.jkt', validated: false, claims: undefined });
    expect(result.agent.id).toBe(AGENT);
  });

  it('the token alone (no signature) → missing_signature', async () => {
    const request = new Request(URL_, { headers: { authorization: `Bearer ${await bound()}` } });
    await expect(verifier().verify(request)).rejects.toMatchObject({ code: 'missing_signature' });
  });

  it("the token with another agent's valid signature → token_key_mismatch", async () => {
    await expect(verifier().verify(await signedWith(await bound(), thiefKey, THIEF))).rejects.toMatchObject({ code: 'token_key_mismatch' });
  });

  it('the token with a signature that does not cover authorization → token_not_covered', async () => {
    const token = await bound();
    // A valid signature of the legitimate agent from another request, with the token added afterwards.
    const signed = await signWba({ url: URL_, key: agentKey, agent: AGENT });
    signed.headers.authorization = `Bearer ${token}`;
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'token_not_covered' });
    await expect(verifier().verify(await signedWith(token, thiefKey, THIEF, []))).rejects.toMatchObject({ code: 'token_not_covered' });
  });

  it('a replay of the whole signed request → replayed', async () => {
    const v = verifier();
    const signed = await signWba({ url: URL_, key: agentKey, agent: AGENT, headers: { authorization: `Bearer ${await bound()}` }, extra: ['authorization'] });
    await expect(v.verify(toRequest(signed))).resolves.toBeDefined();
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'replayed' });
  });

  it('a token swapped into a signed request fails the signature (authorization is covered)', async () => {
    const signed = await signWba({ url: URL_, key: agentKey, agent: AGENT, headers: { authorization: `Bearer ${await bound()}` }, extra: ['authorization'] });
    signed.headers.authorization = `Bearer ${await mint({ cnf: { jkt: agentKey.thumbprint }, sub: 'admin' })}`;
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'signature_invalid' });
  });
});

describe('token binding', () => {
  it('cnf.jwk binds like cnf.jkt', async () => {
    const token = await mint({ cnf: { jwk: agentKey.publicJwk() } });
    await expect(verifier().verify(await signedWith(token))).resolves.toMatchObject({ token: { binding: 'cnf.jwk' } });
    const other = await mint({ cnf: { jwk: thiefKey.publicJwk() } });
    await expect(verifier().verify(await signedWith(other))).rejects.toMatchObject({ code: 'token_key_mismatch' });
  });

  it('unbound tokens are refused by default (token_not_bound), accepted only when allowed', async () => {
    const plain = await mint({ sub: 'user-1' });
    await expect(verifier().verify(await signedWith(plain))).rejects.toMatchObject({ code: 'token_not_bound' });
    await expect(verifier().verify(await signedWith('opaque-token-123'))).rejects.toMatchObject({ code: 'token_not_bound' });
    await expect(verifier({ tokens: { allowUnbound: true } }).verify(await signedWith('opaque-token-123'))).resolves.toMatchObject({ token: { binding: 'none', token: 'opaque-token-123' } });
  });

  it('opaque tokens through resolveTokenBinding (introspection)', async () => {
    const bindings = new Map([['opaque-a', agentKey.thumbprint]]);
    const tokens = { resolveTokenBinding: (token: string) => bindings.get(token) };
    await expect(verifier({ tokens }).verify(await signedWith('opaque-a'))).resolves.toMatchObject({ token: { binding: 'introspection', scheme: 'Bearer' } });
    await expect(verifier({ tokens }).verify(await signedWith('opaque-a', thiefKey, THIEF))).rejects.toMatchObject({ code: 'token_key_mismatch' });
    await expect(verifier({ tokens }).verify(await signedWith('opaque-unknown'))).rejects.toMatchObject({ code: 'token_not_bound' });
    const failing = { resolveTokenBinding: () => Promise.reject(new Error('introspection endpoint down')) };
    await expect(verifier({ tokens: failing }).verify(await signedWith('opaque-a'))).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('validated JWTs: issuer, audience, signature; claims exposed only when validated', async () => {
    const jwt = { jwks: { keys: [publicJwkWithAlg(issuerKey, { kid: 'as1' })] }, issuer: 'https://as.example', audience: 'https://api.example' };
    const token = await bound();
    const result = await verifier({ tokens: { jwt } }).verify(await signedWith(token));
    expect(result.token).toMatchObject({ validated: true, binding: 'cnf.jkt', claims: { sub: 'user-1', iss: 'https://as.example' } });
    // Forged by another key, with a binding to the thief's key: validation fails before the binding is trusted.
    const forged = await mint({ cnf: { jkt: thiefKey.thumbprint } }, thiefKey);
    await expect(verifier({ tokens: { jwt } }).verify(await signedWith(forged, thiefKey, THIEF))).rejects.toMatchObject({ code: 'token_invalid' });
    // Without validation configured, the same forged token would bind (the application must validate it itself).
    await expect(verifier().verify(await signedWith(forged, thiefKey, THIEF))).resolves.toMatchObject({ token: { validated: false, claims: undefined } });
    await expect(verifier({ tokens: { jwt: { ...jwt, audience: 'https://other.example' } } }).verify(await signedWith(token))).rejects.toMatchObject({ code: 'token_invalid' });
    const expired = await mint({ cnf: { jkt: agentKey.thumbprint }, exp: NOW - 120 });
    await expect(verifier({ tokens: { jwt } }).verify(await signedWith(expired))).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('validated JWTs with the issuer JWKS fetched through key discovery (by kid)', async () => {
    const tokens = { jwt: { jwksUrl: 'https://as.example/jwks', issuer: 'https://as.example' } };
    await expect(verifier({ tokens }).verify(await signedWith(await bound()))).resolves.toMatchObject({ token: { validated: true } });
    expect(() => createVerifier({ tokens, discovery: false })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
  });

  it('HS256 tokens validated with a shared secret', async () => {
    const secret = 'a-long-shared-secret-for-first-party-tokens';
    const token = await new SignJWT({ cnf: { jkt: agentKey.thumbprint } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(NOW + 60).sign(new TextEncoder().encode(secret));
    await expect(verifier({ tokens: { jwt: { secret } } }).verify(await signedWith(token))).resolves.toMatchObject({ token: { validated: true } });
    await expect(verifier({ tokens: { jwt: { secret: 'wrong' } } }).verify(await signedWith(token))).rejects.toMatchObject({ code: 'token_invalid' });
  });

  it('parseAuthorization splits scheme and token', () => {
    expect(parseAuthorization('Bearer abc.def')).toEqual({ scheme: 'Bearer', token: 'abc.def' });
    expect(parseAuthorization('DPoP  xyz ')).toEqual({ scheme: 'DPoP', token: 'xyz' });
    expect(parseAuthorization('justatoken')).toEqual({ scheme: '', token: 'justatoken' });
  });
});
