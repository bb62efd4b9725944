/**
 * `signet inspect`: the base, parameters, covered values, freshness and (with --key) the verdict of
 * each signature; color only on a terminal without NO_COLOR. Also `;req` with --request, on the
 * Web Bot Auth key-directory response vector.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc9421, webBotAuth } from '../support/vectors.js';
import { BIN, json, requireBuiltCli, rfcPublicJwk, signedRfcMessage, signet, tempDir } from './support.js';

const NOW = '1618884473';
const vectors = rfc9421();
const tmp = tempDir();
const ESC = '\u001b[';
let jwks = '';

beforeAll(() => {
  requireBuiltCli();
  jwks = tmp.file('all.jwks', JSON.stringify({ keys: Object.keys(vectors.keys).map((id) => rfcPublicJwk(vectors, id)) }));
});
afterAll(() => tmp.cleanup());

/** Runs the binary under `script`, so that its standard output is a terminal. */
function inTerminal(args: readonly string[], env: Record<string, string | undefined>): Promise<string> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return new Promise((resolve, reject) => {
    const merged: Record<string, string> = {};
    for (const [name, value] of Object.entries({ ...process.env, ...env })) if (value !== undefined) merged[name] = value;
    const child = spawn('script', ['-q', '-e', '-c', quoted, '/dev/null'], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(out).toString('utf8')));
  });
}

describe.concurrent('signet inspect', () => {
  for (const c of vectors.cases) {
    it(`${c.id}: shows the label, parameters as dates, covered values, the base verbatim, freshness; with --key VALID`, async () => {
      const file = tmp.file(`${c.id}.http`, signedRfcMessage(vectors, c));
      const alg = vectors.keys[c.key]?.alg as string;
      const result = await signet(['inspect', '--now', NOW, '--key', jwks, file]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const label = c.signatureInput.slice(0, c.signatureInput.indexOf('='));
      expect(result.stdout).toContain(`Signature "${label}"`);
      expect(result.stdout).toContain(`\n${c.base}\n`);
      expect(result.stdout).toMatch(/created +1618884473 +2021-04-20T02:07:53Z +\(now\)/);
      expect(result.stdout).toContain(`keyid    "${c.key}"`);
      expect(result.stdout).toContain('Freshness  fresh');
      expect(result.stdout).toContain(`VALID with ${jwks} (${alg}, profile plain)`);
      for (const line of c.base.split('\n').slice(0, -1)) {
        const [id, value] = [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)];
        expect(result.stdout).toMatch(new RegExp(`\\n    ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} *  ${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
      }
      expect(result.stdout).not.toContain(ESC);
    });
  }

  it('with the wrong key: INVALID with the error code, exit 1; without --key: exit 0', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.6');
    const file = tmp.file('b26.http', signedRfcMessage(vectors, c as never));
    const wrong = tmp.file('wrong.jwk', JSON.stringify(rfcPublicJwk(vectors, 'test-key-ecc-p256')));
    const result = await signet(['inspect', '--now', NOW, '--key', wrong, file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('INVALID with');
    expect(result.stdout).toContain('error signature_invalid: ');
    expect((await signet(['inspect', '--now', NOW, file])).code).toBe(0);
  });

  it('freshness against --now: EXPIRED after expires, NOT YET VALID before created, with relative times', async () => {
    const key = tmp.file('ed.jwk', JSON.stringify(vectors.keys['test-key-ed25519']?.jwk));
    const signed = await signet(['sign', '--key', key, '--components', '@method', '--created', NOW, '--expires', '+300', '-'], { input: 'GET / HTTP/1.1\r\nHost: a.example\r\n\r\n' });
    const file = tmp.file('expiring.http', signed.stdout);
    const late = await signet(['inspect', '--now', String(Number(NOW) + 7200), file]);
    expect(late.stdout).toMatch(/Freshness  EXPIRED: created 2 h ago, expired 1 h ago/);
    expect(late.stdout).toMatch(/expires +1618884773 +2021-04-20T02:12:53Z +\(1 h ago\)/);
    const early = await signet(['inspect', '--now', String(Number(NOW) - 3 * 86400), file]);
    expect(early.stdout).toMatch(/Freshness  NOT YET VALID: created in 3 d, expires in 3 d/);
  });

  it('a body that does not match its Content-Digest is pointed out', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.3');
    const good = await signet(['inspect', '--now', NOW, tmp.file('b23.http', signedRfcMessage(vectors, c as never))]);
    expect(good.stdout).toContain('Content-Digest  matches the body');
    const changed = signedRfcMessage(vectors, c as never).replace('{"hello": "world"}', '{"hello": "there"}');
    const bad = await signet(['inspect', '--now', NOW, tmp.file('b23-changed.http', changed)]);
    expect(bad.stdout).toContain('Content-Digest  DOES NOT match the body');
  });

  it('an unsigned message: exit 1, missing_signature', async () => {
    const result = await signet(['inspect', tmp.file('unsigned.http', vectors.messages.request as string)]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Request  POST https://example.com/foo?param=Value&Pet=dog');
    expect(result.stderr).toMatch(/^error missing_signature: /);
  });

  it('a response with --request: "@authority";req from the request (Web Bot Auth directory vector), base byte for byte', async () => {
    const [v] = webBotAuth.directory();
    if (v === undefined) throw new Error('no directory vector');
    const url = new URL(v.request.target_url);
    const request = tmp.file('dir-request.http', [`${v.request.method} ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, ...Object.entries(v.request.headers).map(([n, x]) => `${n}: ${x}`), '', ''].join('\r\n'));
    const response = tmp.file('dir-response.http', [`HTTP/1.1 ${v.response.status} OK`, ...Object.entries(v.response.headers).map(([n, x]) => `${n}: ${x}`), '', v.response.body].join('\r\n'));
    const key = tmp.file('dir.jwk', JSON.stringify(v.public_key));
    const inspected = await signet(['inspect', '--now', '1735689600', '--key', key, '--request', request, response]);
    expect(inspected.stderr).toBe('');
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain(`\n${v.signature_base}\n`);
    expect(inspected.stdout).toContain('answering GET https://signature-agent.test/.well-known/http-message-signatures-directory');
    expect(inspected.stdout).toContain('Content-Digest  matches the body');
    const verified = await signet(['verify', '--now', '1735689600', '--key', key, '--request', request, '--json', response]);
    expect(json(verified)).toMatchObject({ valid: true, base: v.signature_base });
    const alone = await signet(['verify', '--now', '1735689600', '--key', key, '--json', response]);
    expect(alone.code).toBe(1);
    expect(json<{ error: { code: string } }>(alone).error.code).toBe('missing_component');
  });

  it('color only on a terminal, and never with NO_COLOR', async () => {
    const c = vectors.cases.find((x) => x.id === 'B.2.6');
    const file = tmp.file('b26-color.http', signedRfcMessage(vectors, c as never));
    const colored = await inTerminal(['inspect', '--now', NOW, '--key', jwks, file], { NO_COLOR: undefined });
    expect(colored).toContain(`${ESC}32mVALID`);
    expect(colored).toContain('"@signature-params": ');
    const plain = await inTerminal(['inspect', '--now', NOW, '--key', jwks, file], { NO_COLOR: '1' });
    expect(plain).toContain('VALID with');
    expect(plain).not.toContain(ESC);
  });
});
