/**
 * `signet --help`, `--help` on every command (each with an example), and bad usage or unreadable input:
 * exit 2 with `error <code>: <message>` saying what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rfc9421 } from '../support/vectors.js';
import { json, requireBuiltCli, signedRfcMessage, signet, tempDir } from './support.js';

const COMMANDS = ['verify', 'sign', 'base', 'keygen', 'inspect', 'directory', 'fetch'];
const vectors = rfc9421();
const tmp = tempDir();
let message = '';
let key = '';

beforeAll(() => {
  requireBuiltCli();
  const b26 = vectors.cases.find((c) => c.id === 'B.2.6');
  message = tmp.file('b26.http', signedRfcMessage(vectors, b26 as never));
  key = tmp.file('ed.jwk', JSON.stringify(vectors.keys['test-key-ed25519']?.jwk));
});
afterAll(() => tmp.cleanup());

describe.concurrent('signet help', () => {
  it('signet --help lists every command, the exit codes and an example; exit 0', async () => {
    const result = await signet(['--help']);
    expect(result.code).toBe(0);
    for (const name of COMMANDS) expect(result.stdout).toMatch(new RegExp(`\\n  ${name} +\\S`));
    expect(result.stdout).not.toContain('not in this version');
    expect(result.stdout).toContain('Exit codes: 0 valid or done, 1 signature or policy failure (fetch: a status other than 2xx, or\nno response), 2 bad usage or unreadable input.');
    expect(result.stdout).toContain('\n  signet fetch http://127.0.0.1:3000/hello --key alice.jwk --agent http://127.0.0.1:8080 -v\n');
    expect(result.stdout).toContain('Example:\n  signet keygen --out alice.jwk');
    expect((await signet(['help'])).stdout).toBe(result.stdout);
  });

  for (const name of COMMANDS) {
    it(`signet ${name} --help: usage, options and an example; exit 0`, async () => {
      const result = await signet([name, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: signet ${name} `));
      expect(result.stdout).toMatch(/\nExamples?:\n {2}signet /);
    });
  }

  it('-h (even beside a bad option) and "signet help <command>" print the same help', async () => {
    const help = (await signet(['verify', '--help'])).stdout;
    expect((await signet(['verify', '-h', '--bogus'])).stdout).toBe(help);
    expect((await signet(['help', 'verify'])).stdout).toBe(help);
  });

  it('signet --version prints the package version', async () => {
    const result = await signet(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe.concurrent('signet: bad usage and unreadable input exit 2 with "error <code>: <message>"', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['no command', () => [], /error invalid_usage: No command given\. Run "signet --help"/],
    ['an unknown command, with a suggestion', () => ['verfy'], /^error invalid_usage: Unknown command "verfy"\. Did you mean "verify"\?.*signet --help/],
    ['an option before the command', () => ['--json', 'verify'], /^error invalid_usage: --json is not a command\. Options go after the command/],
    ['an unknown option, with a suggestion', () => ['verify', '--kye', key, message], /^error invalid_usage: Unknown option --kye for "signet verify"\. Did you mean --key\? Run "signet verify --help"/],
    ['verify without --key', () => ['verify', message], /^error invalid_usage: "signet verify" needs --key FILE/],
    ['an option without its value', () => ['verify', message, '--key'], /^error invalid_usage: Option --key needs a value/],
    ['a value for a flag', () => ['verify', '--key', key, '--json=yes', message], /^error invalid_usage: Option --json takes no value/],
    ['--now that is not UNIX seconds', () => ['verify', '--key', key, '--now', 'yesterday', message], /^error invalid_usage: --now must be a UNIX time in seconds/],
    ['an unknown --profile', () => ['verify', '--key', key, '--profile', 'web-bot', message], /^error invalid_usage: --profile must be one of plain, web-bot-auth; got "web-bot"\. Did you mean web-bot-auth\?/],
    ['an unknown --alg', () => ['verify', '--key', key, '--alg', 'rsa', message], /^error invalid_usage: --alg must be an RFC 9421 algorithm/],
    ['an --alg that does not fit the key', () => ['verify', '--key', key, '--alg', 'ecdsa-p256-sha256', message], /^error invalid_usage: Key file .*ed25519/i],
    ['two message files', () => ['verify', '--key', key, message, message], /^error invalid_usage: Too many arguments for "signet verify"/],
    ['a message file that does not exist', () => ['verify', '--key', key, `${tmp.dir}/nope.http`], /^error unreadable_input: Cannot read an HTTP message ".*nope\.http": no such file\./],
    ['a key file that does not exist', () => ['verify', '--key', `${tmp.dir}/nope.jwk`, message], /^error unreadable_input: Cannot read the key file ".*nope\.jwk": no such file\./],
    ['a directory as message', () => ['inspect', tmp.dir], /^error unreadable_input: .*it is a directory/],
    ['empty standard input', () => ['verify', '--key', key, '-'], /^error unreadable_input: Standard input is empty/],
    ['sign without --components', () => ['sign', '--key', key, message], /^error invalid_usage: "signet sign" needs --components/],
    ['sign with an unclosed quote in --components', () => ['sign', '--key', key, '--components', '"@method', message], /^error invalid_usage: --components has an unclosed quote/],
    ['base with both --signature-input and --components', () => ['base', '--components', '@method', '--signature-input', 'a=()', message], /^error invalid_usage: Give either --signature-input/],
  ];
  for (const [name, args, expected] of cases) {
    it(name, async () => {
      const result = await signet(args());
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(expected);
    });
  }

  it('a message that is not HTTP: exit 2, invalid_message (with --json: the error in the JSON object)', async () => {
    const file = tmp.file('garbage.http', 'hello world\r\n\r\n');
    const human = await signet(['verify', '--key', key, file]);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/^error invalid_message: .*garbage\.http: Line 1: "hello world" is neither a request line/);
    const machine = await signet(['verify', '--key', key, '--json', file]);
    expect(machine.code).toBe(2);
    expect(json(machine)).toMatchObject({ valid: false, base: null, error: { code: 'invalid_message' } });
  });

  it('a key file that is not a key: exit 2, invalid_key', async () => {
    for (const content of ['not a key', '{"kty":"OKP","crv":"Ed25519"}', '{"keys":[]}', '{"hello":1}', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n']) {
      const bad = tmp.file(`bad-${content.length}.key`, content);
      const result = await signet(['verify', '--key', bad, message]);
      expect(result.code, content).toBe(2);
      expect(result.stderr, content).toMatch(/^error invalid_key: /);
    }
  });
});
