import { mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey, type SignetKey } from '@signet/core';
import { SignetKey as CoreKey } from '@signet/core';
import { ephemeralKey, fileKeySource, rotatingKeySource, signedFetch, staticKey, type KeyFileSystem } from '@signet/client';
import { verifyingServer, type TestServer } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'signet-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const jwkText = (key: SignetKey): string => JSON.stringify(exportPrivateJwk(key));
const pemText = (key: SignetKey): string => CoreKey.keyObject(key).export({ format: 'pem', type: 'pkcs8' }) as string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await sleep(2);
  }
}

describe('staticKey and ephemeralKey', () => {
  it('accept a SignetKey, a JWK object or text, a PEM and a KeyObject; the thumbprint is the same', async () => {
    const key = generateKey();
    const forms = [key, exportPrivateJwk(key), jwkText(key), pemText(key), CoreKey.keyObject(key)];
    const thumbprints = await Promise.all(forms.map(async (form) => (await staticKey(form).current()).thumbprint));
    expect(new Set(thumbprints)).toEqual(new Set([key.thumbprint]));
    expect(await staticKey(key).published()).toHaveLength(1);
  });

  it('ephemeralKey generates a new key each time, of the requested algorithm', async () => {
    const a = await ephemeralKey().current();
    const b = await ephemeralKey().current();
    expect(a.thumbprint).not.toBe(b.thumbprint);
    expect((await ephemeralKey('ecdsa-p384-sha384').current()).alg).toBe('ecdsa-p384-sha384');
  });
});

describe('fileKeySource', () => {
  it('loads a JWK file and a PEM file', async () => {
    const key = generateKey('ecdsa-p256-sha256');
    await writeFile(join(dir, 'a.jwk'), jwkText(key));
    await writeFile(join(dir, 'a.pem'), pemText(key));
    expect((await fileKeySource(join(dir, 'a.jwk')).current()).thumbprint).toBe(key.thumbprint);
    expect((await fileKeySource(join(dir, 'a.pem')).current()).thumbprint).toBe(key.thumbprint);
  });

  it('fails with key_unavailable while the file is missing, and does not remember the failure', async () => {
    const path = join(dir, 'late.jwk');
    const source = fileKeySource(path, { pollMs: 60_000 });
    await expect(source.current()).rejects.toMatchObject({ code: 'key_unavailable' });
    await expect(source.current()).rejects.toMatchObject({ code: 'key_unavailable' });
    const key = generateKey();
    await writeFile(path, jwkText(key));
    expect((await source.current()).thumbprint).toBe(key.thumbprint);
  });

  it('keeps the last good key on a bad read, retries, picks up the fixed file, and keeps the old key published for the grace period', async () => {
    const path = join(dir, 'rotate.jwk');
    const k1 = generateKey();
    const k2 = generateKey();
    let now = 1_000;
    const source = fileKeySource(path, { pollMs: 0, graceSeconds: 60, now: () => now });
    await writeFile(path, jwkText(k1));
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    await writeFile(path, jwkText(k2).slice(0, 40)); // half-written
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    await writeFile(path, JSON.stringify(k2.toPublic().publicJwk())); // a public key: not usable
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    await writeFile(path, jwkText(k2));
    expect((await source.current()).thumbprint).toBe(k2.thumbprint);
    expect((await source.published()).map((k) => k.thumbprint)).toEqual([k2.thumbprint, k1.thumbprint]);
    now += 61;
    expect((await source.published()).map((k) => k.thumbprint)).toEqual([k2.thumbprint]);
  });

  it('re-checks the file at most every pollMs', async () => {
    const path = join(dir, 'poll.jwk');
    const k1 = generateKey();
    const k2 = generateKey();
    let now = 0;
    let stats = 0;
    const fs: KeyFileSystem = {
      version: async () => `v${++stats}`,
      read: (p) => readFile(p, 'utf8'),
    };
    await writeFile(path, jwkText(k1));
    const source = fileKeySource(path, { pollMs: 1000, now: () => now, fs });
    await source.current();
    await writeFile(path, jwkText(k2));
    now += 0.5;
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    expect(stats).toBe(1);
    now += 0.6;
    expect((await source.current()).thumbprint).toBe(k2.thumbprint);
    expect(stats).toBe(2);
  });

  it('never puts key material in errors, JSON or inspect output', async () => {
    const path = join(dir, 'secret.jwk');
    let jwk = exportPrivateJwk(generateKey());
    while (!/^[A-Za-z]/.test(jwk.d as string)) jwk = exportPrivateJwk(generateKey());
    await writeFile(path, `{"kty":"OKP","crv":"Ed25519","d":${jwk.d},"x":"${jwk.x}"}`);
    const source = fileKeySource(path);
    const error = await source.current().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'key_unavailable' });
    const prefix = (jwk.d as string).slice(0, 6);
    for (const text of [inspect(error, { depth: 10 }), JSON.stringify(error), JSON.stringify(source), inspect(source)]) expect(text).not.toContain(prefix);
    await writeFile(path, JSON.stringify(jwk));
    await source.current();
    for (const text of [JSON.stringify(source), inspect(source, { showHidden: true, depth: 10 })]) expect(text).not.toContain(jwk.d as string);
  });

  it('rotation mid-stream: a file rewritten in place (half-written in between) while requests flow — no request fails', async () => {
    const path = join(dir, 'live.jwk');
    const keys = [generateKey(), generateKey('ecdsa-p256-sha256'), generateKey()];
    // What the verifier knows: a key is published before it is written (publish-before-sign).
    const known: SignetKey[] = [(keys[0] as SignetKey).toPublic()];
    const server: TestServer = await verifyingServer(() => known);
    const reads: string[] = [];
    const fs: KeyFileSystem = {
      version: async () => undefined, // always read: the test must hit the half-written file
      read: async (p) => {
        const text = await readFile(p, 'utf8');
        reads.push(text);
        return text;
      },
    };
    await writeFile(path, jwkText(keys[0] as SignetKey));
    const fetch = signedFetch({ key: fileKeySource(path, { pollMs: 5, fs }) });
    let stop = false;
    const failures: unknown[] = [];
    let sent = 0;
    const client = (async () => {
      while (!stop) {
        const response = await fetch(`${server.url}/tick/${sent++}`, { method: 'POST', body: `n=${sent}` }).catch((e: unknown) => e);
        if (!(response instanceof Response) || response.status !== 200) failures.push(response instanceof Response ? await response.json() : response);
      }
    })();
    const signedBy = (key: SignetKey) => waitFor(() => server.checks.some((c) => c.keyid === key.thumbprint));
    await signedBy(keys[0] as SignetKey);
    for (const next of keys.slice(1)) {
      known.push(next.toPublic());
      const text = jwkText(next);
      const half = text.slice(0, text.length / 2);
      const handle = await open(path, 'w'); // truncate in place, then write in two halves
      await handle.write(half);
      await handle.sync();
      await waitFor(() => reads.includes(half)); // the source has read the half-written file (and refused it)…
      const during = server.checks.length;
      await waitFor(() => server.checks.length > during + 2); // …while requests went on with the old key
      await handle.write(text.slice(text.length / 2));
      await handle.close();
      await signedBy(next);
    }
    // An atomic rename (what cert-manager / SPIFFE helpers do) works as well.
    const last = generateKey();
    known.push(last.toPublic());
    await writeFile(`${path}.tmp`, jwkText(last));
    await rename(`${path}.tmp`, path);
    await signedBy(last);
    stop = true;
    await client;
    await server.close();
    expect(failures).toEqual([]);
    expect(server.checks.filter((c) => c.ok)).toHaveLength(sent);
    const used = new Set(server.checks.map((c) => c.keyid));
    expect(used).toEqual(new Set([...keys, last].map((k) => k.thumbprint)));
  });
});

describe('rotatingKeySource', () => {
  const k1 = generateKey();
  const k2 = generateKey();
  let now = 0;
  const source = rotatingKeySource({
    keys: [
      { key: k1, notBefore: 0, notAfter: 1000 },
      { key: k2, notBefore: new Date(900_000), notAfter: 2000 },
    ],
    publishAheadSeconds: 300,
    graceSeconds: 200,
    now: () => now,
  });
  const published = async () => (await source.published()).map((k) => k.thumbprint);

  it('publishes a key ahead of its window, signs with the newest active key, and keeps the old key published for the grace period', async () => {
    now = 500;
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    expect(await published()).toEqual([k1.thumbprint]);
    now = 650; // k2 published, not yet signing
    expect((await source.current()).thumbprint).toBe(k1.thumbprint);
    expect(await published()).toEqual([k1.thumbprint, k2.thumbprint]);
    now = 950; // overlap: the newer key signs
    expect((await source.current()).thumbprint).toBe(k2.thumbprint);
    now = 1100; // k1 retired, still published
    expect(await published()).toEqual([k1.thumbprint, k2.thumbprint]);
    now = 1250;
    expect(await published()).toEqual([k2.thumbprint]);
    now = 2300;
    await expect(source.current()).rejects.toMatchObject({ code: 'key_unavailable' });
  });

  it('publishes nbf = notBefore and exp = notAfter + grace', async () => {
    now = 950;
    expect((await source.published()).map((k) => [k.nbf, k.exp])).toEqual([
      [0, 1200],
      [900, 2200],
    ]);
  });

  it('refuses an empty plan, an inverted window and a public key', () => {
    expect(() => rotatingKeySource({ keys: [] })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    expect(() => rotatingKeySource({ keys: [{ key: k1, notBefore: 10, notAfter: 5 }] })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }));
    expect(() => rotatingKeySource({ keys: [{ key: k1.toPublic(), notBefore: 0, notAfter: 5 }] })).toThrow(expect.objectContaining({ code: 'invalid_key' }));
  });

  it('serializes without key material', () => {
    expect(JSON.stringify(source)).not.toContain(exportPrivateJwk(k1).d as string);
    expect(JSON.parse(JSON.stringify(source))).toMatchObject({ type: 'rotatingKeySource', keys: [{ keyid: k1.thumbprint }, { keyid: k2.thumbprint }] });
  });
});
