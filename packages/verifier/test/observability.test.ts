import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { DECISION_CHANNEL, createVerifier, type VerifierDecision } from '@signet/verifier';
import { FakeDiscovery } from './support/fake-discovery.js';
import { NOW_MS, signWba, toRequest } from './support/sign.js';

const AGENT = 'https://agent.example';
const key = generateKey('ed25519');

describe('observability', () => {
  const seen: VerifierDecision[] = [];
  const listener = (message: unknown): void => void seen.push(message as VerifierDecision);
  afterEach(() => {
    unsubscribe(DECISION_CHANNEL, listener);
    seen.length = 0;
  });

  it('publishes every decision on signet:verifier:decision, and counts them', async () => {
    subscribe(DECISION_CHANNEL, listener);
    const v = createVerifier({ now: () => NOW_MS, discovery: new FakeDiscovery().addAgent(AGENT, key) });
    const request = toRequest(await signWba({ url: 'https://api.example/a', key, agent: AGENT }));
    await v.verify(request);
    const replay = toRequest(await signWba({ url: 'https://api.example/a', key, agent: AGENT, nonce: 'n1' }));
    await v.verify(replay);
    await expect(v.verify(toRequest(await signWba({ url: 'https://api.example/a', key, agent: AGENT, nonce: 'n1' })))).rejects.toMatchObject({ code: 'replayed' });
    await expect(v.verify(new Request('https://api.example/b'))).rejects.toMatchObject({ code: 'missing_signature' });

    expect(seen).toHaveLength(4);
    expect(seen[0]).toMatchObject({ outcome: 'accepted', code: undefined, agent: AGENT, keyid: key.thumbprint, label: 'sig1', profile: 'web-bot-auth', method: 'GET', url: 'https://api.example/a', request });
    expect(seen[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(seen[2]).toMatchObject({ outcome: 'rejected', code: 'replayed', agent: AGENT, keyid: key.thumbprint });
    expect(seen[3]).toMatchObject({ outcome: 'rejected', code: 'missing_signature', agent: undefined, keyid: undefined, url: 'https://api.example/b' });
    expect(v.stats()).toEqual({ accepted: 2, rejected: 2, rejectedByCode: { replayed: 1, missing_signature: 1 } });
  });

  it('a rejected request names the agent it claimed (for attribution), not a verified one', async () => {
    subscribe(DECISION_CHANNEL, listener);
    const v = createVerifier({ now: () => NOW_MS, discovery: new FakeDiscovery() });
    await expect(v.verify(toRequest(await signWba({ url: 'https://api.example/a', key, agent: 'https://claimed.example' })))).rejects.toMatchObject({ code: 'unknown_key' });
    expect(seen[0]).toMatchObject({ outcome: 'rejected', code: 'unknown_key', agent: 'https://claimed.example', profile: 'web-bot-auth' });
  });

  it('an unexpected failure becomes internal_error (fail closed), answered 500 without details', async () => {
    const v = createVerifier({ now: () => NOW_MS, discovery: false, resolveKey: () => { throw new TypeError('bug in the hook'); } });
    const error = await v.verify(toRequest(await signWba({ url: 'https://api.example/a', key }))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unknown_key' });
    const weird = createVerifier({ now: () => NOW_MS, nonceStore: { checkAndStore: () => 'yes' as never }, discovery: false, keys: [key] });
    await expect(weird.verify(toRequest(await signWba({ url: 'https://api.example/a', key })))).rejects.toMatchObject({ code: 'replayed' });
    const failure = v.failureResponse(new Error('secret internals'));
    expect(failure).toMatchObject({ status: 500, body: { error: 'internal_error', message: 'The request could not be verified.' } });
    expect(JSON.stringify(failure)).not.toContain('secret internals');
  });
});
