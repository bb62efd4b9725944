/**
 * `signet verify --profile web-bot-auth` on the Web Bot Auth architecture vectors, written out as raw
 * requests: the key as a JWK, and picked by keyid (its JWK thumbprint) from a JWKS of several keys.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc9421, webBotAuth } from '../support/vectors.js';
import { json, publicOnly, requireBuiltCli, signedRfcMessage, signet, tempDir, webBotAuthRequest } from './support.js';
import type { CheckReport as Report } from '@signet/cli';


const vectors = webBotAuth.architecture();
const tmp = tempDir();
const extraEd25519 = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
let jwksFile = '';
let strangerFile = '';

beforeAll(() => {
  requireBuiltCli();
  const keys = new Map<string, Record<string, string>>();
  for (const v of vectors) keys.set(v.key.kty ?? '', publicOnly(v.key));
  // Several keys, none with a kid equal to the keyid: the thumbprint must pick the right one.
  jwksFile = tmp.file('directory.jwks', JSON.stringify({ keys: [{ ...extraEd25519, kid: 'extra' }, ...keys.values()] }));
  strangerFile = tmp.file('stranger.jwk', JSON.stringify(extraEd25519));
});
afterAll(() => tmp.cleanup());

describe.concurrent('signet verify --profile web-bot-auth: architecture vectors', () => {
  for (const [index, v] of vectors.entries()) {
    const name = `${v.key.kty} ${v.label}${v.signature_agent === undefined ? '' : ' with Signature-Agent'}`;
    const now = String(v.created_ms / 1000 + 1);
    const request = (): string => tmp.file(`wba-${index}.http`, webBotAuthRequest(v));

    it(`${name}, key as JWK: exit 0, keyid is the thumbprint`, async () => {
      const key = tmp.file(`wba-${index}.jwk`, JSON.stringify(publicOnly(v.key)));
      const result = await signet(['verify', '--key', key, '--profile', 'web-bot-auth', '--now', now, '--json', request()]);
      const report = json<Report>(result);
      expect(report.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(report).toMatchObject({ valid: true, label: v.label, keyid: /keyid="([^"]+)"/.exec(v.signature_input)?.[1] });
      expect(report.params.tag).toBe('web-bot-auth');
      if (v.signature_agent_key !== undefined) {
        expect(report.covered).toContain(`"signature-agent";key="${v.signature_agent_key}"`);
        expect(report.base).toContain(`"signature-agent";key="${v.signature_agent_key}": `);
      }
    });

    it(`${name}, key picked by keyid from a JWKS of three keys: exit 0`, async () => {
      const result = await signet(['verify', '--key', jwksFile, '--profile', 'web-bot-auth', '--now', now, request()]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('profile web-bot-auth');
    });

    if (index === 0) it(`${name}, with the vector's private JWK as key file: exit 0`, async () => {
      const key = tmp.file(`wba-${index}.private.jwk`, JSON.stringify(v.key));
      expect((await signet(['verify', '--key', key, '--profile', 'web-bot-auth', '--now', now, request()])).code).toBe(0);
    });

    it(`${name}, a wrong key of the same type: exit 1 (keyid is not its thumbprint)`, async () => {
      const key = v.key.kty === 'OKP' ? strangerFile : tmp.file(`rsa-stranger-${index}.jwk`, JSON.stringify({ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }), alg: 'PS512' }));
      const result = await signet(['verify', '--key', key, '--profile', 'web-bot-auth', '--now', now, '--json', request()]);
      expect(result.code).toBe(1);
      const report = json<Report>(result);
      expect(report.valid).toBe(false);
      expect(report.error?.code).toBe('invalid_parameter');
      expect(report.error?.message).toContain('thumbprint');
    });

    if (v.key.kty === 'OKP') it(`${name}, a wrong key under the plain profile: exit 1, signature_invalid`, async () => {
      const result = await signet(['verify', '--key', strangerFile, '--now', now, '--json', request()]);
      expect(result.code).toBe(1);
      expect(json<Report>(result).error?.code).toBe('signature_invalid');
    });

    it(`${name}, a key of the other vector's type: exit 1, algorithm_mismatch`, async () => {
      const other = vectors.find((o) => o.key.kty !== v.key.kty);
      const key = tmp.file(`wba-${index}-other.jwk`, JSON.stringify(publicOnly(other?.key ?? {})));
      const result = await signet(['verify', '--key', key, '--profile', 'web-bot-auth', '--now', now, '--json', request()]);
      expect(result.code).toBe(1);
      expect(json<Report>(result).error?.code).toBe('algorithm_mismatch');
    });

    it(`${name}, after expires: exit 1, expired; before created: exit 1, not_yet_valid`, async () => {
      const late = await signet(['verify', '--key', jwksFile, '--profile', 'web-bot-auth', '--now', String(v.expires_ms / 1000 + 60), '--json', request()]);
      expect(late.code).toBe(1);
      expect(json<Report>(late).error?.code).toBe('expired');
      const early = await signet(['verify', '--key', jwksFile, '--profile', 'web-bot-auth', '--now', String(v.created_ms / 1000 - 120), '--json', request()]);
      expect(early.code).toBe(1);
      expect(json<Report>(early).error?.code).toBe('not_yet_valid');
    });
  }

  it('a JWKS without the signer key: exit 1, unknown_key', async () => {
    const v = vectors[0];
    if (v === undefined) throw new Error('no vector');
    const jwks = tmp.file('other.jwks', JSON.stringify({ keys: [extraEd25519] }));
    const result = await signet(['verify', '--key', jwks, '--profile', 'web-bot-auth', '--now', String(v.created_ms / 1000), '--json', tmp.file('wba-first.http', webBotAuthRequest(v))]);
    expect(result.code).toBe(1);
    expect(json<Report>(result).error?.code).toBe('unknown_key');
  });

  it('the profile refuses an RFC 9421 signature without tag="web-bot-auth": exit 1, missing_signature', async () => {
    const rfc = rfc9421();
    const b26 = rfc.cases.find((c) => c.id === 'B.2.6');
    if (b26 === undefined) throw new Error('no B.2.6');
    const key = tmp.file('rfc-ed25519.jwk', JSON.stringify(publicOnly(rfc.keys['test-key-ed25519']?.jwk ?? {})));
    const file = tmp.file('b26.http', signedRfcMessage(rfc, b26));
    const plain = await signet(['verify', '--key', key, '--now', '1618884473', file]);
    expect(plain.code).toBe(0);
    const wba = await signet(['verify', '--key', key, '--now', '1618884473', '--profile', 'web-bot-auth', '--json', file]);
    expect(wba.code).toBe(1);
    expect(json<Report>(wba).error?.code).toBe('missing_signature');
  });

  it('sign --profile web-bot-auth, then verify --profile web-bot-auth: exit 0; created/expires/nonce/tag/alg set', async () => {
    const v = vectors.find((o) => o.key.kty === 'OKP');
    const key = tmp.file('wba-signer.jwk', JSON.stringify(v?.key));
    const raw = tmp.file('to-sign.http', 'GET /path/to/resource HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const signed = await signet(['sign', '--key', key, '--profile', 'web-bot-auth', '--created', '1735689600', raw]);
    expect(signed.code).toBe(0);
    expect(signed.stdout).toMatch(
      /\r\nSignature-Input: sig1=\("@authority"\);created=1735689600;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519";expires=1735689900;nonce="[A-Za-z0-9+/]{86}==";tag="web-bot-auth"\r\n/,
    );
    const file = tmp.file('wba-signed.http', signed.stdout);
    expect((await signet(['verify', '--key', jwksFile, '--profile', 'web-bot-auth', '--now', '1735689700', file])).code).toBe(0);
    const expired = await signet(['verify', '--key', jwksFile, '--profile', 'web-bot-auth', '--now', '1735690000', '--json', file]);
    expect(json<Report>(expired).error?.code).toBe('expired');
  });

  it('the profile requires "@authority" (or "@target-uri") to be covered: exit 1, missing_required_component', async () => {
    const v = vectors.find((o) => o.key.kty === 'OKP');
    const key = tmp.file('wba-signer-2.jwk', JSON.stringify(v?.key));
    const raw = tmp.file('to-sign-2.http', 'GET /path HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const signed = await signet(['sign', '--key', key, '--profile', 'web-bot-auth', '--components', '"@method" "@path"', '--created', '1735689600', raw]);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain('warning: Web Bot Auth requires "@authority"');
    const result = await signet(['verify', '--key', key, '--profile', 'web-bot-auth', '--now', '1735689600', '--json', tmp.file('no-authority.http', signed.stdout)]);
    expect(result.code).toBe(1);
    expect(json<Report>(result).error?.code).toBe('missing_required_component');
  });
});
