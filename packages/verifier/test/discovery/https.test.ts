/**
 * The production path: https only (allowHttp off), a host name resolved by the guard and pinned, the certificate
 * verified against the host name (not the pinned IP). The fixture speaks TLS with a self-signed certificate for
 * agent.test / keys.agent.test, trusted through the `ca` option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '@signet/core';
import { KeyDiscovery, type DiscoveryOptions } from '../../src/discovery/index.js';
import { DIRECTORY_PATH, ManualClock, directoryHandler, fixed, json, selfSignedCertificate, startFixture, type Fixture } from './fixtures.js';

const clock = new ManualClock();
const key = generateKey();
const tls = selfSignedCertificate(['agent.test', 'keys.agent.test']);
let fx: Fixture;
let base: DiscoveryOptions;
const lookups: string[] = [];

beforeAll(async () => {
  fx = await startFixture({ [DIRECTORY_PATH]: directoryHandler(() => [key], clock.seconds), '/keys': fixed(json({ keys: [key.publicJwk()] })) }, { tls });
  fx.routes.set('/card', fixed(json({ client_id: `https://agent.test:${fx.port}/card`, client_name: 'Agent', jwks_uri: `https://keys.agent.test:${fx.port}/keys` })));
  base = {
    now: clock.now,
    ca: tls.cert,
    allowedHosts: ['127.0.0.1'],
    lookup: async (host) => {
      lookups.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    },
  };
});
afterAll(async () => {
  await fx.close();
});

describe('https key discovery', () => {
  it('fetches a signed directory over https with default settings (allowHttp off)', async () => {
    const d = new KeyDiscovery(base);
    try {
      const found = await d.findAgentKey({ label: 'a', uri: `https://agent.test:${fx.port}`, type: 'directory' }, key.thumbprint);
      expect(found).toMatchObject({ thumbprint: key.thumbprint, directorySigned: true, source: `https://agent.test:${fx.port}${DIRECTORY_PATH}` });
      expect(lookups).toContain('agent.test');
    } finally {
      await d.close();
    }
  });

  it('cimd: card, then its jwks_uri on another host; 1,000 concurrent lookups → 1 card fetch and 1 JWKS fetch', async () => {
    const d = new KeyDiscovery(base);
    try {
      const agent = { label: 'a', uri: `https://agent.test:${fx.port}/card`, type: 'cimd' as const };
      const results = await Promise.all(Array.from({ length: 1000 }, () => d.findAgentKey(agent, key.thumbprint)));
      expect(results.every((r) => r.source === `https://keys.agent.test:${fx.port}/keys`)).toBe(true);
      expect(fx.hits('/card')).toBe(1);
      expect(fx.hits('/keys')).toBe(1);
    } finally {
      await d.close();
    }
  });

  it('the certificate is checked against the host name even though the connection is pinned to an IP', async () => {
    const d = new KeyDiscovery(base);
    try {
      await expect(d.findJwksKey(`https://other.test:${fx.port}/keys`, key.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID|altnames/) });
    } finally {
      await d.close();
    }
  });

  it('an untrusted certificate is refused (no ca option)', async () => {
    const { ca: _ca, ...untrusting } = base;
    const d = new KeyDiscovery(untrusting);
    try {
      await expect(d.findJwksKey(`https://agent.test:${fx.port}/keys`, key.thumbprint)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringMatching(/self-signed|SELF_SIGNED/i) });
    } finally {
      await d.close();
    }
  });

  it('the same host over http: is refused without allowHttp', async () => {
    const d = new KeyDiscovery(base);
    try {
      await expect(d.findJwksKey(`http://agent.test:${fx.port}/keys`, key.thumbprint)).rejects.toMatchObject({ code: 'fetch_not_allowed' });
    } finally {
      await d.close();
    }
  });
});
