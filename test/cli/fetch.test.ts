/**
 * `signet fetch` against a loopback API protected by @signet/verifier, which discovers the agent's key
 * in the directory that `signet directory --serve` publishes: 2xx → exit 0 and the body printed; a
 * refusal → exit 1 with the server's reason; no response → network_error; bad usage → exit 2.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPrivateJwk, generateKey } from '@signet/core';
import { KeyDiscovery, createVerifier, signetMiddleware, type SignetIncomingMessage } from '@signet/verifier';
import { freePort, requireBuiltCli, signet, startSignet, tempDir, type RunningSignet } from './support.js';

const alice = generateKey('ed25519');
const mallory = generateKey('ed25519');
const tmp = tempDir();
const discovery = new KeyDiscovery({ allowHttp: true, allowedHosts: ['127.0.0.1'] });
let aliceFile = '';
let malloryFile = '';
let directory: RunningSignet;
let agentOrigin = '';
let api: Server;
let apiOrigin = '';
let silent: TcpServer;
let silentOrigin = '';

interface Echo {
  agent: string;
  profile: string;
  method: string;
  body: string | null;
}

async function listen<T extends Server | TcpServer>(server: T): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  requireBuiltCli();
  aliceFile = tmp.file('alice.jwk', JSON.stringify(exportPrivateJwk(alice)));
  malloryFile = tmp.file('mallory.jwk', JSON.stringify(exportPrivateJwk(mallory)));
  directory = startSignet(['directory', '--key', aliceFile, '--serve', '0']);
  agentOrigin = /^serving the key directory at (http:\/\/127\.0\.0\.1:\d+)\//.exec(await directory.firstLine)?.[1] ?? '';
  const protect = signetMiddleware(createVerifier({ discovery }));
  api = createHttpServer((req, res) =>
    protect(req, res, () => {
      const { agent, signet: verified } = req as SignetIncomingMessage;
      const echo: Echo = {
        agent: agent?.id ?? '',
        profile: agent?.profile ?? '',
        method: req.method ?? '',
        body: verified?.body === undefined ? null : Buffer.from(verified.body).toString('utf8'),
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    }),
  );
  apiOrigin = await listen(api);
  silent = createTcpServer(() => undefined); // accepts connections, never answers
  silentOrigin = await listen(silent);
});

afterAll(async () => {
  api?.close();
  silent?.close();
  await discovery.close();
  const stopped = await directory?.stop('SIGINT');
  tmp.cleanup();
  expect(stopped?.code).toBe(0);
});

describe.concurrent('signet fetch: signed requests to an API protected by @signet/verifier', () => {
  it('GET with --agent: the API discovers the key in the served directory → 200, exit 0, the body on stdout', async () => {
    const result = await signet(['fetch', `${apiOrigin}/v1/whoami`, '--key', aliceFile, '--agent', agentOrigin]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ agent: agentOrigin, profile: 'web-bot-auth', method: 'GET', body: null });
  });

  it('POST -d with -H, -i and -v: the raw response on stdout, the signed request headers on stderr', async () => {
    const body = '{"item":7}';
    const result = await signet([
      'fetch', `${apiOrigin}/v1/orders?id=7`, '--key', aliceFile, '--agent', agentOrigin,
      '-H', 'Content-Type: application/json', '-d', body, '-i', '-v',
    ]);
    expect(result.code).toBe(0);
    const [head, printedBody] = result.stdout.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('\r\ncontent-type: application/json');
    expect(JSON.parse(printedBody ?? '')).toEqual({ agent: agentOrigin, profile: 'web-bot-auth', method: 'POST', body });
    const sent = result.stderr.split('\n').filter((line) => line.startsWith('> '));
    expect(sent[0]).toBe('> POST /v1/orders?id=7 HTTP/1.1');
    expect(sent).toContain(`> host: ${new URL(apiOrigin).host}`);
    expect(sent).toContain(`> signature-agent: sig1="${agentOrigin}"`);
    expect(sent.find((l) => l.startsWith('> content-digest: sha-256=:'))).toBeDefined();
    const input = sent.find((l) => l.startsWith('> signature-input: sig1=('));
    for (const covered of ['"@method"', '"@authority"', '"@path"', '"@query"', '"signature-agent";key="sig1"', '"content-type"', '"content-digest"']) {
      expect(input).toContain(covered);
    }
    expect(input).toContain(`keyid="${alice.thumbprint}"`);
    expect(input).toContain('tag="web-bot-auth"');
    expect(sent.find((l) => l.startsWith('> signature: sig1=:'))).toBeDefined();
    expect(result.stderr).toContain('\n< HTTP/1.1 200 OK\n');
    expect(result.stderr).toMatch(/^\* signing with .*alice\.jwk \(.+\), profile web-bot-auth, Signature-Agent http:\/\/127\.0\.0\.1:\d+\n/);
  });

  it('--profile aauth, -X PUT --data-file - (standard input): 200, a pseudonymous agent, the body digested and checked', async () => {
    const result = await signet(['fetch', `${apiOrigin}/v1/items/3`, '--key', aliceFile, '--profile', 'aauth', '-X', 'PUT', '--data-file', '-'], { input: 'quantity=12' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ agent: `urn:jkt:sha-256:${alice.thumbprint}`, profile: 'aauth', method: 'PUT', body: 'quantity=12' });
  });

  it('no --agent: 401 → exit 1, the refusal on stdout and the server\'s reason on stderr', async () => {
    const result = await signet(['fetch', `${apiOrigin}/v1/whoami`, '--key', aliceFile]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'missing_signature_agent' });
    expect(result.stderr).toMatch(new RegExp(`^error http_error: GET ${apiOrigin}/v1/whoami answered 401 Unauthorized\\.\\nhint: the server says missing_signature_agent: .*Run again with -v`));
  });

  it('another key claiming the agent\'s directory: 401 (the directory does not publish it) → exit 1', async () => {
    const result = await signet(['fetch', `${apiOrigin}/v1/whoami`, '--key', malloryFile, '--agent', agentOrigin]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: 'unknown_key' });
    expect(result.stderr).toMatch(new RegExp(`^error http_error: GET .* answered 401 Unauthorized\\.\\nhint: the server says unknown_key: No usable key with this keyid was found at ${agentOrigin}/\\.well-known/`));
  });

  it('connection refused: exit 1, network_error saying what to check', async () => {
    const port = await freePort();
    const result = await signet(['fetch', `http://127.0.0.1:${port}/`, '--key', aliceFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error network_error: Cannot connect to 127.0.0.1:${port}: connection refused. Is the server running, on that port, and is the URL right?\n`);
  });

  it('no answer within --timeout: exit 1, network_error', async () => {
    const started = Date.now();
    const result = await signet(['fetch', `${silentOrigin}/`, '--key', aliceFile, '--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error network_error: No complete response from 127\.0\.0\.1:\d+ within 1 s: is the server up\? For a slow one, raise --timeout\.\n$/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe.concurrent('signet fetch: bad usage and unreadable input exit 2, saying what to do', () => {
  const url = 'http://127.0.0.1:9/';
  const cases: Array<[string, () => string[], RegExp]> = [
    ['no URL', () => ['fetch', '--key', aliceFile], /^error invalid_usage: "signet fetch" needs the URL to request/],
    ['no --key', () => ['fetch', url], /^error invalid_usage: "signet fetch" needs --key FILE/],
    ['a URL without a scheme', () => ['fetch', 'api.example/v1', '--key', aliceFile], /^error invalid_usage: The URL must be an absolute http\(s\) URL .*did you mean https:\/\/api\.example\/v1 \?/],
    ['--agent with --profile plain', () => ['fetch', url, '--key', aliceFile, '--profile', 'plain', '--agent', 'https://agent.example'], /^error invalid_usage: --agent sets Signature-Agent, .*--profile web-bot-auth/],
    ['an --agent that is not a URL', () => ['fetch', url, '--key', aliceFile, '--agent', 'agent.example'], /^error invalid_usage: --agent must be the agent's origin/],
    ['an unknown --profile', () => ['fetch', url, '--key', aliceFile, '--profile', 'aauht'], /^error invalid_usage: --profile must be one of web-bot-auth, aauth, plain; got "aauht"\. Did you mean aauth\?/],
    ['-d and --data-file', () => ['fetch', url, '--key', aliceFile, '-d', 'a', '--data-file', aliceFile], /^error invalid_usage: Give the body once/],
    ['a body with -X GET', () => ['fetch', url, '--key', aliceFile, '-X', 'GET', '-d', 'a'], /^error invalid_usage: A GET request cannot have a body here .*use -X POST/],
    ['-d @file (curl syntax)', () => ['fetch', url, '--key', aliceFile, '-d', '@body.json'], /^error invalid_usage: -d sends its value as is; to send the file "body\.json" use --data-file body\.json/],
    ['a header without a colon', () => ['fetch', url, '--key', aliceFile, '-H', 'Accept'], /^error invalid_usage: -H "Accept" is not a header: write it as 'Name: value'/],
    ['-H Host', () => ['fetch', url, '--key', aliceFile, '-H', 'Host: evil.example'], /^error invalid_usage: -H Host cannot be set/],
    ['an --alg that does not fit the key', () => ['fetch', url, '--key', aliceFile, '--alg', 'rsa-v1_5-sha256'], /^error invalid_usage: Key file ".*alice\.jwk": .*rsa-v1_5-sha256 was requested/],
    ['--ttl out of range', () => ['fetch', url, '--key', aliceFile, '--ttl', '0'], /^error invalid_usage: --ttl must be a whole number of seconds from 1 to 86400/],
    ['a key file that does not exist', () => ['fetch', url, '--key', `${tmp.dir}/nope.jwk`], /^error unreadable_input: Cannot read the key file ".*nope\.jwk": no such file\./],
    ['a public key', () => ['fetch', url, '--key', tmp.file('alice.pub.jwk', JSON.stringify(alice.publicJwk()))], /^error invalid_key: .*holds a public key; "signet fetch" needs the private key/],
    ['a body file that does not exist', () => ['fetch', url, '--key', aliceFile, '--data-file', `${tmp.dir}/nope.json`], /^error unreadable_input: Cannot read the request body ".*nope\.json": no such file\./],
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
