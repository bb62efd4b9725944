/**
 * `signet keygen`: file mode 0600, no overwrite without --force, public JWK and thumbprint; and the
 * sign → verify round trip for every algorithm with the keys it makes.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkThumbprint } from '@signet/core';
import { json, requireBuiltCli, signet, tempDir } from './support.js';

const tmp = tempDir();
beforeAll(() => requireBuiltCli());
afterAll(() => tmp.cleanup());

interface KeygenJson {
  file: string;
  alg: string;
  kid: string | null;
  thumbprint: string | null;
  publicJwk: Record<string, string> | null;
}

const ALGORITHMS = [
  ['ed25519', 'ed25519', 'Ed25519'],
  ['ecdsa-p256', 'ecdsa-p256-sha256', 'ES256'],
  ['ecdsa-p384', 'ecdsa-p384-sha384', 'ES384'],
  ['rsa-pss', 'rsa-pss-sha512', 'PS512'],
  ['rsa-v1_5', 'rsa-v1_5-sha256', 'RS256'],
  ['hmac', 'hmac-sha256', 'HS256'],
] as const;

const REQUEST = 'POST /orders?id=7 HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"qty": 12}';

describe.concurrent('signet keygen', () => {
  for (const [short, alg, jose] of ALGORITHMS) {
    it(`--alg ${short}: mode 0600 private JWK (alg ${jose}); sign → verify round trip exits 0, tampered exits 1`, async () => {
      const out = `${tmp.dir}/${short}.jwk`;
      const made = await signet(['keygen', '--alg', short, '--out', out, '--json']);
      expect(made.stderr).toBe('');
      expect(made.code).toBe(0);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const info = json<KeygenJson>(made);
      const privateJwk = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
      expect(info.alg).toBe(alg);
      expect(privateJwk.alg).toBe(jose);
      expect(privateJwk.d ?? privateJwk.k).toBeTypeOf('string');
      let verifyKey = out;
      if (short === 'hmac') {
        expect(info.publicJwk).toBeNull();
        expect(privateJwk.kid).toBeUndefined();
      } else {
        const publicJwk = info.publicJwk as Record<string, string>;
        expect(publicJwk.d).toBeUndefined();
        expect(publicJwk.alg).toBe(jose);
        expect(info.thumbprint).toBe(jwkThumbprint(publicJwk));
        expect(privateJwk.kid).toBe(info.thumbprint);
        verifyKey = tmp.file(`${short}.public.jwk`, JSON.stringify(publicJwk));
      }
      const message = tmp.file(`${short}.http`, REQUEST);
      const signed = await signet(['sign', '--key', out, '--components', '"@method" "@target-uri" "content-type"', '--expires', '+60', message]);
      expect(signed.stderr).toBe('');
      expect(signed.code).toBe(0);
      const verified = await signet(['verify', '--key', verifyKey, '--json', '-'], { input: signed.stdout });
      expect(json(verified)).toMatchObject({ valid: true, alg, label: 'sig1' });
      expect(verified.code).toBe(0);
      const tampered = await signet(['verify', '--key', verifyKey, '--json', '-'], { input: signed.stdout.replace('"qty": 12', '"qty": 99').replace('id=7', 'id=8') });
      expect(tampered.code).toBe(1);
      expect(json<{ error: { code: string } }>(tampered).error.code).toBe('signature_invalid');
    }, 60_000); // four processes, one generating an RSA key: slow on a loaded machine
  }

  it('human output: public JWK and thumbprint printed, the private JWK only in the file', async () => {
    const out = `${tmp.dir}/human.jwk`;
    const made = await signet(['keygen', '--out', out]);
    expect(made.code).toBe(0);
    const privateJwk = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
    expect(made.stdout).toContain(`wrote private ed25519 key to ${out} (mode 0600)`);
    expect(made.stdout).toContain(`thumbprint: ${privateJwk.kid}`);
    expect(made.stdout).toContain(`"x":"${privateJwk.x}"`);
    expect(made.stdout).not.toContain(privateJwk.d);
  });

  it('refuses to overwrite without --force (exit 2, file unchanged); --force replaces it with mode 0600', async () => {
    const path = tmp.file('existing.jwk', 'precious', 0o644);
    const refused = await signet(['keygen', '--out', path]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error invalid_usage: .*already exists.*--force/);
    expect(await readFile(path, 'utf8')).toBe('precious');
    const forced = await signet(['keygen', '--out', path, '--force']);
    expect(forced.code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
  });

  it('without --out: the private JWK on stdout (usable as a key file), a warning on stderr', async () => {
    const made = await signet(['keygen', '--alg', 'ecdsa-p256', '--kid', 'agent-1']);
    expect(made.code).toBe(0);
    const jwk = JSON.parse(made.stdout) as Record<string, string>;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'agent-1', alg: 'ES256' });
    expect(jwk.d).toBeTypeOf('string');
    expect(made.stderr).toMatch(/^warning: this is a PRIVATE ecdsa-p256-sha256 key on standard output.*--out FILE/);
    const key = tmp.file('from-stdout.jwk', made.stdout);
    const signed = await signet(['sign', '--key', key, '--components', '@authority', '-'], { input: REQUEST });
    expect(signed.stdout).toContain(';keyid="agent-1"');
    expect((await signet(['verify', '--key', key, '-'], { input: signed.stdout })).code).toBe(0);
  });

  it('bad usage: an unknown --alg suggests the closest name (exit 2); a file argument is refused (exit 2)', async () => {
    const bad = await signet(['keygen', '--alg', 'ed2551']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error invalid_usage: --alg must be one of .*Did you mean ed25519\?/);
    const positional = await signet(['keygen', 'key.jwk']);
    expect(positional.code).toBe(2);
    expect(positional.stderr).toMatch(/^error invalid_usage: "signet keygen" takes no file argument/);
  });
});
