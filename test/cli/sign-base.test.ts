/**
 * `signet sign` and `signet base` on the RFC 9421 Appendix B vectors: signing with the vector's
 * parameters reproduces its Signature-Input (and, for Ed25519 and HMAC, its Signature) byte for byte,
 * and `base` prints the vector's signature base.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc9421, type Rfc9421Vectors } from '../support/vectors.js';
import { json, requireBuiltCli, rfcPublicJwk, signedRfcMessage, signet, tempDir } from './support.js';

const NOW = '1618884473';
const vectors = rfc9421();
const tmp = tempDir();
type Case = Rfc9421Vectors['cases'][number];

beforeAll(() => requireBuiltCli());
afterAll(() => tmp.cleanup());

/** The private key of a case as a file, and the --alg an RSA PEM needs. */
function privateKeyArgs(c: Case): string[] {
  const entry = vectors.keys[c.key];
  if (entry === undefined) throw new Error(`no key ${c.key}`);
  if (entry.secretBase64 !== undefined) return ['--key', tmp.file(`${c.key}.secret.jwk`, JSON.stringify(rfcPublicJwk(vectors, c.key)))];
  const file = tmp.file(`${c.key}.private.pem`, entry.privatePem as string);
  return ['--key', file, ...(entry.alg.startsWith('rsa') ? ['--alg', entry.alg] : [])];
}

/** The sign options that reproduce a case's Signature-Input: label, components and parameters. */
function signArgs(c: Case): string[] {
  const label = c.signatureInput.slice(0, c.signatureInput.indexOf('='));
  const components = /=\((.*)\);/.exec(c.signatureInput)?.[1] ?? '';
  const param = (name: string): string[] => {
    const value = new RegExp(`;${name}=("?)([^";]*)\\1`).exec(c.signatureInput)?.[2];
    return value === undefined ? [] : [`--${name}`, value];
  };
  return ['--label', label, '--components', components, ...param('created'), ...param('keyid'), ...param('nonce'), ...param('tag')];
}

describe.concurrent('signet sign: RFC 9421 Appendix B vectors', () => {
  for (const c of vectors.cases) {
    it(`${c.id}: the Signature-Input is the vector's${c.deterministic ? ', and the whole signed message byte for byte' : ''}; it verifies`, async () => {
      const unsigned = tmp.file(`${c.id}.unsigned.http`, vectors.messages[c.message] as string);
      const result = await signet(['sign', ...privateKeyArgs(c), ...signArgs(c), unsigned]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`\r\nSignature-Input: ${c.signatureInput}\r\nSignature: `);
      if (c.deterministic) expect(result.stdout).toBe(signedRfcMessage(vectors, c));
      const publicKey = tmp.file(`${c.key}.public.jwk`, JSON.stringify(rfcPublicJwk(vectors, c.key)));
      const verified = await signet(['verify', '--key', publicKey, '--now', NOW, '--json', '-'], { input: result.stdout });
      expect(verified.code).toBe(0);
      expect(json(verified).base).toBe(c.base);
    });
  }

  it('reads the message from standard input and keeps LF line ends', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.6') as Case;
    const lf = (vectors.messages[c.message] as string).replaceAll('\r\n', '\n');
    const result = await signet(['sign', ...privateKeyArgs(c), ...signArgs(c), '-'], { input: lf });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(signedRfcMessage(vectors, c).replaceAll('\r\n', '\n'));
  });

  it('adds a second signature next to an existing one, and refuses a label already there: exit 2, duplicate_label', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.6') as Case;
    const signed = tmp.file('b26-signed.http', signedRfcMessage(vectors, c));
    const second = await signet(['sign', ...privateKeyArgs(c), '--label', 'proxy', '--components', '"@method" "signature";key="sig-b26"', '--created', NOW, signed]);
    expect(second.code).toBe(0);
    const file = tmp.file('two.http', second.stdout);
    const jwk = tmp.file('b26.public.jwk', JSON.stringify(rfcPublicJwk(vectors, c.key)));
    for (const label of ['sig-b26', 'proxy']) {
      expect((await signet(['verify', '--key', jwk, '--now', NOW, '--label', label, file])).code).toBe(0);
    }
    const again = await signet(['sign', ...privateKeyArgs(c), '--label', 'sig-b26', '--components', '"@method"', signed]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error duplicate_label: .*--label/);
  });

  it('defaults: created = now, keyid = the JWK kid (or the thumbprint of a PEM key), label sig1', async () => {
    const jwk = tmp.file('ed.jwk', JSON.stringify(vectors.keys['test-key-ed25519']?.jwk));
    const pem = tmp.file('ed.pem', vectors.keys['test-key-ed25519']?.privatePem as string);
    const raw = tmp.file('plain.http', 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const before = Math.floor(Date.now() / 1000);
    const fromJwk = await signet(['sign', '--key', jwk, '--components', '@method @authority', raw]);
    const created = Number(/;created=(\d+)/.exec(fromJwk.stdout)?.[1]);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(fromJwk.stdout).toContain(`Signature-Input: sig1=("@method" "@authority");created=${created};keyid="test-key-ed25519"\r\n`);
    const fromPem = await signet(['sign', '--key', pem, '--components', '@method', '--with-alg', raw]);
    expect(fromPem.stdout).toMatch(/;keyid="poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U";alg="ed25519"\r\n/);
  });

  it('a JWKS key file: --keyid picks the key; without it, several keys are a usage error', async () => {
    const jwks = tmp.file('signing.jwks', JSON.stringify({ keys: [vectors.keys['test-key-ed25519']?.jwk, rfcPublicJwk(vectors, 'test-shared-secret')] }));
    const raw = tmp.file('plain2.http', 'GET / HTTP/1.1\r\nHost: example.com\r\n\r\n');
    const picked = await signet(['sign', '--key', jwks, '--keyid', 'test-shared-secret', '--components', '@authority', raw]);
    expect(picked.code).toBe(0);
    expect((await signet(['verify', '--key', jwks, '-'], { input: picked.stdout })).stdout).toMatch(/^VALID: .*hmac-sha256/);
    const ambiguous = await signet(['sign', '--key', jwks, '--components', '@authority', raw]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/^error invalid_usage: .*holds 2 keys.*--keyid/);
  });

  it('covering a header the message lacks: exit 2, missing_component', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.6') as Case;
    const result = await signet(['sign', ...privateKeyArgs(c), '--components', '"@method" "x-absent"', tmp.file('unsigned.http', vectors.messages.request as string)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error missing_component: .*x-absent/);
  });
});

describe.concurrent('signet base: RFC 9421 Appendix B vectors', () => {
  for (const c of vectors.cases) {
    it(`${c.id}: --signature-input gives the vector's base; --raw without the final newline`, async () => {
      const unsigned = tmp.file(`${c.id}.base.http`, vectors.messages[c.message] as string);
      const result = await signet(['base', '--signature-input', c.signatureInput, unsigned]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(`${c.base}\n`);
      const raw = await signet(['base', '--raw', '-'], { input: signedRfcMessage(vectors, c) });
      expect(raw.stdout).toBe(c.base);
    });
  }

  it('--components with parameters builds the same base as the vector (B.2.2, with @query-param)', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.2') as Case;
    const args = ['base', '--components', '"@authority" "content-digest" "@query-param";name="Pet"', '--created', NOW, '--keyid', 'test-key-rsa-pss', '--tag', 'header-example', '--label', 'sig-b22'];
    const result = await signet([...args, tmp.file('b22.http', vectors.messages.request as string)]);
    expect(result.stdout).toBe(`${c.base}\n`);
  });

  it('a signed message and --label: the base of that signature; an unsigned message without --components: exit 2', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.4') as Case;
    const signed = await signet(['base', '--label', 'sig-b24', tmp.file('b24.http', signedRfcMessage(vectors, c))]);
    expect(signed.stdout).toBe(`${c.base}\n`);
    const unsigned = await signet(['base', tmp.file('unsigned-b.http', vectors.messages.request as string)]);
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toMatch(/^error invalid_usage: .*not signed: give --components/);
  });

  it('an unknown derived component: exit 2, unknown_component', async () => {
    const result = await signet(['base', '--components', '"@methd"', tmp.file('u.http', vectors.messages.request as string)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error unknown_component: /);
  });
});
