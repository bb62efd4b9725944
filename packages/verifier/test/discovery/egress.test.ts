/**
 * The fetch guard: scheme, SSRF address checks (with the connection pinned to the vetted address), no redirects,
 * the wall-clock timeout and the streaming body cap — against real loopback servers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { KeyDiscovery, type DiscoveryOptions, type ResolvedAddress } from '../../src/discovery/index.js';
import { json, startFixture, type Fixture } from './fixtures.js';

let fx: Fixture;
const open: KeyDiscovery[] = [];
function discovery(options: DiscoveryOptions): KeyDiscovery {
  const d = new KeyDiscovery(options);
  open.push(d);
  return d;
}
const local: DiscoveryOptions = { allowHttp: true, allowedHosts: ['127.0.0.1'] };

beforeAll(async () => {
  fx = await startFixture({
    '/doc': (_req, res) => {
      const r = json({ ok: true }, { connection: 'close' });
      res.writeHead(r.status, r.headers).end(r.body);
    },
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});
afterAll(async () => {
  await fx.close();
});

describe('scheme and allowlist', () => {
  it('fetches loopback only when 127.0.0.1 is in allowedHosts', async () => {
    expect(await discovery(local).fetchJson(`${fx.origin}/doc`)).toEqual({ ok: true });
    const before = fx.hits('/doc');
    const err = await discovery({ allowHttp: true }).fetchJson(`${fx.origin}/doc`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'fetch_not_allowed', url: `${fx.origin}/doc`, message: expect.stringMatching(/127\.0\.0\.1 is loopback/) });
    expect(fx.hits('/doc')).toBe(before);
  });

  it('refuses http: unless allowHttp, and every other scheme', async () => {
    await expect(discovery({ allowedHosts: ['127.0.0.1'] }).fetchJson(`${fx.origin}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('only https: is fetched (allowHttp is off)') });
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x', 'data:application/json,{}', 'gopher://x/']) {
      await expect(discovery(local).fetchJson(url), url).rejects.toMatchObject({ code: 'fetch_not_allowed' });
    }
    await expect(discovery(local).fetchJson('not a url')).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('not an absolute URL') });
  });

  it('refuses URLs with credentials', async () => {
    await expect(discovery(local).fetchJson(`http://user:pw@127.0.0.1:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('credentials') });
  });

  it('refuses IP literals in forbidden ranges, in any spelling the URL parser accepts', async () => {
    const d = discovery({});
    for (const host of ['169.254.169.254', '10.0.0.1', '[::1]', '[::ffff:127.0.0.1]', '[fe80::1]', '2130706433', '0x7f.1', '100.64.1.1']) {
      await expect(d.fetchJson(`https://${host}/x`), host).rejects.toMatchObject({ code: 'fetch_not_allowed' });
    }
    expect(d.stats().fetches).toBe(8);
  });
});

describe('host names: every resolved address is vetted, and the connection is pinned to it', () => {
  const resolveTo = (...addresses: string[]) => async (): Promise<ResolvedAddress[]> => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('refuses a name that resolves to loopback, link-local or private, naming the address', async () => {
    for (const address of ['127.0.0.1', '169.254.169.254', '10.1.2.3', '::1', '::ffff:169.254.169.254']) {
      const d = discovery({ allowHttp: true, lookup: resolveTo(address) });
      await expect(d.fetchJson(`http://agent.test:${fx.port}/doc`), address).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining(`agent.test resolves to ${address}`) });
    }
  });

  it('refuses a name when ANY of its addresses is forbidden', async () => {
    const d = discovery({ allowHttp: true, lookup: resolveTo('93.184.216.34', '127.0.0.1') });
    await expect(d.fetchJson(`http://agent.test:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed' });
  });

  it('the real resolver: localhost is refused unless allowlisted', async () => {
    const before = fx.hits('/doc');
    await expect(discovery({ allowHttp: true }).fetchJson(`http://localhost:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('localhost resolves to') });
    expect(fx.hits('/doc')).toBe(before);
    const ok = discovery({ allowHttp: true, allowedHosts: ['localhost'], lookup: resolveTo('127.0.0.1') });
    expect(await ok.fetchJson(`http://localhost:${fx.port}/doc`)).toEqual({ ok: true });
  });

  it('an allowlisted IP admits names that resolve to it, and only to it', async () => {
    expect(await discovery({ ...local, lookup: resolveTo('127.0.0.1') }).fetchJson(`http://agent.test:${fx.port}/doc`)).toEqual({ ok: true });
    await expect(discovery({ ...local, lookup: resolveTo('127.0.0.2') }).fetchJson(`http://agent.test:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed' });
  });

  it('DNS rebinding: the address that is vetted is the address connected to (one resolution per connection)', async () => {
    // First answer: an allowed address. Every later answer: the metadata service. A guard that resolves once to
    // check and again to connect would connect to 169.254.169.254 on the second resolution.
    let calls = 0;
    const rebinding = async (): Promise<ResolvedAddress[]> => {
      calls++;
      return [{ address: calls === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const d = discovery({ ...local, lookup: rebinding });
    const before = fx.hits('/doc');
    expect(await d.fetchJson(`http://rebind.test:${fx.port}/doc`)).toEqual({ ok: true });
    expect(calls).toBe(1);
    expect(fx.hits('/doc')).toBe(before + 1);
    d.clear();
    // The server closed the connection, so this needs a new one: the new resolution is vetted and refused.
    await expect(d.fetchJson(`http://rebind.test:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('169.254.169.254') });
    expect(calls).toBe(2);
    expect(fx.hits('/doc')).toBe(before + 1);
  });

  it('with a caller-supplied dispatcher, addresses are still vetted before the fetch', async () => {
    const agent = new Agent();
    try {
      const d = discovery({ allowHttp: true, dispatcher: agent, lookup: resolveTo('10.0.0.7') });
      await expect(d.fetchJson(`http://agent.test:${fx.port}/doc`)).rejects.toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining('10.0.0.7') });
      const ok = discovery({ ...local, dispatcher: agent });
      expect(await ok.fetchJson(`${fx.origin}/doc`)).toEqual({ ok: true });
    } finally {
      await agent.close();
    }
  });

  it('a name that does not resolve is directory_unavailable', async () => {
    const d = discovery({ allowHttp: true, lookup: async () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' })) });
    await expect(d.fetchJson(`http://nowhere.test:${fx.port}/doc`)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringContaining('ENOTFOUND') });
  });
});

describe('redirects are never followed', () => {
  for (const [name, location] of [
    ['to loopback', () => `http://127.0.0.1:${fx.port}/doc`],
    ['to the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
  ] as const) {
    for (const status of [301, 302, 307, 308]) {
      it(`${status} ${name} → fetch_not_allowed; the target is never requested`, async () => {
        const path = `/redirect-${status}-${name.length}`;
        fx.routes.set(path, (_req, res) => res.writeHead(status, { location: location() }).end());
        const before = fx.hits('/doc');
        const err = await discovery(local).fetchJson(`${fx.origin}${path}`).catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'fetch_not_allowed', message: expect.stringContaining(`redirecting to ${location()}; redirects are never followed`) });
        expect(fx.hits('/doc')).toBe(before);
      });
    }
  }
});

describe('timeouts and the body cap', () => {
  it('a server that never answers times out after timeoutMs (directory_unavailable)', async () => {
    fx.routes.set('/hang', () => undefined);
    const started = performance.now();
    await expect(discovery({ ...local, timeoutMs: 300 }).fetchJson(`${fx.origin}/hang`)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringContaining('timed out after 300 ms') });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a slow body that trickles a byte every 50 ms is cut at the wall-clock deadline', async () => {
    const timers: NodeJS.Timeout[] = [];
    fx.routes.set('/drip', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      const t = setInterval(() => res.write(' '), 50);
      timers.push(t);
      res.on('close', () => clearInterval(t));
    });
    const started = performance.now();
    await expect(discovery({ ...local, timeoutMs: 400 }).fetchJson(`${fx.origin}/drip`)).rejects.toMatchObject({ code: 'directory_unavailable', message: expect.stringContaining('timed out after 400 ms') });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(2000);
    timers.forEach(clearInterval);
  });

  it('a 10 MB body with Content-Length is refused before reading it (directory_too_large)', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 0x20);
    fx.routes.set('/big', (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(big.length) }).end(big));
    await expect(discovery(local).fetchJson(`${fx.origin}/big`)).rejects.toMatchObject({ code: 'directory_too_large', message: expect.stringContaining('Content-Length 10485760 exceeds the 65536-byte cap') });
  });

  it('a 10 MB chunked body (no Content-Length) is aborted while streaming, just past the cap', async () => {
    let written = 0;
    let aborted = false;
    fx.routes.set('/big-chunked', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = (): void => {
        while (written < 10 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => {
        aborted = written < 10 * 1024 * 1024;
      });
      pump();
    });
    const err = await discovery(local).fetchJson(`${fx.origin}/big-chunked`).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'directory_too_large', message: expect.stringMatching(/body exceeds the 65536-byte cap \(aborted after \d+ bytes\)/) });
    await new Promise((r) => setTimeout(r, 100));
    expect(aborted).toBe(true);
  });

  it('the cap is configurable', async () => {
    fx.routes.set('/small', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pad: 'x'.repeat(200) })));
    await expect(discovery({ ...local, maxBodyBytes: 100 }).fetchJson(`${fx.origin}/small`)).rejects.toMatchObject({ code: 'directory_too_large' });
    expect(await discovery({ ...local, maxBodyBytes: 1000 }).fetchJson(`${fx.origin}/small`)).toMatchObject({ pad: expect.any(String) });
  });
});
