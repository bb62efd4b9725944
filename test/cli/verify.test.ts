/**
 * `signet verify` on the RFC 9421 Appendix B vectors, written out as raw messages: every case with its
 * key as PEM, as JWK and picked from a JWKS; tampered messages; the B.4 transformations; freshness.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc9421 } from '../support/vectors.js';
import { json, requireBuiltCli, rfcPublicJwk, signedRfcMessage, signet, tempDir, withHeaders } from './support.js';
import type { CheckReport as Report } from '@signet/cli';

const NOW = '1618884473';
const vectors = rfc9421();
const tmp = tempDir();


/** Key files of every vector key: public PEM (for asymmetric keys), public JWK (oct for HMAC), and one JWKS of all. */
const keyFiles: Record<string, { pem?: string; jwk: string }> = {};
let jwksFile = '';

beforeAll(() => {
  requireBuiltCli();
  const all = [];
  for (const [id, entry] of Object.entries(vectors.keys)) {
    const jwk = rfcPublicJwk(vectors, id);
    all.push(jwk);
    keyFiles[id] = {
      jwk: tmp.file(`${id}.jwk`, JSON.stringify(jwk)),
      ...(entry.publicPem === undefined ? {} : { pem: tmp.file(`${id}.pem`, entry.publicPem) }),
    };
  }
  jwksFile = tmp.file('all.jwks', JSON.stringify({ keys: all }));
});
afterAll(() => tmp.cleanup());

/** `--alg` for a PEM key: an RSA PEM fits two algorithms and these signatures carry no alg parameter. */
function pemAlg(keyId: string): string[] {
  const alg = vectors.keys[keyId]?.alg as string;
  return alg.startsWith('rsa') ? ['--alg', alg] : [];
}

describe.concurrent('signet verify: RFC 9421 Appendix B vectors', () => {
  for (const c of vectors.cases) {
    const forms = [
      ...(vectors.keys[c.key]?.publicPem === undefined ? [] : [{ form: 'PEM', args: () => ['--key', keyFiles[c.key]?.pem as string, ...pemAlg(c.key)] }]),
      { form: vectors.keys[c.key]?.secretBase64 === undefined ? 'JWK' : 'oct JWK', args: () => ['--key', keyFiles[c.key]?.jwk as string] },
      // Picking by kid from a JWKS of every vector key: on one request and the response case.
      ...(c.id === 'B.2.3' || c.id === 'B.2.4' ? [{ form: 'JWKS (picked by kid = keyid)', args: () => ['--key', jwksFile] }] : []),
    ];
    for (const { form, args } of forms) {
      it(`${c.id} with the key as ${form}: exit 0, base byte for byte`, async () => {
        const message = tmp.file(`${c.id}.http`, signedRfcMessage(vectors, c));
        const result = await signet(['verify', ...args(), '--now', NOW, '--json', message]);
        const report = json<Report>(result);
        expect(report.error).toBeUndefined();
        expect(result.code).toBe(0);
        expect(report.valid).toBe(true);
        expect(report.base).toBe(c.base);
        expect(report.label).toBe(c.signatureInput.slice(0, c.signatureInput.indexOf('=')));
        expect(report.keyid).toBe(c.key);
        expect(report.alg).toBe(vectors.keys[c.key]?.alg);
        expect(report.covered.join(' ')).toBe(/=\((.*)\);/.exec(c.signatureInput)?.[1]);
      });
    }

    if (c.id === 'B.2.2') it(`${c.id} from standard input ("-"), human output: exit 0, VALID`, async () => {
      const result = await signet(['verify', '--key', jwksFile, '--now', NOW, '-'], { input: signedRfcMessage(vectors, c) });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^VALID: signature "/);
    });

    it(`${c.id} with its signature bytes altered: exit 1, signature_invalid, base still shown`, async () => {
      const bytes = Buffer.from(/:([^:]+):/.exec(c.signature)?.[1] as string, 'base64');
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0x01;
      const tampered = withHeaders(vectors.messages[c.message] as string, [
        `Signature-Input: ${c.signatureInput}`,
        `Signature: ${c.signature.slice(0, c.signature.indexOf('=') + 1)}:${bytes.toString('base64')}:`,
      ]);
      const result = await signet(['verify', '--key', jwksFile, '--now', NOW, '--json', tmp.file(`${c.id}.sig-tampered.http`, tampered)]);
      const report = json<Report>(result);
      expect(result.code).toBe(1);
      expect(report.valid).toBe(false);
      expect(report.error?.code).toBe('signature_invalid');
      expect(report.base).toBe(c.base);
    });

    if (c.id === 'B.2.1') it(`${c.id} (it covers no component) with a signature parameter changed (created + 1): exit 1, signature_invalid`, async () => {
      const tampered = signedRfcMessage(vectors, c).replace(`created=${NOW}`, `created=${Number(NOW) + 1}`);
      const result = await signet(['verify', '--key', jwksFile, '--now', NOW, '--json', tmp.file(`${c.id}.params-tampered.http`, tampered)]);
      expect(result.code).toBe(1);
      expect(json<Report>(result).error?.code).toBe('signature_invalid');
    });

    const covered = c.signatureInput.includes('"@authority"') ? 'host' : c.signatureInput.includes('"content-type"') ? 'content-type' : undefined;
    if (covered !== undefined) {
      it(`${c.id} with a covered value changed in transit (${covered}): exit 1, signature_invalid`, async () => {
        const signed = signedRfcMessage(vectors, c);
        const tampered = covered === 'host' ? signed.replace(/^Host: (.*)$/m, 'Host: attacker.example') : signed.replace('Content-Type: application/json', 'Content-Type: text/plain');
        expect(tampered).not.toBe(signed);
        const result = await signet(['verify', '--key', jwksFile, '--now', NOW, '--json', tmp.file(`${c.id}.value-tampered.http`, tampered)]);
        const report = json<Report>(result);
        expect(result.code).toBe(1);
        expect(report.error?.code).toBe('signature_invalid');
        expect(report.base).not.toBe(c.base);
      });
    }
  }
});

describe.concurrent('signet verify: RFC 9421 B.4 transformations', () => {
  const b4 = vectors.cases.find((c) => c.id === 'B.4');
  if (b4 === undefined) throw new Error('no B.4 case');
  const sign = (raw: string): string => withHeaders(raw, [`Signature-Input: ${b4.signatureInput}`, `Signature: ${b4.signature}`]);
  for (const [index, raw] of vectors.transformations.valid.entries()) {
    it(`valid transformation ${index + 1} still verifies: exit 0`, async () => {
      const result = await signet(['verify', '--key', jwksFile, '--now', NOW, tmp.file(`b4-valid-${index}.http`, sign(raw))]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    });
  }
  for (const [index, raw] of vectors.transformations.invalid.entries()) {
    it(`invalid transformation ${index + 1} fails: exit 1, signature_invalid`, async () => {
      const result = await signet(['verify', '--key', jwksFile, '--now', NOW, tmp.file(`b4-invalid-${index}.http`, sign(raw))]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^INVALID: signature "transform"/);
      expect(result.stderr).toMatch(/^error signature_invalid: /);
    });
  }
});

describe.concurrent('signet verify: freshness, keys and labels (plain profile)', () => {
  const b26 = vectors.cases.find((c) => c.id === 'B.2.6');
  if (b26 === undefined) throw new Error('no B.2.6 case');
  const message = (): string => tmp.file('b26.http', signedRfcMessage(vectors, b26));

  it('created in the future beyond the skew: exit 1, not_yet_valid; within the skew: exit 0', async () => {
    const early = await signet(['verify', '--key', jwksFile, '--now', String(Number(NOW) - 31), '--json', message()]);
    expect(early.code).toBe(1);
    expect(json<Report>(early).error?.code).toBe('not_yet_valid');
    const withinSkew = await signet(['verify', '--key', jwksFile, '--now', String(Number(NOW) - 29), '--json', message()]);
    expect(withinSkew.code).toBe(0);
  });

  it('expires enforced when present: exit 1, expired after it (and a public key cannot sign: exit 2)', async () => {
    const signed = await signet(['sign', '--key', keyFiles['test-key-ed25519']?.jwk as string, '--components', '"@method"', message()]);
    // a public JWK cannot sign: exit 2, invalid_key
    expect(signed.code).toBe(2);
    expect(signed.stderr).toMatch(/^error invalid_key: .*public key/);
    const privateJwk = tmp.file('ed25519-private.jwk', JSON.stringify(vectors.keys['test-key-ed25519']?.jwk));
    const raw = tmp.file('plain.http', 'GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const ok = await signet(['sign', '--key', privateJwk, '--components', '"@method" "@authority"', '--created', NOW, '--expires', '+60', raw]);
    expect(ok.code).toBe(0);
    const file = tmp.file('expiring.http', ok.stdout);
    expect((await signet(['verify', '--key', privateJwk, '--now', String(Number(NOW) + 59), file])).code).toBe(0);
    const late = await signet(['verify', '--key', privateJwk, '--now', String(Number(NOW) + 60 + 31), '--json', file]);
    expect(late.code).toBe(1);
    expect(json<Report>(late).error?.code).toBe('expired');
  });

  it('the wrong key (same type, or another type): exit 1, signature_invalid', async () => {
    const sameType = await signet(['verify', '--key', keyFiles['test-key-rsa-pss']?.pem as string, '--alg', 'rsa-v1_5-sha256', '--now', NOW, '--json', tmp.file('b21.http', signedRfcMessage(vectors, vectors.cases[0] as never))]);
    expect(sameType.code).toBe(1);
    expect(json<Report>(sameType).error?.code).toBe('signature_invalid');
    const otherType = await signet(['verify', '--key', keyFiles['test-key-ecc-p256']?.jwk as string, '--now', NOW, '--json', message()]);
    expect(otherType.code).toBe(1);
    expect(json<Report>(otherType).error?.code).toBe('signature_invalid');
  });

  it('a JWKS without the keyid: exit 1, unknown_key naming the keyid', async () => {
    const jwks = tmp.file('other.jwks', JSON.stringify({ keys: [rfcPublicJwk(vectors, 'test-key-ecc-p256'), rfcPublicJwk(vectors, 'test-key-rsa-pss')] }));
    const result = await signet(['verify', '--key', jwks, '--now', NOW, '--json', message()]);
    expect(result.code).toBe(1);
    const report = json<Report>(result);
    expect(report.error?.code).toBe('unknown_key');
    expect(report.error?.message).toContain('"test-key-ed25519"');
    expect(report.base).toBe(b26.base);
  });

  it('an RSA PEM without --alg when the signature has no alg: exit 2, says to pass --alg', async () => {
    const result = await signet(['verify', '--key', keyFiles['test-key-rsa-pss']?.pem as string, '--now', NOW, tmp.file('b23.http', signedRfcMessage(vectors, vectors.cases[2] as never))]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error invalid_usage: .*pass --alg rsa-pss-sha512 or --alg rsa-v1_5-sha256/);
  });

  it('--label picks a signature; an absent label: exit 1, missing_signature; an unsigned message: exit 1', async () => {
    expect((await signet(['verify', '--key', jwksFile, '--now', NOW, '--label', 'sig-b26', message()])).code).toBe(0);
    const absent = await signet(['verify', '--key', jwksFile, '--now', NOW, '--label', 'nope', '--json', message()]);
    expect(absent.code).toBe(1);
    expect(json<Report>(absent).error?.code).toBe('missing_signature');
    const unsigned = await signet(['verify', '--key', jwksFile, '--json', tmp.file('unsigned.http', vectors.messages.request as string)]);
    expect(unsigned.code).toBe(1);
    expect(json<Report>(unsigned).error?.code).toBe('missing_signature');
  });

  it('a private key file verifies too (its public half is used)', async () => {
    const pem = tmp.file('ecc-private.pem', vectors.keys['test-key-ecc-p256']?.privatePem as string);
    const b24 = vectors.cases.find((c) => c.id === 'B.2.4') as never;
    const result = await signet(['verify', '--key', pem, '--now', NOW, tmp.file('b24.http', signedRfcMessage(vectors, b24))]);
    expect(result.code).toBe(0);
  });

  it('LF line ends are read like CRLF', async () => {
    const lf = signedRfcMessage(vectors, b26).replaceAll('\r\n', '\n');
    const result = await signet(['verify', '--key', jwksFile, '--now', NOW, '--json', tmp.file('b26-lf.http', lf)]);
    expect(result.code).toBe(0);
    expect(json<Report>(result).base).toBe(b26.base);
  });

  it('--scheme http changes the target URL (a signature over "@target-uri" made for https fails)', async () => {
    const privateJwk = tmp.file('ed-private-2.jwk', JSON.stringify(vectors.keys['test-key-ed25519']?.jwk));
    const raw = tmp.file('target.http', 'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const signed = await signet(['sign', '--key', privateJwk, '--components', '"@target-uri"', raw]);
    const file = tmp.file('target-signed.http', signed.stdout);
    const https = await signet(['verify', '--key', privateJwk, '--json', file]);
    expect(json<Report>(https).base).toContain('"@target-uri": https://example.com/a?b=c\n');
    const http = await signet(['verify', '--key', privateJwk, '--scheme', 'http', '--json', file]);
    expect(http.code).toBe(1);
    expect(json<Report>(http).base).toContain('"@target-uri": http://example.com/a?b=c\n');
  });
});
