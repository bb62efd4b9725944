import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { inspect } from 'node:util';
import { EmbeddedJWK, jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  exportPrivateJwk,
  generateKey,
  importJwk,
  jwkThumbprint,
  nodeCryptoBackend,
  parseSignatureInput,
  parseSignatureKey,
  verifyDigest,
  verifyMessage,
  type Jwk,
  type SignetKey,
} from '@signet/core';
import {
  RequestSigner,
  SIGN_CHANNEL,
  createDirectory,
  ephemeralKey,
  signRequest,
  signedFetch,
  staticKey,
  type SignEvent,
  type SigningOptions,
} from '@signet/client';

const NOW = 1_790_000_000;
const clock = () => NOW;

function keyPair(alg: Parameters<typeof generateKey>[0] = 'ed25519'): { priv: SignetKey; pub: SignetKey } {
  const priv = generateKey(alg);
  return { priv, pub: priv.toPublic() };
}

async function sign(url: string, init: RequestInit, options: SigningOptions): Promise<Request> {
  return signRequest(new Request(url, init), options);
}

function inputOf(request: Request) {
  const [input] = parseSignatureInput(request.headers.get('signature-input') ?? '');
  if (input === undefined) throw new Error('no Signature-Input');
  return input;
}

function covered(request: Request): string[] {
  return inputOf(request).value.slice(1, inputOf(request).value.indexOf(')')).split(' ').filter(Boolean);
}

describe('signRequest: web-bot-auth profile (the default)', () => {
  it('covers @method @authority @path @query and writes created, keyid (thumbprint), alg, expires (60 s), a 64-byte nonce, tag', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/v1/items?limit=5', {}, { key: priv, now: clock });
    const input = inputOf(signed);
    expect(covered(signed)).toEqual(['"@method"', '"@authority"', '"@path"', '"@query"']);
    expect([...input.parameters.keys()]).toEqual(['created', 'keyid', 'alg', 'expires', 'nonce', 'tag']);
    expect(input.params).toMatchObject({ created: NOW, expires: NOW + 60, keyid: pub.thumbprint, alg: 'ed25519', tag: 'web-bot-auth' });
    expect(Buffer.from(input.params.nonce ?? '', 'base64')).toHaveLength(64);
    expect(signed.headers.has('signature-agent')).toBe(false);
    const result = await verifyMessage(signed, {
      key: pub,
      now: NOW,
      tag: 'web-bot-auth',
      keyidIsThumbprint: true,
      requiredParams: ['created', 'expires', 'keyid', 'alg', 'nonce', 'tag'],
    });
    expect(result.label).toBe('sig1');
  });

  it('leaves @query out when the URL has none', async () => {
    const signed = await sign('https://api.example/v1/items', {}, { key: ephemeralKey(), now: clock });
    expect(covered(signed)).toEqual(['"@method"', '"@authority"', '"@path"']);
  });

  it('uses a fresh nonce for every request', async () => {
    const signer = new RequestSigner({ key: ephemeralKey() });
    const nonces = new Set<string>();
    // 150 crosses two refills of the pooled random bytes (64 nonces each): no nonce repeats, each is 64 bytes.
    for (let i = 0; i < 150; i++) nonces.add(inputOf(await signRequest(new Request('https://a.example/'), signer)).params.nonce ?? '');
    expect(nonces.size).toBe(150);
    for (const nonce of nonces) expect(Buffer.from(nonce, 'base64')).toHaveLength(64);
  });

  it('sends Signature-Agent as a Dictionary member keyed by the label, covered as "signature-agent";key="<label>"', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/x', {}, { key: priv, now: clock, label: 'agent', profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
    expect(signed.headers.get('signature-agent')).toBe('agent="https://agent.example"');
    expect(covered(signed)).toContain('"signature-agent";key="agent"');
    await expect(verifyMessage(signed, { key: pub, now: NOW, requiredComponents: ['"signature-agent";key="agent"'] })).resolves.toBeTruthy();
  });

  it('writes the Signature-Agent type when it is not "directory", and a custom member key', async () => {
    const signed = await sign('https://api.example/x', {}, {
      key: ephemeralKey(),
      profile: { name: 'web-bot-auth', signatureAgent: { uri: 'https://agent.example/jwks.json', type: 'jwks_uri', key: 'agent2' } },
    });
    expect(signed.headers.get('signature-agent')).toBe('agent2="https://agent.example/jwks.json";type=jwks_uri');
    expect(covered(signed)).toContain('"signature-agent";key="agent2"');
  });

  it('legacy form: a bare string covered as "signature-agent" (for verifiers of architecture draft <= 03)', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/x', {}, { key: priv, profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example', legacySignatureAgent: true } });
    expect(signed.headers.get('signature-agent')).toBe('"https://agent.example"');
    expect(covered(signed)).toContain('"signature-agent"');
    await expect(verifyMessage(signed, { key: pub })).resolves.toBeTruthy();
  });

  it('refuses a Signature-Agent that is not an http(s) URI, and a TTL above 24 hours or not positive', () => {
    expect(() => new RequestSigner({ key: ephemeralKey(), profile: { name: 'web-bot-auth', signatureAgent: 'ftp://agent.example' } })).toThrow(
      expect.objectContaining({ code: 'invalid_signature_agent' }),
    );
    for (const ttl of [86_401, 0, -1, Number.NaN]) {
      expect(() => new RequestSigner({ key: ephemeralKey(), ttl }), String(ttl)).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    }
    expect(() => new RequestSigner({ key: ephemeralKey(), ttl: 86_400 })).not.toThrow();
  });

  it('covers authorization whenever present: a stolen token cannot be moved to another request', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/orders', { headers: { authorization: 'Bearer tok' } }, { key: priv });
    expect(covered(signed)).toContain('"authorization"');
    const stolen = new Request(signed.url, { headers: signed.headers });
    stolen.headers.set('authorization', 'Bearer other');
    await expect(verifyMessage(stolen, { key: pub })).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('covers content-type and content-digest when there is a body, computed over the exact bytes', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/orders', { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } }, { key: priv });
    expect(covered(signed)).toEqual(['"@method"', '"@authority"', '"@path"', '"content-type"', '"content-digest"']);
    const body = new Uint8Array(await signed.arrayBuffer());
    expect(new TextDecoder().decode(body)).toBe('{"a":1}');
    verifyDigest(signed.headers.get('content-digest') ?? '', body);
    await expect(verifyMessage(signed, { key: pub })).resolves.toBeTruthy();
  });

  it('serializes FormData once: the multipart boundary in Content-Type is the one in the digested bytes', async () => {
    const form = new FormData();
    form.set('name', 'signet');
    form.set('file', new Blob(['hello'], { type: 'text/plain' }), 'a.txt');
    const signed = await sign('https://api.example/upload', { method: 'POST', body: form }, { key: ephemeralKey() });
    const type = signed.headers.get('content-type') ?? '';
    const boundary = /boundary=(.+)$/.exec(type)?.[1];
    expect(boundary).toBeTruthy();
    const bytes = new Uint8Array(await signed.arrayBuffer());
    expect(new TextDecoder().decode(bytes)).toContain(`--${boundary}`);
    verifyDigest(signed.headers.get('content-digest') ?? '', bytes);
  });

  it('covers extra components, e.g. a query parameter, and refuses one the request lacks', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/search?q=cats&page=2', { headers: { 'x-request-id': 'r1' } }, { key: priv, components: ['"@query-param";name="q"', 'x-request-id'] });
    expect(covered(signed)).toEqual(expect.arrayContaining(['"@query-param";name="q"', '"x-request-id"']));
    await expect(verifyMessage(signed, { key: pub })).resolves.toBeTruthy();
    await expect(sign('https://api.example/search', {}, { key: priv, components: ['x-request-id'] })).rejects.toMatchObject({ code: 'missing_component' });
  });

  it('refuses to sign twice with the same label', async () => {
    const signer = new RequestSigner({ key: ephemeralKey() });
    const once = await signRequest(new Request('https://a.example/'), signer);
    await expect(signRequest(once, signer)).rejects.toMatchObject({ code: 'duplicate_label' });
    const twice = await signRequest(once, new RequestSigner({ key: ephemeralKey(), label: 'sig2' }));
    expect(parseSignatureInput(twice.headers.get('signature-input') ?? '').map((i) => i.label)).toEqual(['sig1', 'sig2']);
  });

  it('signs with ECDSA P-256, P-384 and RSA-PSS keys too', async () => {
    for (const alg of ['ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512'] as const) {
      const { priv, pub } = keyPair(alg);
      const signed = await sign('https://api.example/', {}, { key: priv });
      expect(inputOf(signed).params.alg).toBe(alg);
      await expect(verifyMessage(signed, { key: pub })).resolves.toMatchObject({ alg });
    }
  });

  it('signs with an external signer (a KMS): only sign(bytes) and the public key are needed', async () => {
    const { priv, pub } = keyPair();
    const calls: number[] = [];
    const external = {
      alg: 'ed25519' as const,
      sign: async (data: Uint8Array) => {
        calls.push(data.length);
        return nodeCryptoBackend.sign('ed25519', priv, data);
      },
    };
    const signed = await sign('https://api.example/', {}, { key: { signer: external, publicKey: pub.publicJwk() } });
    expect(calls).toHaveLength(1);
    expect(inputOf(signed).params.keyid).toBe(pub.thumbprint);
    await expect(verifyMessage(signed, { key: pub })).resolves.toBeTruthy();
  });

  it('refuses an HMAC secret and a public key as signing keys', () => {
    expect(() => staticKey(generateKey('hmac-sha256'))).toThrow(expect.objectContaining({ code: 'invalid_key' }));
    expect(() => staticKey(generateKey().toPublic())).toThrow(expect.objectContaining({ code: 'invalid_key' }));
  });
});

describe('signRequest: aauth profile (Signature-Key)', () => {
  it('hwk: the public key inline with its JOSE alg, no kid; covered as "signature-key"; no alg or keyid parameter', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/x', {}, { key: priv, now: clock, profile: 'aauth' });
    const jwk = pub.publicJwk();
    expect(signed.headers.get('signature-key')).toBe(`sig1=hwk;kty="OKP";crv="Ed25519";x="${jwk.x}";alg="Ed25519"`);
    expect(covered(signed)).toContain('"signature-key"');
    const input = inputOf(signed);
    expect(input.params.alg).toBeUndefined();
    expect(input.params.keyid).toBeUndefined();
    expect([...input.parameters.keys()]).toEqual(['created', 'expires', 'nonce']);
    const member = parseSignatureKey(signed.headers.get('signature-key') ?? '').get('sig1');
    const key = importJwk(member?.params as Jwk);
    await expect(verifyMessage(signed, { key, now: NOW, requiredComponents: ['signature-key'] })).resolves.toBeTruthy();
  });

  it('hwk with EC and RSA keys: y / n, e members and ES256 / PS512', async () => {
    const ec = await sign('https://api.example/x', {}, { key: generateKey('ecdsa-p256-sha256'), profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } } });
    expect(ec.headers.get('signature-key')).toMatch(/^sig1=hwk;kty="EC";crv="P-256";x="[^"]+";y="[^"]+";alg="ES256"$/);
    const rsa = await sign('https://api.example/x', {}, { key: generateKey('rsa-pss-sha512'), profile: { name: 'aauth', signatureKey: { scheme: 'hwk' } } });
    expect(rsa.headers.get('signature-key')).toMatch(/^sig1=hwk;kty="RSA";n="[^"]+";e="AQAB";alg="PS512"$/);
  });

  it('jwks_uri and jwks: identity parameters, kid defaulting to the thumbprint', async () => {
    const { priv, pub } = keyPair();
    const a = await sign('https://api.example/x', {}, { key: priv, profile: { name: 'aauth', signatureKey: { scheme: 'jwks_uri', id: 'https://agent.example', dwk: 'aauth-agent' } } });
    expect(a.headers.get('signature-key')).toBe(`sig1=jwks_uri;id="https://agent.example";dwk="aauth-agent";kid="${pub.thumbprint}"`);
    const b = await sign('https://api.example/x', {}, { key: priv, profile: { name: 'aauth', signatureKey: { scheme: 'jwks', url: 'https://agent.example/keys.jwks', kid: 'k1' } } });
    expect(b.headers.get('signature-key')).toBe('sig1=jwks;url="https://agent.example/keys.jwks";kid="k1"');
    expect(() => new RequestSigner({ key: priv, profile: { name: 'aauth', signatureKey: { scheme: 'jwks', url: 'http://agent.example/k' } } })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
  });

  it('jwt: an agent token bound to the signing key is sent; one bound to another key, or expired, is refused', async () => {
    const { priv, pub } = keyPair();
    const token = (claims: object) => `${b64({ alg: 'EdDSA' })}.${b64(claims)}.c2ln`;
    const good = token({ iss: 'https://issuer.example', exp: NOW + 600, cnf: { jwk: pub.publicJwk() } });
    const signed = await sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'aauth', signatureKey: { scheme: 'jwt', jwt: async () => good } } });
    expect(signed.headers.get('signature-key')).toBe(`sig1=jwt;jwt="${good}"`);
    const other = token({ exp: NOW + 600, cnf: { jwk: generateKey().toPublic().publicJwk() } });
    await expect(sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'aauth', signatureKey: { scheme: 'jwt', jwt: other } } })).rejects.toMatchObject({ code: 'invalid_configuration' });
    const expired = token({ exp: NOW - 1, cnf: { jwk: pub.publicJwk() } });
    await expect(sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'aauth', signatureKey: { scheme: 'jwt', jwt: expired } } })).rejects.toMatchObject({ code: 'invalid_configuration' });
    // Signature-Key §3.8: the jwt scheme needs cnf.jwk (cnf.jkt is not enough) and exp.
    const jktOnly = token({ exp: NOW + 600, cnf: { jkt: pub.thumbprint } });
    await expect(sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'aauth', signatureKey: { scheme: 'jwt', jwt: jktOnly } } })).rejects.toMatchObject({ code: 'invalid_configuration', message: expect.stringContaining('cnf.jwk') });
    const noExp = token({ cnf: { jwk: pub.publicJwk() } });
    await expect(sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'aauth', signatureKey: { scheme: 'jwt', jwt: noExp } } })).rejects.toMatchObject({ code: 'invalid_configuration', message: expect.stringContaining('exp') });
  });

  it('jkt-jwt: a self-issued JWT that jose verifies with its embedded key; iss is the thumbprint URN; cnf.jwk is the request key; reused until half its life', async () => {
    const enclave = keyPair('ecdsa-p256-sha256');
    const { priv, pub } = keyPair();
    let now = NOW;
    const signer = new RequestSigner({ key: priv, now: () => now, profile: { name: 'aauth', signatureKey: { scheme: 'jkt-jwt', issuerKey: enclave.priv, lifetimeSeconds: 600 } } });
    const first = await signRequest(new Request('https://api.example/x'), signer);
    const member = parseSignatureKey(first.headers.get('signature-key') ?? '').get('sig1');
    expect(member?.scheme).toBe('jkt-jwt');
    const jwt = member?.params.jwt as string;
    expect(decodeProtectedHeader(jwt)).toMatchObject({ typ: 'jkt-s256+jwt', alg: 'ES256' });
    const { payload, protectedHeader } = await jwtVerify(jwt, EmbeddedJWK, { currentDate: new Date(NOW * 1000), typ: 'jkt-s256+jwt' });
    expect(payload.iss).toBe(`urn:jkt:sha-256:${jwkThumbprint(protectedHeader.jwk as Jwk)}`);
    expect(payload.iss).toBe(`urn:jkt:sha-256:${enclave.pub.thumbprint}`);
    expect(payload.iat).toBe(NOW);
    expect(payload.exp).toBe(NOW + 600);
    expect(payload.cnf).toEqual({ jwk: { ...pub.publicJwk(), alg: 'Ed25519' } });
    now += 100;
    const second = await signRequest(new Request('https://api.example/x'), signer);
    expect(parseSignatureKey(second.headers.get('signature-key') ?? '').get('sig1')?.params.jwt).toBe(jwt);
    now += 300;
    const third = await signRequest(new Request('https://api.example/x'), signer);
    expect(parseSignatureKey(third.headers.get('signature-key') ?? '').get('sig1')?.params.jwt).not.toBe(jwt);
  });
});

describe('signRequest: plain profile', () => {
  it('writes only the parameters asked for', async () => {
    const { priv, pub } = keyPair();
    const signed = await sign('https://api.example/x', {}, { key: priv, now: clock, profile: { name: 'plain', params: { created: true, keyid: 'my-key', nonce: true, tag: 'app' } } });
    const input = inputOf(signed);
    expect([...input.parameters.keys()]).toEqual(['created', 'keyid', 'nonce', 'tag']);
    expect(input.params.keyid).toBe('my-key');
    await expect(verifyMessage(signed, { key: pub, now: NOW })).resolves.toBeTruthy();
  });

  it('defaults to created, keyid, alg, expires', async () => {
    const signed = await sign('https://api.example/x', {}, { key: ephemeralKey(), profile: 'plain' });
    expect([...inputOf(signed).parameters.keys()]).toEqual(['created', 'keyid', 'alg', 'expires']);
  });
});

describe('private key material never leaks', () => {
  it('not in JSON.stringify or util.inspect of key sources, signers, signedFetch or a directory', async () => {
    const priv = generateKey();
    const d = exportPrivateJwk(priv).d as string;
    const source = staticKey(priv);
    const objects: unknown[] = [source, ephemeralKey(), new RequestSigner({ key: priv }), signedFetch({ key: priv }), createDirectory({ keys: priv }), await source.current(), priv];
    for (const object of objects) {
      expect(JSON.stringify(object) ?? '').not.toContain(d);
      expect(inspect(object, { depth: 10, showHidden: true })).not.toContain(d);
    }
  });

  it('not in the error for a malformed key text, nor in its cause', () => {
    let jwk = exportPrivateJwk(generateKey());
    while (!/^[A-Za-z]/.test(jwk.d as string)) jwk = exportPrivateJwk(generateKey()); // a letter: V8 then quotes the text around it
    const broken = `{"kty":"OKP","crv":"Ed25519","d":${jwk.d},"x":"${jwk.x}"}`; // d unquoted: JSON.parse quotes the text in its message
    let error: unknown;
    try {
      staticKey(broken);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'invalid_key' });
    // V8 quotes up to ~10 characters around the bad token: even a prefix of d must not appear.
    const prefix = (jwk.d as string).slice(0, 6);
    expect(inspect(error, { depth: 10 })).not.toContain(prefix);
    expect(JSON.stringify(error)).not.toContain(prefix);
  });
});

describe('observability', () => {
  it(`publishes each signature on diagnostics_channel "${SIGN_CHANNEL}" without key material`, async () => {
    const events: SignEvent[] = [];
    const listener = (message: unknown) => events.push(message as SignEvent);
    subscribe(SIGN_CHANNEL, listener);
    try {
      const priv = generateKey();
      await sign('https://api.example/v1?x=1', { method: 'DELETE' }, { key: priv, now: clock });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ label: 'sig1', keyid: priv.thumbprint, alg: 'ed25519', profile: 'web-bot-auth', method: 'DELETE', url: 'https://api.example/v1?x=1', created: NOW, expires: NOW + 60 });
      expect(events[0]?.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(events[0])).not.toContain(exportPrivateJwk(priv).d as string);
    } finally {
      unsubscribe(SIGN_CHANNEL, listener);
    }
  });
});

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
