/**
 * `signet directory`: the printed response is verified as the published directory vector is (the
 * request–response pair, core verifyMessage, tag http-message-signatures-directory), publishes no
 * private member, and `--serve` is found by a Signet verifier's KeyDiscovery, then stops on a signal.
 */
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MessageView,
  exportPrivateJwk,
  generateKey,
  hasPrivateMembers,
  importJwk,
  parseHttpMessage,
  readSignatures,
  verifyDigest,
  verifyMessage,
  type Jwk,
  type PlainResponse,
} from '@signet/core';
import { KeyDiscovery } from '@signet/verifier';
import { rfc9421, webBotAuth } from '../support/vectors.js';
import { freePort, requireBuiltCli, signet, startSignet, tempDir } from './support.js';

const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory';
const TAG = 'http-message-signatures-directory';
const vector = webBotAuth.directory()[0]!;
const vectorJwk = rfc9421().keys['test-key-ed25519']!.jwk as unknown as Jwk; // private: it has "d"
const ecKey = generateKey('ecdsa-p256-sha256');
const tmp = tempDir();
let vectorKeyFile = '';
let ecKeyFile = '';

beforeAll(() => {
  requireBuiltCli();
  vectorKeyFile = tmp.file('vector.jwk', JSON.stringify(vectorJwk));
  ecKeyFile = tmp.file('ec.jwk', JSON.stringify(exportPrivateJwk(ecKey)));
});
afterAll(() => tmp.cleanup());

/** The stdout of `signet directory` (a raw response) as the verifier's request–response pair. */
function pairOf(stdout: string, url: string) {
  const response = parseHttpMessage(Buffer.from(stdout, 'latin1')) as PlainResponse & { body: Uint8Array };
  return { request: { method: 'GET', url, headers: {} }, response };
}

/** Verifies every signature of a directory response as a verifier does: the key it names, from the body it signs. */
async function verifyDirectory(pair: ReturnType<typeof pairOf>) {
  const body = Buffer.from(pair.response.body).toString('utf8');
  verifyDigest(new Headers(pair.response.headers as Array<[string, string]>).get('content-digest') ?? '', body);
  const jwks = JSON.parse(body) as { keys: Jwk[] };
  const { inputs } = readSignatures(MessageView.from(pair));
  const results = [];
  for (const input of inputs) {
    const jwk = jwks.keys.find((k) => k.kid === input.params.keyid);
    if (jwk === undefined) throw new Error(`${input.label} is signed by a key the directory does not publish`);
    results.push(
      await verifyMessage(pair, {
        key: importJwk(jwk),
        label: input.label,
        tag: TAG,
        keyidIsThumbprint: true,
        requiredComponents: ['"@authority";req', 'content-digest'],
        requiredParams: ['created', 'expires', 'keyid', 'alg', 'tag'],
      }),
    );
  }
  return { jwks, results };
}

/** The status of a GET of `url` sent with another Host header (fetch would not let us set it). */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    }).on('error', reject);
  });
}

describe.concurrent('signet directory --origin: the signed response, printed', () => {
  it('the vector key gives the vector body and digest; its signature verifies as the vector does, base byte for byte', async () => {
    const result = await signet(['directory', '--key', vectorKeyFile, '--origin', 'https://signature-agent.test']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^key directory for signature-agent\.test: 1 key, poqkLGiymh_W0uP6PZFw-dvez3QJT5SolqXBCW38r0U \(OKP Ed25519\)\nits signatures expire at /);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: application\/http-message-signatures-directory\+json\r\nCache-Control: max-age=240\r\n/);
    const pair = pairOf(result.stdout, vector.request.target_url);
    expect(Buffer.from(pair.response.body).toString('utf8')).toBe(vector.response.body);
    const headers = new Headers(pair.response.headers as Array<[string, string]>);
    expect(headers.get('content-digest')).toBe(vector.response.headers['content-digest']);
    const { results } = await verifyDirectory(pair);
    expect(results).toHaveLength(1);
    const { created, expires } = results[0]!.params as { created: number; expires: number };
    expect(expires - created).toBe(300);
    expect(Math.abs(created - Date.now() / 1000)).toBeLessThan(60);
    const base = vector.signature_base.replace('created=1735689600', `created=${created}`).replace('expires=4889289600', `expires=${expires}`);
    expect(results[0]!.base).toBe(base);
    expect(results[0]!.label).toBe('binding0');
  });

  it('two keys: one signature each (binding0, binding1), public members only; another host refuses the copy', async () => {
    const result = await signet(['directory', '--key', vectorKeyFile, ecKeyFile, '--origin', 'https://agent.example']);
    expect(result.code).toBe(0);
    const pair = pairOf(result.stdout, `https://agent.example${DIRECTORY_PATH}`);
    const { jwks, results } = await verifyDirectory(pair);
    expect(results.map((r) => [r.label, r.alg])).toEqual([
      ['binding0', 'ed25519'],
      ['binding1', 'ecdsa-p256-sha256'],
    ]);
    expect(jwks.keys.map((k) => k.kid)).toEqual([importJwk(vectorJwk).thumbprint, ecKey.thumbprint]);
    for (const jwk of jwks.keys) {
      expect(hasPrivateMembers(jwk)).toBe(false);
      expect(jwk.use).toBe('sig');
    }
    const privateD = [vectorJwk.d, exportPrivateJwk(ecKey).d];
    for (const d of privateD) expect(result.stdout + result.stderr).not.toContain(String(d));
    const copied = { ...pair, request: { ...pair.request, url: `https://mirror.example${DIRECTORY_PATH}` } };
    await expect(verifyMessage(copied, { key: importJwk(jwks.keys[0]!), tag: TAG })).rejects.toMatchObject({ code: 'signature_invalid' });
  });

  it('the printed response verifies with "signet verify --request" (the request a verifier sends)', async () => {
    const printed = await signet(['directory', '--key', ecKeyFile, '--origin', 'https://agent.example']);
    const response = tmp.file('directory.http', printed.stdout);
    const request = tmp.file('directory-request.http', `GET ${DIRECTORY_PATH} HTTP/1.1\r\nHost: agent.example\r\n\r\n`);
    const result = await signet(['verify', '--key', ecKeyFile, '--request', request, response]);
    expect(result.stdout).toMatch(/^VALID: signature "binding0" \(ecdsa-p256-sha256/);
    expect(result.code).toBe(0);
  });

  it('--out FILE: the JWKS body in FILE, the headers on stdout; --signature-ttl sets expires - created', async () => {
    const out = `${tmp.dir}/published.json`;
    const result = await signet(['directory', '--key', vectorKeyFile, '--origin', 'https://signature-agent.test', '--signature-ttl', '86400', '--out', out]);
    expect(result.code).toBe(0);
    const body = readFileSync(out, 'utf8');
    expect(body).toBe(vector.response.body);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.slice(0, l.indexOf(':')))).toEqual(['Content-Type', 'Cache-Control', 'Content-Digest', 'Signature-Input', 'Signature']);
    expect(result.stderr).toContain(`wrote the JWKS body (${body.length} bytes) to ${out}: serve it at https://signature-agent.test${DIRECTORY_PATH}`);
    const raw = `HTTP/1.1 200 OK\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
    const { results } = await verifyDirectory(pairOf(raw, vector.request.target_url));
    const { created, expires } = results[0]!.params as { created: number; expires: number };
    expect(expires - created).toBe(86_400);
  });
});

describe.concurrent('signet directory: bad usage and unusable keys exit 2, saying what to do', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['no --key', () => ['directory', '--origin', 'https://agent.example'], /^error invalid_usage: "signet directory" needs --key FILE/],
    ['no --origin and no --serve', () => ['directory', '--key', vectorKeyFile], /^error invalid_usage: Without --serve, "signet directory" needs --origin URL/],
    ['an --origin with a path', () => ['directory', '--key', vectorKeyFile, '--origin', 'https://agent.example/bot'], /^error invalid_usage: --origin is an origin .*use --origin https:\/\/agent\.example /],
    ['--out over a key file', () => ['directory', '--key', vectorKeyFile, '--origin', 'https://agent.example', '--out', vectorKeyFile], /^error invalid_usage: --out ".*vector\.jwk" is one of the key files/],
    ['--signature-ttl out of range', () => ['directory', '--key', vectorKeyFile, '--origin', 'https://agent.example', '--signature-ttl', '5'], /^error invalid_usage: --signature-ttl must be .* 10 to 86400/],
    ['--serve that is not a port', () => ['directory', '--key', vectorKeyFile, '--serve', 'http'], /^error invalid_usage: --serve must be a TCP port/],
    ['--host without --serve', () => ['directory', '--key', vectorKeyFile, '--origin', 'https://agent.example', '--host', '0.0.0.0'], /^error invalid_usage: --host is where --serve listens/],
    ['a public key', () => ['directory', '--key', tmp.file('public.jwk', JSON.stringify(ecKey.publicJwk())), '--origin', 'https://agent.example'], /^error invalid_key: .*public\.jwk" holds a public key; .*needs the private key/],
    ['an HMAC secret', () => ['directory', '--key', tmp.file('hmac.jwk', '{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0"}'), '--origin', 'https://agent.example'], /^error invalid_key: .*HMAC secret: a key directory publishes public keys/],
    ['a key file that does not exist', () => ['directory', '--key', `${tmp.dir}/nope.jwk`, '--origin', 'https://agent.example'], /^error unreadable_input: Cannot read the key file ".*nope\.jwk": no such file\./],
  ];
  for (const [name, args, expected] of cases) {
    it(name, async () => {
      const result = await signet(args());
      expect(result.stderr).toMatch(expected);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
    });
  }
});

describe('signet directory --serve', () => {
  it('--serve 0: prints its URL; a Signet verifier discovers both keys there; SIGTERM stops it with exit 0', async () => {
    const server = startSignet(['directory', '--key', vectorKeyFile, '--key', ecKeyFile, '--serve', '0']);
    const discovery = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'] });
    try {
      const line = await server.firstLine;
      const match = /^serving the key directory at (http:\/\/127\.0\.0\.1:(\d+))\/\.well-known\/http-message-signatures-directory$/.exec(line);
      expect(match, line).not.toBeNull();
      const origin = match![1]!;
      for (const thumbprint of [importJwk(vectorJwk).thumbprint, ecKey.thumbprint]) {
        const found = await discovery.findAgentKey({ label: 'sig1', uri: origin, type: 'directory' }, thumbprint);
        expect(found.thumbprint).toBe(thumbprint);
        expect(found.source).toBe(`${origin}${DIRECTORY_PATH}`);
        expect(hasPrivateMembers(found.jwk)).toBe(false);
      }
      expect((await fetch(`${origin}/elsewhere`)).status).toBe(404);
    } finally {
      await discovery.close();
    }
    const { code, signal } = await server.stop('SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const { stdout, stderr } = server.output();
    expect(stdout).toContain('  agents sign with: signet fetch URL --key FILE --agent http://127.0.0.1:');
    expect(stderr).toMatch(new RegExp(`^GET ${DIRECTORY_PATH} 200 \\(Host: 127\\.0\\.0\\.1:\\d+\\)\\n`));
    expect(stderr).toContain('GET /elsewhere 404');
    expect(stderr).toMatch(/stopped \(SIGTERM\)\n$/);
  });

  it('--serve PORT --origin: listens on that port, signs only for the origin (421 for another Host); SIGINT exits 0', async () => {
    const port = await freePort();
    const server = startSignet(['directory', '--key', ecKeyFile, '--serve', String(port), '--origin', `http://127.0.0.1:${port}`]);
    const discovery = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1', 'localhost'] });
    try {
      expect(await server.firstLine).toBe(`serving the key directory at http://127.0.0.1:${port}${DIRECTORY_PATH}`);
      const found = await discovery.findAgentKey({ label: 'sig1', uri: `http://127.0.0.1:${port}`, type: 'directory' }, ecKey.thumbprint);
      expect(found.thumbprint).toBe(ecKey.thumbprint);
      expect(await statusWithHost(`http://127.0.0.1:${port}${DIRECTORY_PATH}`, `localhost:${port}`)).toBe(421);
    } finally {
      await discovery.close();
    }
    const { code } = await server.stop('SIGINT');
    expect(code).toBe(0);
    expect(server.output().stderr).toMatch(/stopped \(SIGINT\)\n$/);
  });

  it('a port in use: exit 2, saying to pick another', async () => {
    const holder = startSignet(['directory', '--key', ecKeyFile, '--serve', '0']);
    try {
      const port = /:(\d+)\//.exec(await holder.firstLine)![1]!;
      const result = await signet(['directory', '--key', ecKeyFile, '--serve', port]);
      expect(result.stderr).toMatch(new RegExp(`^error invalid_usage: Port ${port} on 127\\.0\\.0\\.1 is already in use: pick another --serve PORT, or --serve 0`));
      expect(result.code).toBe(2);
    } finally {
      await holder.stop();
    }
  });
});
