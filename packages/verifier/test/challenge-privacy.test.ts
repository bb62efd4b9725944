import { describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { createRequestSigner } from '@signet/client';
import { KeyDiscovery, createVerifier } from '../src/index.js';

/** A 401 must not tell an unsigned stranger how this server resolves names or what its network refuses. */
describe('failure responses for key discovery errors', () => {
  const key = generateKey('ed25519');

  async function rejectionFor(agentUri: string) {
    const signer = createRequestSigner({ key, profile: { name: 'web-bot-auth', signatureAgent: { key: 'agent', uri: agentUri } } });
    const url = 'https://api.example/v1';
    const request = new Request(url, { headers: await signer.sign({ method: 'GET', url, headers: new Headers(), body: null }) });
    const verifier = createVerifier({ discovery: new KeyDiscovery({ timeoutMs: 500 }) });
    try {
      const error = await verifier.verify(request).then(() => undefined, (e: unknown) => e);
      expect(error, 'the request must be refused').toBeDefined();
      return { error: error as Error & { code: string }, response: verifier.failureResponse(error) };
    } finally {
      await verifier.close?.();
    }
  }

  it('a loopback Signature-Agent: refused with fetch_not_allowed, without naming the address or the allowlist', async () => {
    const { error, response } = await rejectionFor('https://localhost');
    expect(response.status).toBe(401);
    expect(response.body.error).toBe('fetch_not_allowed');
    expect(error.message).toMatch(/127\.0\.0\.1|::1|loopback/); // the operator's detail is kept in the error…
    expect(response.body.message).not.toMatch(/127\.0\.0\.1|::1|loopback|allowedHosts|resolves/); // …not sent to the caller
    expect(response.body.message).toContain('https://localhost');
  });

  it('an unresolvable host: no resolver error text in the response', async () => {
    const { response } = await rejectionFor('https://agent.invalid');
    expect(response.body.error).toBe('directory_unavailable');
    expect(response.body.message).not.toMatch(/ENOTFOUND|getaddrinfo|EAI_AGAIN/);
  });
});
