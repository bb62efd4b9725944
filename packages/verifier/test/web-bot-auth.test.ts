import { describe, expect, it } from 'vitest';
import { generateKey, importJwk, type PlainRequest } from '@signet/core';
import { createVerifier, MemoryNonceStore, type NonceStore } from '@signet/verifier';
import { FakeDiscovery } from './support/fake-discovery.js';
import { NOW, NOW_MS, nonce, sign, signWba, toRequest } from './support/sign.js';
import { webBotAuth } from '../../../test/support/vectors.js';

const AGENT = 'https://crawler.example';
const URL_ = 'https://api.example/data?q=1';
const now = (): number => NOW_MS;

describe('web-bot-auth profile', () => {
  const key = generateKey('ed25519');
  const other = generateKey('ed25519');
  const discovery = new FakeDiscovery().addAgent(AGENT, key);
  const verifier = () => createVerifier({ now, discovery, profiles: ['web-bot-auth'] });

  it('accepts a signed request: agent id is the Signature-Agent URI, keyid the thumbprint', async () => {
    const result = await verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })));
    expect(result.agent).toMatchObject({ id: AGENT, keyid: key.thumbprint, thumbprint: key.thumbprint, profile: 'web-bot-auth', pseudonymous: false });
    expect(result.covered).toEqual(['"@authority"', '"signature-agent";key="sig1"']);
    expect(result.created).toBe(NOW);
    expect(result.tag).toBe('web-bot-auth');
    expect(result.token).toBeUndefined();
  });

  it('accepts the legacy bare-string Signature-Agent covered as "signature-agent"', async () => {
    const result = await verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, legacy: true })));
    expect(result.agent.id).toBe(AGENT);
    expect(result.covered).toContain('"signature-agent"');
  });

  it('refuses a Signature-Agent that the signature does not cover', async () => {
    const signed = await signWba({ url: URL_, key, agent: AGENT });
    signed.headers['signature-agent'] = `sig1="${AGENT}"`;
    const uncovered = await sign({ url: URL_, key, headers: { 'signature-agent': `sig1="${AGENT}"` }, components: ['@authority'], params: { created: NOW, expires: NOW + 60, keyid: key.thumbprint, nonce: nonce(), tag: 'web-bot-auth' } });
    await expect(verifier().verify(toRequest(uncovered))).rejects.toMatchObject({ code: 'missing_required_component' });
  });

  it('refuses a swapped Signature-Agent (the covered member changed after signing)', async () => {
    const signed = await signWba({ url: URL_, key, agent: AGENT });
    signed.headers['signature-agent'] = 'sig1="https://evil.example"';
    // Even when the other origin publishes the same public key, the signature covers the original agent.
    const both = new FakeDiscovery().addAgent(AGENT, key).addAgent('https://evil.example', key);
    await expect(createVerifier({ now, discovery: both }).verify(toRequest(signed))).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('refuses a keyid that is not the thumbprint of the verifying key', async () => {
    const signed = await sign({
      url: URL_,
      key,
      headers: { 'signature-agent': `sig1="${AGENT}"` },
      components: ['@authority', '"signature-agent";key="sig1"'],
      params: { created: NOW, expires: NOW + 60, keyid: other.thumbprint, nonce: nonce(), tag: 'web-bot-auth' },
    });
    const discovery2 = new FakeDiscovery().addAgent(AGENT, key).addAgent(AGENT, other);
    await expect(createVerifier({ now, discovery: discovery2 }).verify(toRequest(signed))).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('unknown agent key → the discovery code (unknown_key)', async () => {
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key: other, agent: AGENT })))).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('no Signature-Agent and no static key → missing_signature_agent', async () => {
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key })))).rejects.toMatchObject({ code: 'missing_signature_agent' });
  });

  it('must cover @authority (or @target-uri)', async () => {
    const signed = await sign({ url: URL_, key, headers: { 'signature-agent': `sig1="${AGENT}"` }, components: ['"signature-agent";key="sig1"'], params: { created: NOW, expires: NOW + 60, keyid: key.thumbprint, nonce: nonce(), tag: 'web-bot-auth' } });
    await expect(verifier().verify(toRequest(signed))).rejects.toMatchObject({ code: 'missing_required_component' });
    const target = await sign({ url: URL_, key, headers: { 'signature-agent': `sig1="${AGENT}"` }, components: ['@target-uri', '"signature-agent";key="sig1"'], params: { created: NOW, expires: NOW + 60, keyid: key.thumbprint, nonce: nonce(), tag: 'web-bot-auth' } });
    await expect(verifier().verify(toRequest(target))).resolves.toMatchObject({ agent: { id: AGENT } });
  });

  it('requires created, expires, keyid and (by default) nonce', async () => {
    for (const drop of ['created', 'expires', 'keyid', 'nonce']) {
      const params: Record<string, string | number | undefined> = { created: NOW, expires: NOW + 60, keyid: key.thumbprint, nonce: nonce(), tag: 'web-bot-auth' };
      delete params[drop];
      const signed = await sign({ url: URL_, key, headers: { 'signature-agent': `sig1="${AGENT}"` }, components: ['@authority', '"signature-agent";key="sig1"'], params });
      await expect(verifier().verify(toRequest(signed)), drop).rejects.toMatchObject({ code: 'missing_parameter' });
    }
    const relaxed = createVerifier({ now, discovery, requireNonce: false });
    await expect(relaxed.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, nonce: null })))).resolves.toMatchObject({ nonce: undefined });
  });

  it('freshness: future created, expired, lifetime over the maximum (default 300 s)', async () => {
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, created: NOW + 31 })))).rejects.toMatchObject({ code: 'not_yet_valid' });
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, created: NOW + 29 })))).resolves.toBeDefined();
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, created: NOW - 100, expires: NOW - 31 })))).rejects.toMatchObject({ code: 'expired' });
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, created: NOW - 100, expires: NOW - 29 })))).resolves.toBeDefined();
    await expect(verifier().verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, expires: NOW + 301 })))).rejects.toMatchObject({ code: 'lifetime_exceeded' });
    const long = createVerifier({ now, discovery, maxLifetime: 3600 });
    await expect(long.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, expires: NOW + 3600 })))).resolves.toBeDefined();
  });

  it('refuses a configuration above the 24 h hard limit', () => {
    expect(() => createVerifier({ maxLifetime: 86_401 })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    expect(() => createVerifier({ maxLifetime: 86_400 })).not.toThrow();
  });

  it('a replayed request is refused with replayed; the nonce is scoped by key', async () => {
    const v = verifier();
    const shared = nonce();
    const signed = await signWba({ url: URL_, key, agent: AGENT, nonce: shared });
    await v.verify(toRequest(signed));
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'replayed' });
    // Another agent using the same nonce value is not a replay of this one.
    const d2 = new FakeDiscovery().addAgent(AGENT, key).addAgent('https://other.example', other);
    const v2 = createVerifier({ now, discovery: d2 });
    await v2.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, nonce: shared })));
    await expect(v2.verify(toRequest(await signWba({ url: URL_, key: other, agent: 'https://other.example', nonce: shared })))).resolves.toBeDefined();
  });

  it('an attacker cannot burn a victim nonce: nonces are recorded only after the signature verified', async () => {
    const v = verifier();
    const victimNonce = nonce();
    // The attacker signs with its own key but claims the victim's agent and nonce.
    await expect(v.verify(toRequest(await signWba({ url: URL_, key: other, agent: AGENT, nonce: victimNonce })))).rejects.toMatchObject({ code: 'unknown_key' });
    const forged = await signWba({ url: URL_, key, agent: AGENT, nonce: victimNonce });
    forged.headers.signature = forged.headers.signature!.replace(/:(.)/, (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`);
    await expect(v.verify(toRequest(forged))).rejects.toMatchObject({ code: 'signature_invalid' });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT, nonce: victimNonce })))).resolves.toBeDefined();
  });

  it('a failing replay store fails closed with replay_store_unavailable', async () => {
    const broken: NonceStore = { checkAndStore: async () => { throw new Error('connection refused'); } };
    const v = createVerifier({ now, discovery, nonceStore: broken });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })))).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    expect(v.stats()).toMatchObject({ accepted: 0, rejected: 1, rejectedByCode: { replay_store_unavailable: 1 } });
  });

  it('a MemoryNonceStore subclass that overrides checkAndStore is asked through it (the synchronous shortcut is only for the plain store)', async () => {
    class Failing extends MemoryNonceStore {
      override async checkAndStore(): Promise<boolean> {
        throw new Error('quota exceeded');
      }
    }
    const v = createVerifier({ now, keys: [{ key: key.toPublic(), agent: AGENT }], discovery: false, nonceStore: new Failing({ now }) });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })))).rejects.toMatchObject({ code: 'replay_store_unavailable' });
    const plain = createVerifier({ now, keys: [{ key: key.toPublic(), agent: AGENT }], discovery: false, nonceStore: new MemoryNonceStore({ now }) });
    const signed = await signWba({ url: URL_, key, agent: AGENT });
    await expect(plain.verify(toRequest(signed))).resolves.toBeDefined();
    await expect(plain.verify(toRequest(signed))).rejects.toMatchObject({ code: 'replayed' });
  });

  it('statically trusted keys: bound to their agent URI, or to requests with no Signature-Agent', async () => {
    const v = createVerifier({ now, keys: [{ key: key.toPublic(), agent: AGENT }], discovery: false });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })))).resolves.toMatchObject({ agent: { id: AGENT } });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key })))).resolves.toMatchObject({ agent: { id: AGENT } });
    // The same key claiming another agent is not trusted for it (and there is no discovery).
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: 'https://evil.example' })))).rejects.toMatchObject({ code: 'unknown_key' });
    const anonymous = createVerifier({ now, keys: [key.publicJwk()], discovery: false });
    await expect(anonymous.verify(toRequest(await signWba({ url: URL_, key })))).resolves.toMatchObject({ agent: { id: `urn:jkt:sha-256:${key.thumbprint}` } });
    await expect(anonymous.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })))).rejects.toMatchObject({ code: 'unknown_key' });
  });

  it('selection: the web-bot-auth signature among others, or by label', async () => {
    const first = await sign({ url: URL_, key: other, label: 'app', components: ['@authority'], params: { created: NOW, keyid: 'app-key' } });
    const both = await signWba({ url: URL_, key, agent: AGENT, headers: { 'signature-input': first.headers['signature-input']!, signature: first.headers.signature! } });
    await expect(verifier().verify(toRequest(both))).resolves.toMatchObject({ label: 'sig1' });
    const byLabel = createVerifier({ now, discovery, label: 'app', keys: [{ key: other.toPublic(), keyid: 'app-key' }] });
    await expect(byLabel.verify(toRequest(both))).resolves.toMatchObject({ label: 'app', agent: { profile: 'static', id: 'app-key' } });
  });

  it('a profile the verifier does not accept → unsupported_profile', async () => {
    const v = createVerifier({ now, discovery, profiles: ['aauth'] });
    await expect(v.verify(toRequest(await signWba({ url: URL_, key, agent: AGENT })))).rejects.toMatchObject({ code: 'unsupported_profile' });
  });

  it('never accepts HMAC for web-bot-auth, even for a configured secret', async () => {
    const secret = generateKey('hmac-sha256');
    const signed = await sign({ url: URL_, key: secret, components: ['@authority'], params: { created: NOW, expires: NOW + 60, keyid: 's', nonce: nonce(), tag: 'web-bot-auth' } });
    const v = createVerifier({ now, resolveKey: () => secret });
    await expect(v.verify(toRequest(signed))).rejects.toMatchObject({ code: 'unsupported_algorithm' });
  });

  it('refuses the published architecture vectors as lifetime_exceeded: they live for decades, beyond the 24 h hard limit', async () => {
    for (const vector of webBotAuth.architecture()) {
      const headers: Record<string, string> = { 'signature-input': vector.signature_input, signature: vector.signature };
      if (vector.signature_agent !== undefined) headers['signature-agent'] = vector.signature_agent;
      const request: PlainRequest = { method: 'GET', url: vector.target_url, headers };
      const publicKey = importJwk(vector.key as never).toPublic();
      const agent = vector.signature_agent === undefined ? undefined : 'https://signature-agent.test';
      const v = createVerifier({ now: () => vector.created_ms + 1000, maxLifetime: 86_400, keys: [{ key: publicKey, ...(agent === undefined ? {} : { agent }) }], nonceStore: new MemoryNonceStore() });
      await expect(v.verify(new Request(request.url, { headers }))).rejects.toMatchObject({ code: 'lifetime_exceeded' });
    }
  });
});
