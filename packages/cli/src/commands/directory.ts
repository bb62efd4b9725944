/**
 * `signet directory`: the agent's signed key directory (`createDirectory` of `@signet/client`),
 * printed or written for static hosting, or served until the process is stopped.
 * @module
 */
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SignetError, parseSignatureInput, type Jwks, type SignetKey } from '@signet/core';
import { DIRECTORY_PATH, createDirectory, type Directory } from '@signet/client';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_OK, exitCodeFor, usageError, type Command } from '../command.js';
import { serveDirectory } from '../directory-server.js';
import { processStopSignal, type CliIo } from '../io.js';
import { privateKeys, readKeyFile } from '../key-file.js';
import { isoDate, printError, relativeTime } from '../output.js';

const OPTIONS: OptionSpec = {
  key: { type: 'string', short: 'k', multiple: true },
  origin: { type: 'string' },
  'signature-ttl': { type: 'string' },
  out: { type: 'string', short: 'o' },
  serve: { type: 'string' },
  host: { type: 'string' },
};

/** The default lifetime of the directory's signatures, seconds (as `createDirectory`). */
const DEFAULT_SIGNATURE_TTL = 300;

const HELP = `Usage: signet directory --key FILE... --origin URL [--signature-ttl SECONDS] [--out FILE]
       signet directory --key FILE... --serve PORT [--host HOST] [--origin URL] [--signature-ttl SECONDS]

Builds the agent's signed key directory, the JWKS that verifiers fetch from
${DIRECTORY_PATH}: the public members of every key (kid =
its RFC 7638 thumbprint), Content-Digest, and one signature per key (binding0, binding1, ...,
tag "http-message-signatures-directory", covering "@authority";req and content-digest).

Without --serve: prints the response a server at --origin sends (status line, headers, an empty
line, the JWKS body), or with --out writes the JWKS body to FILE and prints the headers to send
with it. The signatures expire after --signature-ttl seconds: regenerate a static copy before
then, or serve it.

With --serve PORT: serves the directory on HOST:PORT until Ctrl-C (SIGINT) or SIGTERM, signing it
for the Host each request names (only --origin's, when given) and re-signing it before its
signatures expire. Each request is logged on standard error.

Options:
  -k, --key FILE...           a private key: a JWK, a JWKS (all its keys) or a PEM key. Repeat
                              --key, or list more files after it, to publish several keys (e.g.
                              the current and the next one of a rotation). Only public members
                              are published; the private keys sign the response.
      --origin URL            the agent's origin, e.g. https://agent.example: its host is the
                              "@authority" signed. Required without --serve; with --serve,
                              requests for another Host get 421
      --signature-ttl SECONDS lifetime of the directory signatures, 10 to 86400 (default ${DEFAULT_SIGNATURE_TTL})
  -o, --out FILE              write the JWKS body to FILE (replaced) and print only the headers
      --serve PORT            serve the directory on PORT (0: any free port); the URL is printed
      --host HOST             the address --serve listens on (default 127.0.0.1; 0.0.0.0 for
                              every interface)
  -h, --help                  this help

Examples:
  signet directory --key alice.jwk --origin https://agent.example
  signet directory --key alice.jwk next.jwk --origin https://agent.example --signature-ttl 86400 --out directory.json
  signet directory --key alice.jwk --serve 8080 &
  signet fetch http://127.0.0.1:3000/hello --key alice.jwk --agent http://127.0.0.1:8080
`;

/** Header names as a server writes them, in the order they are printed. */
const HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['content-type', 'Content-Type'],
  ['cache-control', 'Cache-Control'],
  ['content-digest', 'Content-Digest'],
  ['signature-input', 'Signature-Input'],
  ['signature', 'Signature'],
];

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = Args.parse('directory', OPTIONS, argv, Number.POSITIVE_INFINITY);
    const keyPaths = [...args.strings('key'), ...args.positionals];
    if (args.strings('key').length === 0) {
      throw usageError(
        `"signet directory" needs --key FILE, the private key(s) to publish${args.positionals.length === 0 ? '' : ` (write --key before ${JSON.stringify(args.positionals[0])})`}; signet keygen --out FILE makes one. Run "signet directory --help" for an example.`,
      );
    }
    const serve = args.string('serve');
    const port = serve === undefined ? undefined : parsePort(serve);
    const originText = args.string('origin');
    const origin = originText === undefined ? undefined : parseOrigin(originText);
    const out = args.string('out');
    const ttl = parseTtl(args.string('signature-ttl'));
    if (port === undefined) {
      if (args.string('host') !== undefined) throw usageError('--host is where --serve listens: it needs --serve PORT.');
      if (origin === undefined) {
        throw usageError(
          'Without --serve, "signet directory" needs --origin URL, the agent\'s origin whose host is signed, e.g. --origin https://agent.example (or serve it with --serve PORT). Run "signet directory --help" for an example.',
        );
      }
    } else if (out !== undefined) {
      throw usageError('--out writes a static copy and --serve serves the directory: give one of them.');
    }
    if (out !== undefined && keyPaths.some((path) => resolve(path) === resolve(out))) {
      throw usageError(`--out ${JSON.stringify(out)} is one of the key files: it would replace a private key with the public directory. Choose another --out.`);
    }

    const keys: SignetKey[] = [];
    for (const path of keyPaths) keys.push(...privateKeys(await readKeyFile(io, path, 'directory'), 'directory'));
    let failure: unknown;
    const directory = createDirectory({
      keys,
      signatureTtl: ttl,
      now: () => io.now(),
      ...(port !== undefined && origin !== undefined ? { authorities: [origin.host] } : {}),
      onError: (error) => {
        failure = error;
        if (port !== undefined) printError(io, error);
      },
    });
    const jwks = await directory.jwks();
    if (port !== undefined) return await serveUntilStopped(directory, jwks, { port, host: args.string('host') ?? '127.0.0.1', origin }, io);
    return await printDirectory(directory, jwks, { origin: origin as URL, out, ttl }, io, () => failure);
  } catch (error) {
    printError(io, error);
    return exitCodeFor(error);
  }
}

/** Without --serve: the response for `origin`, printed whole, or its body written to `out` and its headers printed. */
async function printDirectory(
  directory: Directory,
  jwks: Jwks,
  { origin, out, ttl }: { origin: URL; out: string | undefined; ttl: number },
  io: CliIo,
  failure: () => unknown,
): Promise<number> {
  const url = `${origin.origin}${DIRECTORY_PATH}`;
  const response = await directory.fetch(new Request(url));
  const body = await response.text();
  if (response.status !== 200) {
    throw failure() ?? new Error(`the directory answered ${response.status} ${body}`);
  }
  const headerLines = HEADERS.flatMap(([name, display]) => {
    const value = response.headers.get(name);
    return value === null ? [] : [`${display}: ${value}`];
  });
  const expires = parseSignatureInput(response.headers.get('signature-input') ?? '')[0]?.params.expires;
  const validity =
    typeof expires === 'number' ? `its signatures expire at ${isoDate(expires)} (${relativeTime(expires, io.now())})` : 'its signatures expire';
  const summary = `key directory for ${origin.host}: ${describeKeys(jwks)}`;
  if (out === undefined) {
    io.stdout(`HTTP/1.1 200 OK\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n${body}${io.stdoutIsTTY ? '\n' : ''}`);
    io.stderr(`${summary}\n${validity}: print it again before then, or run "signet directory --serve PORT".\n`);
    return EXIT_OK;
  }
  await writeAtomically(out, body);
  io.stdout(`${headerLines.join('\n')}\n`);
  io.stderr(
    `${summary}\nwrote the JWKS body (${Buffer.byteLength(body)} bytes) to ${out}: serve it at ${url} with the headers above.\n` +
      `${validity}: write it again before then${ttl < 86_400 ? ' (a larger --signature-ttl, up to 86400, lasts longer)' : ''}, or run "signet directory --serve PORT".\n`,
  );
  return EXIT_OK;
}

/** With --serve: listens, prints where, and waits for SIGINT or SIGTERM. */
async function serveUntilStopped(directory: Directory, jwks: Jwks, options: { port: number; host: string; origin: URL | undefined }, io: CliIo): Promise<number> {
  const server = await serveDirectory(directory, options, io);
  const agent = options.origin?.origin ?? server.origin;
  io.stdout(
    `serving the key directory at ${server.origin}${DIRECTORY_PATH}\n` +
      `  keys: ${describeKeys(jwks)}\n` +
      (options.origin === undefined ? '' : `  signed for ${options.origin.host} only (requests for another Host get 421)\n`) +
      `  agents sign with: signet fetch URL --key FILE --agent ${agent}\n` +
      `  stop with Ctrl-C\n`,
  );
  const signal = await (io.untilStopped ?? processStopSignal)();
  await server.close();
  io.stderr(`stopped (${signal})\n`);
  return EXIT_OK;
}

function describeKeys(jwks: Jwks): string {
  const keys = jwks.keys.map((k) => `${String(k.kid)} (${[k.kty, k.crv].filter((v) => v !== undefined).join(' ')})`);
  return `${keys.length} key${keys.length === 1 ? '' : 's'}, ${keys.join(', ')}`;
}

/** Writes beside and renames, so that a server never serves a half-written directory. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(partial, text);
    await rename(partial, path);
  } catch (cause) {
    throw new SignetError('unreadable_input', `Cannot write ${JSON.stringify(path)}: ${(cause as Error).message}.`, { cause });
  }
}

function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port <= 65_535)) throw usageError(`--serve must be a TCP port, 0 to 65535 (0: any free port); got ${JSON.stringify(value)}.`);
  return port;
}

function parseTtl(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SIGNATURE_TTL;
  const ttl = /^\d{1,6}$/.test(value) ? Number(value) : Number.NaN;
  if (!(ttl >= 10 && ttl <= 86_400)) throw usageError(`--signature-ttl must be a number of seconds from 10 to 86400 (24 h); got ${JSON.stringify(value)}.`);
  return ttl;
}

/** `--origin`: an http(s) origin (a path other than the directory's own is refused, with the origin to use). */
function parseOrigin(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`--origin must be the agent's origin, an absolute URL such as https://agent.example; got ${JSON.stringify(value)}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usageError(`--origin must be an https: (or http:) URL, such as https://agent.example; got ${JSON.stringify(value)}.`);
  if (url.username !== '' || url.password !== '') throw usageError('--origin must not carry a user name or password.');
  if ((url.pathname !== '/' && url.pathname !== DIRECTORY_PATH) || url.search !== '' || url.hash !== '') {
    throw usageError(`--origin is an origin (scheme, host, port), not a page: use --origin ${url.origin} (the directory is always at ${url.origin}${DIRECTORY_PATH}).`);
  }
  return url;
}

/** `signet directory`. */
export const directory: Command = {
  name: 'directory',
  summary: 'write or serve the signed directory of your public keys, for verifiers to fetch',
  help: HELP,
  run,
};
