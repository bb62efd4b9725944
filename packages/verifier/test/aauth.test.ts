import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { generateKey } from '@signet/core';
import { createVerifier, type VerifierOptions } from '@signet/verifier';
import { FakeDiscovery } from './support/fake-discovery.js';
import { NOW, NOW_MS, hwkParams, joseKey, publicJwkWithAlg, sign, signAAuth, signRaw, toRequest } from './support/sign.js';

const URL_ = 'https://api.example/v1/things?x=1';
const now = (): number => NOW_MS;
const key = generateKey('ed25519');
const verifier = (options: VerifierOptions = {}) => createVerifier({ now, profiles: ['aauth'], ...options });

describe('aauth profile: hwk', () => {
  it('accepts an inline key: pseudonymous, id urn:jkt:sha-256:<thumbprint>', async () => {
    const result = await verifier().verify(toRequest(await signAAuth({ url: URL_, key })));
    expect(result.agent).toEqual({ id: `urn:jkt:sha-256:${key.thumbprint}`, keyid: key.thumbprint, thumbprint: key.thumbprint, profile: 'aauth', pseudonymous: true, scheme: 'hwk' });
    expect(result.covered).toEqual(['"@method"', '"@authority"', '"@path"', '"signature-key"']);
  });

  it('EC P-256 and RSA (PS512) inline keys verify too', async () => {
    for (const alg of ['ecdsa-p256-sha256', 'rsa-pss-sha512'] as const) {
      const k = generateKey(alg);
      await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key: k }))), alg).resolves.toMatchObject({ agent: { thumbprint: k.thumbprint } });
    }
  });

  it('refuses hwk without alg, with kid, with EdDSA, and with an alg inconsistent with kty/crv', async () => {
    const { alg: _alg, ...noAlg } = hwkParams(key);
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: noAlg })))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: { ...hwkParams(key), kid: 'k1' } })))).rejects.toMatchObject({ code: 'invalid_signature_key' });
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: { ...hwkParams(key), alg: 'EdDSA' } })))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: { ...hwkParams(key), alg: 'ES256' } })))).rejects.toMatchObject({ code: 'algorithm_mismatch' });
    const p256 = generateKey('ecdsa-p256-sha256');
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key: p256, params: { ...hwkParams(p256), alg: 'ES384' } })))).rejects.toMatchObject({ code: 'algorithm_mismatch' });
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: { ...hwkParams(key), alg: 'HS256' } })))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, params: { ...hwkParams(key), d: 'AAAA' } })))).rejects.toMatchObject({ code: 'invalid_signature_key' });
  });

  it('signature-key must be covered', async () => {
    const signed = await signAAuth({ url: URL_, key, components: ['@method', '@authority', '@path'] });
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'missing_required_component' });
  });

  it('a swapped Signature-Key (another inline key) fails the signature check', async () => {
    const signed = await signAAuth({ url: URL_, key });
    const other = generateKey('ed25519');
    signed.headers['signature-key'] = `sig1=hwk;kty="OKP";crv="Ed25519";x="${other.publicJwk().x}";alg="Ed25519"`;
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('an unknown scheme on the selected member → unsupported_scheme; members of other labels are ignored', async () => {
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'x509', params: { x5u: 'https://a.example/c.pem' } })))).rejects.toMatchObject({ code: 'unsupported_scheme' });
    const signed = await signAAuth({ url: URL_, key });
    const withOther = { ...signed, headers: { ...signed.headers, 'signature-key': `${signed.headers['signature-key']}, other=cached;cid="x"` } };
    // The header is covered, so adding a member breaks the signature; sign it with both members from the start.
    const both = await sign({ url: URL_, key, headers: { 'signature-key': withOther.headers['signature-key']! }, components: ['@method', '@authority', '@path', 'signature-key'], params: { created: NOW } });
    await expect(verifier().verify(toRequest(both))).resolves.toMatchObject({ agent: { scheme: 'hwk' } });
    await expect(verifier({ aauth: { schemes: ['jwt'] } }).verify(toRequest(await signAAuth({ url: URL_, key })))).rejects.toMatchObject({ code: 'unsupported_scheme' });
  });

  it('ignores the Signature-Input alg (the key alone decides): a JOSE name there does not break verification', async () => {
    const headers = { 'signature-key': `sig1=hwk;kty="OKP";crv="Ed25519";x="${key.publicJwk().x}";alg="Ed25519"` };
    const signed = await signRaw({ url: URL_, headers, key, components: ['@method', '@authority', '@path', 'signature-key'], params: { created: NOW, alg: 'Ed25519' } });
    await expect(verifier().verify(toRequest(signed))).resolves.toMatchObject({ alg: 'ed25519' });
    const lying = await signRaw({ url: URL_, headers, key, components: ['@method', '@authority', '@path', 'signature-key'], params: { created: NOW, alg: 'rsa-pss-sha512' } });
    await expect(verifier().verify(toRequest(lying))).resolves.toMatchObject({ alg: 'ed25519' });
  });

  it('a keyid in Signature-Input must name the same key', async () => {
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, sigParams: { created: NOW, keyid: key.thumbprint } })))).resolves.toBeDefined();
    await expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key, sigParams: { created: NOW, keyid: 'another' } })))).rejects.toMatchObject({ code: 'invalid_parameter' });
  });
});

describe('aauth profile: jkt-jwt', () => {
  const enclave = generateKey('ecdsa-p256-sha256');
  const mint = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    new SignJWT(payload).setProtectedHeader({ typ: 'jkt-s256+jwt', alg: 'ES256', jwk: publicJwkWithAlg(enclave), ...header }).sign(await joseKey(enclave));
  const claims = () => ({ iss: `urn:jkt:sha-256:${enclave.thumbprint}`, iat: NOW - 10, exp: NOW + 3600, cnf: { jwk: publicJwkWithAlg(key) } });

  it('accepts a token by the enclave key whose cnf.jwk signed the request; pseudonymous, id = iss', async () => {
    const jwt = await mint(claims());
    const result = await verifier().verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jkt-jwt', params: { jwt } })));
    expect(result.agent).toMatchObject({ id: `urn:jkt:sha-256:${enclave.thumbprint}`, thumbprint: key.thumbprint, pseudonymous: true, scheme: 'jkt-jwt' });
  });

  it('refuses a wrong iss, a wrong typ, an expired token, and a request not signed by cnf.jwk', async () => {
    const reject = async (jwt: string, code: string, signer = key) =>
      expect(verifier().verify(toRequest(await signAAuth({ url: URL_, key: signer, scheme: 'jkt-jwt', params: { jwt } })))).rejects.toMatchObject({ code });
    await reject(await mint({ ...claims(), iss: `urn:jkt:sha-256:${key.thumbprint}` }), 'invalid_jwt');
    await reject(await mint(claims(), { typ: 'JWT' }), 'invalid_jwt');
    await reject(await mint({ ...claims(), exp: NOW - 100 }), 'expired_jwt');
    await reject(await mint(claims()), 'signature_invalid', generateKey('ed25519'));
    await reject(await mint(claims(), { jwk: enclave.publicJwk() }), 'unsupported_algorithm');
  });
});

describe('aauth profile: jwks and jwks_uri', () => {
  const jwksUrl = 'https://agent.example/keys.jwks';
  const id = 'https://agent.example';

  it('jwks: the key with kid at url; the identity is the url, the keyid the kid', async () => {
    const discovery = new FakeDiscovery().addJwks(jwksUrl, publicJwkWithAlg(key, { kid: 'k1' }));
    const result = await verifier({ discovery }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwks', params: { url: jwksUrl, kid: 'k1' } })));
    expect(result.agent).toMatchObject({ id: jwksUrl, keyid: 'k1', thumbprint: key.thumbprint, pseudonymous: false, scheme: 'jwks' });
    expect(discovery.calls).toEqual([`jwks ${jwksUrl} k1`]);
  });

  it('jwks: a published key without alg is refused (algorithm determination)', async () => {
    const discovery = new FakeDiscovery().addJwks(jwksUrl, { ...key.publicJwk(), kid: 'k1' });
    await expect(verifier({ discovery }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwks', params: { url: jwksUrl, kid: 'k1' } })))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
  });

  it('jwks_uri: metadata issuer must equal id byte for byte, then its jwks_uri', async () => {
    const discovery = new FakeDiscovery().addJwks(jwksUrl, publicJwkWithAlg(key, { kid: 'k1' }));
    discovery.documents.set(`${id}/.well-known/aauth-agent`, { issuer: id, jwks_uri: jwksUrl });
    const signed = await signAAuth({ url: URL_, key, scheme: 'jwks_uri', params: { id, dwk: 'aauth-agent', kid: 'k1' } });
    await expect(verifier({ discovery }).verify(toRequest(signed))).resolves.toMatchObject({ agent: { id, keyid: 'k1', scheme: 'jwks_uri' } });

    discovery.documents.set(`${id}/.well-known/aauth-agent`, { issuer: `${id}/`, jwks_uri: jwksUrl });
    await expect(verifier({ discovery }).verify(toRequest(signed))).rejects.toMatchObject({ code: 'issuer_mismatch' });
    discovery.documents.set(`${id}/.well-known/aauth-agent`, { jwks_uri: jwksUrl });
    await expect(verifier({ discovery }).verify(toRequest(signed))).rejects.toMatchObject({ code: 'issuer_missing' });
    const traversal = await signAAuth({ url: URL_, key, scheme: 'jwks_uri', params: { id, dwk: '../admin', kid: 'k1' } });
    await expect(verifier({ discovery }).verify(toRequest(traversal))).rejects.toMatchObject({ code: 'invalid_signature_key' });
  });

  it('without key discovery, fetched schemes are refused with unknown_key', async () => {
    await expect(verifier({ discovery: false }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwks', params: { url: jwksUrl, kid: 'k1' } })))).rejects.toMatchObject({ code: 'unknown_key' });
  });
});

describe('aauth profile: jwt agent tokens', () => {
  const issuerKey = generateKey('ed25519');
  const iss = 'https://issuer.example';
  const issuerJwks = { keys: [publicJwkWithAlg(issuerKey, { kid: 'i1' })] };
  const mint = async (payload: Record<string, unknown>, signer = issuerKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'Ed25519', kid: 'i1', typ: 'aa-agent+jwt' }).sign(await joseKey(signer));
  const claims = () => ({ iss, sub: 'agent-7', dwk: 'aauth-issuer', exp: NOW + 600, iat: NOW, cnf: { jwk: publicJwkWithAlg(key) } });

  it('configured issuer keys: agent id = iss, subject = sub', async () => {
    const jwt = await mint(claims());
    const result = await verifier({ aauth: { issuers: { [iss]: { jwks: issuerJwks } } } }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwt', params: { jwt } })));
    expect(result.agent).toMatchObject({ id: iss, subject: 'agent-7', thumbprint: key.thumbprint, pseudonymous: false, scheme: 'jwt' });
  });

  it('discovered issuer keys through {iss}/.well-known/{dwk}', async () => {
    const discovery = new FakeDiscovery().addJwks(`${iss}/jwks`, issuerJwks.keys[0]!);
    discovery.documents.set(`${iss}/.well-known/aauth-issuer`, { issuer: iss, jwks_uri: `${iss}/jwks` });
    const jwt = await mint(claims());
    await expect(verifier({ discovery }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwt', params: { jwt } })))).resolves.toMatchObject({ agent: { id: iss } });
    await expect(verifier({ discovery, aauth: { requireKnownIssuer: true } }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwt', params: { jwt } })))).rejects.toMatchObject({ code: 'invalid_jwt' });
    discovery.documents.set(`${iss}/.well-known/aauth-issuer`, { issuer: 'https://other.example', jwks_uri: `${iss}/jwks` });
    await expect(verifier({ discovery }).verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'jwt', params: { jwt } })))).rejects.toMatchObject({ code: 'issuer_mismatch' });
  });

  it('refuses a token signed by another key, an expired one, one without cnf.jwk, and a request not signed by cnf.jwk', async () => {
    const options = { aauth: { issuers: { [iss]: { jwks: issuerJwks } } } };
    const attempt = async (jwt: string, signer = key) => verifier(options).verify(toRequest(await signAAuth({ url: URL_, key: signer, scheme: 'jwt', params: { jwt } })));
    await expect(attempt(await mint(claims(), generateKey('ed25519')))).rejects.toMatchObject({ code: 'invalid_jwt' });
    await expect(attempt(await mint({ ...claims(), exp: NOW - 60 }))).rejects.toMatchObject({ code: 'expired_jwt' });
    const { cnf: _cnf, ...noCnf } = claims();
    await expect(attempt(await mint(noCnf))).rejects.toMatchObject({ code: 'invalid_jwt' });
    await expect(attempt(await mint(claims()), generateKey('ed25519'))).rejects.toMatchObject({ code: 'signature_invalid' });
  });
});

describe('aauth challenge headers', () => {
  it('a rejection carries Accept-Signature, Accept-Signature-Scheme/Alg and Signature-Error', async () => {
    const v = verifier();
    const error = await v.verify(toRequest(await signAAuth({ url: URL_, key, scheme: 'x509', params: { x5u: 'https://a.example/c.pem' } }))).catch((e: unknown) => e);
    const failure = v.failureResponse(error);
    expect(failure.status).toBe(401);
    expect(failure.body).toMatchObject({ error: 'unsupported_scheme' });
    expect(failure.headers).toMatchObject({
      'accept-signature': 'sig1=("@method" "@authority" "@path" "signature-key");created',
      'accept-signature-scheme': 'jwt, jwks_uri, jwks, jkt-jwt, hwk',
      'accept-signature-alg': 'Ed25519, ES256, ES384, PS512, RS256',
      'signature-error': 'error=unsupported_scheme',
    });
    const uncovered = await v.verify(toRequest(await signAAuth({ url: URL_, key, components: ['@method', '@authority', '@path'] }))).catch((e: unknown) => e);
    expect(v.failureResponse(uncovered).headers['signature-error']).toBe('error=invalid_input, required_input=("@method" "@authority" "@path" "signature-key")');
  });
});
