/**
 * `signet fetch`: a curl-like signed request, sent with `signedFetch` of `@signet/client`.
 * @module
 */
import { STATUS_CODES } from 'node:http';
import { SignetError } from '@signet/core';
import { signedFetch, type Profile, type SignedFetch } from '@signet/client';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, exitCodeFor, usageError, type Command } from '../command.js';
import { readInput } from '../input.js';
import type { CliIo } from '../io.js';
import { keyThumbprint, readKeyFile, signingKey } from '../key-file.js';
import { networkError } from '../network-error.js';
import { printError } from '../output.js';

/** The signing profiles of `signet fetch --profile`. */
const FETCH_PROFILES = ['web-bot-auth', 'aauth', 'plain'] as const;

/** Seconds `signet fetch` waits for a complete response by default. */
const DEFAULT_TIMEOUT = 30;

const OPTIONS: OptionSpec = {
  key: { type: 'string', short: 'k' },
  alg: { type: 'string' },
  agent: { type: 'string' },
  method: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  'data-file': { type: 'string' },
  profile: { type: 'string' },
  ttl: { type: 'string' },
  timeout: { type: 'string' },
  include: { type: 'boolean', short: 'i' },
  verbose: { type: 'boolean', short: 'v' },
};

const HELP = `Usage: signet fetch URL --key FILE [--alg ALG] [--agent URL] [-X METHOD] [-H 'Name: value']...
                    [-d BODY | --data-file FILE] [--profile web-bot-auth|aauth|plain] [--ttl SECONDS]
                    [--timeout SECONDS] [-i] [-v]

Sends one HTTP request signed with your key (RFC 9421), as an agent using @signet/client's
signedFetch does, and prints the response body on standard output. Covered: "@method",
"@authority", "@path", "@query" (when the URL has one), the profile's header, Authorization
(when given), Content-Type (when given) and, with a body, Content-Digest. Redirects are
followed, each hop signed again.

Options:
  -k, --key FILE          the private key: a JWK or a PEM key (signet keygen --out FILE makes one)
      --alg ALG           the algorithm, for a key without "alg" of its own that fits several: an
                          RSA key signs with rsa-pss-sha512 unless --alg rsa-v1_5-sha256
      --agent URL         web-bot-auth: the agent's origin, where verifiers fetch its key directory
                          (sent as Signature-Agent, and signed); see "signet directory"
  -X, --method METHOD     the method (default GET, or POST with a body)
  -H, --header 'N: V'     a request header; repeat for more (e.g. -H 'Authorization: Bearer T')
  -d, --data BODY         the request body, sent as is (no Content-Type is added: give one with -H)
      --data-file FILE    the request body from FILE ("-" for standard input)
      --profile NAME      web-bot-auth (default): tag="web-bot-auth", keyid = the key's JWK
                          thumbprint, alg, expires, a fresh nonce, and Signature-Agent with --agent;
                          aauth: Signature-Key with the public key inline (hwk);
                          plain: RFC 9421 with created, keyid, alg and expires
      --ttl SECONDS       the signature's lifetime, 1 to 86400 (default 60)
      --timeout SECONDS   give up without a complete response after this long (default ${DEFAULT_TIMEOUT})
  -i, --include           print the response status line and headers before the body (a raw
                          HTTP response: "signet inspect" reads it)
  -v, --verbose           print on standard error the request headers sent (with the signature)
                          and the response headers, curl style ("> " sent, "< " received); fetch
                          adds a few unsigned headers of its own (User-Agent, Accept, ...)
  -h, --help              this help

Exit codes: 0 a 2xx response, 1 another status (printed, with the server's reason when it is
a Signet verifier) or no response (network_error), 2 bad usage or unreadable input.

Examples:
  signet fetch https://api.example/v1/orders --key alice.jwk --agent https://agent.example
  signet fetch https://api.example/v1/orders --key alice.jwk -X POST \\
      -H 'Content-Type: application/json' -d '{"item":7}' -i -v
`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = Args.parse('fetch', OPTIONS, argv, 1);
    const target = parseTarget(args.positionals[0]);
    const keyPath = args.required('key', 'FILE, the private key to sign with (signet keygen --out FILE makes one)');
    const profileName = args.choice('profile', FETCH_PROFILES) ?? 'web-bot-auth';
    const agent = args.string('agent');
    if (agent !== undefined && profileName !== 'web-bot-auth') {
      throw usageError(`--agent sets Signature-Agent, which is part of --profile web-bot-auth (the default), not ${profileName}.`);
    }
    const ttl = integer(args.string('ttl'), 'ttl', 1, 86_400, 'seconds');
    const timeout = integer(args.string('timeout'), 'timeout', 1, 3_600, 'seconds') ?? DEFAULT_TIMEOUT;
    const headers = new Headers();
    for (const line of args.strings('header')) headers.append(...parseHeader(line));
    const body = await requestBody(args, io);
    const method = requestMethod(args.string('method'), body !== undefined);

    const keyFile = await readKeyFile(io, keyPath, 'fetch');
    if (keyFile.entries.length > 1) throw usageError(`${JSON.stringify(keyPath)} holds ${keyFile.entries.length} keys: give "signet fetch" a file with the one key to sign with.`);
    const key = signingKey(keyFile, undefined, args.algorithm(), 'fetch');
    const profile = profileOf(profileName, agent);
    const verbose = args.flag('verbose');
    const underlying = io.fetch ?? globalThis.fetch;
    const send = async (url: string, init: RequestInit): Promise<Response> => {
      if (verbose) io.stderr(requestLines(init.method ?? 'GET', url, new Headers(init.headers)));
      const response = await underlying(url, init);
      if (verbose) io.stderr(`${responseHead(response, '< ')}<\n`);
      return response;
    };
    let fetchSigned: SignedFetch;
    try {
      fetchSigned = signedFetch({ key, profile, ...(ttl === undefined ? {} : { ttl }), fetch: send });
    } catch (error) {
      if (error instanceof SignetError && error.code === 'invalid_configuration') throw usageError(error.message);
      throw error;
    }
    if (verbose) {
      const thumbprint = keyThumbprint(key, 'Use a JWK or PEM key.');
      io.stderr(`* signing with ${keyPath} (${thumbprint}), profile ${profileName}${agent === undefined ? '' : `, Signature-Agent ${agent}`}\n`);
    }

    let response: Response;
    let bytes: Uint8Array;
    try {
      response = await fetchSigned(target.href, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(timeout * 1000) });
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      throw networkError(error, target, timeout) ?? error;
    }
    if (args.flag('include')) io.stdout(`${responseHead(response, '', '\r\n')}\r\n`);
    if (bytes.length > 0) {
      io.stdout(bytes);
      if (io.stdoutIsTTY && bytes[bytes.length - 1] !== 0x0a) io.stdout('\n');
    }
    if (response.ok) return EXIT_OK;
    printError(
      io,
      new SignetError('http_error', `${method} ${target.href} answered ${statusLine(response)}.`),
      refusalHint(response, bytes, verbose),
    );
    return EXIT_FAILURE;
  } catch (error) {
    printError(io, error);
    return exitCodeFor(error);
  }
}

function parseTarget(value: string | undefined): URL {
  if (value === undefined || value === '') {
    throw usageError('"signet fetch" needs the URL to request, e.g. signet fetch https://api.example/v1/orders --key alice.jwk. Run "signet fetch --help" for more.');
  }
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    const guess = /^[a-z0-9.-]+(:\d+)?(\/|$)/i.test(value) ? ` (did you mean https://${value} ?)` : '';
    throw usageError(`The URL must be an absolute http(s) URL such as https://api.example/v1/orders; got ${JSON.stringify(value)}${guess}.`);
  }
  if (url.username !== '' || url.password !== '') throw usageError('The URL must not carry a user name or password: send credentials with -H \'Authorization: ...\'.');
  return url;
}

function integer(value: string | undefined, name: string, min: number, max: number, unit: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max)) throw usageError(`--${name} must be a whole number of ${unit} from ${min} to ${max}; got ${JSON.stringify(value)}.`);
  return n;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `-H 'Name: value'` as a name and a value (surrounding spaces trimmed). */
function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon <= 0) throw usageError(`-H ${JSON.stringify(line)} is not a header: write it as 'Name: value', e.g. -H 'Authorization: Bearer TOKEN'.`);
  const name = line.slice(0, colon).trim();
  const value = line.slice(colon + 1).trim();
  if (!TOKEN.test(name)) throw usageError(`-H ${JSON.stringify(line)}: ${JSON.stringify(name)} is not a header name (letters, digits and !#$%&'*+.^_\`|~-).`);
  if (/[\r\n\0]/.test(value)) throw usageError(`-H ${JSON.stringify(name)}: a header value cannot contain a line break or NUL.`);
  if (name.toLowerCase() === 'host') throw usageError('-H Host cannot be set: the Host (and the signed "@authority") is the one of the URL.');
  return [name, value];
}

/** The body of `-d` or `--data-file`, as the exact bytes to send. */
async function requestBody(args: Args, io: CliIo): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const data = args.string('data');
  const file = args.string('data-file');
  if (data !== undefined && file !== undefined) throw usageError('Give the body once: -d BODY or --data-file FILE, not both.');
  if (data !== undefined) {
    if (data.startsWith('@')) {
      throw usageError(`-d sends its value as is; to send the file ${JSON.stringify(data.slice(1))} use --data-file ${data.slice(1)} (and for a body that starts with "@", --data-file too).`);
    }
    return new Uint8Array(Buffer.from(data, 'utf8'));
  }
  if (file === undefined) return undefined;
  if (file === '-' && io.stdinIsTTY) throw usageError('--data-file - reads the body from standard input, but nothing is piped in: pipe it (... | signet fetch URL --data-file -) or give a file.');
  const input = await readInput(io, file === '-' ? undefined : file, 'the request body', 'fetch');
  return new Uint8Array(input.bytes);
}

function requestMethod(value: string | undefined, hasBody: boolean): string {
  if (value === undefined) return hasBody ? 'POST' : 'GET';
  if (!TOKEN.test(value)) throw usageError(`-X ${JSON.stringify(value)} is not an HTTP method (e.g. GET, POST, PUT, DELETE).`);
  const method = value.toUpperCase();
  if (hasBody && (method === 'GET' || method === 'HEAD')) {
    throw usageError(`A ${method} request cannot have a body here (fetch refuses it): use -X POST (or PUT, PATCH), or drop -d/--data-file.`);
  }
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') throw usageError(`fetch cannot send ${method} requests.`);
  return value;
}

function profileOf(name: (typeof FETCH_PROFILES)[number], agent: string | undefined): Profile {
  if (name === 'aauth') return { name: 'aauth', signatureKey: { scheme: 'hwk' } };
  if (name === 'plain') return { name: 'plain' };
  if (agent === undefined) return { name: 'web-bot-auth' };
  let url: URL | undefined;
  try {
    url = new URL(agent);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw usageError(`--agent must be the agent's origin, an http(s) URL such as https://agent.example (where its key directory is served); got ${JSON.stringify(agent)}.`);
  }
  return { name: 'web-bot-auth', signatureAgent: agent };
}

function statusLine(response: Response): string {
  const reason = response.statusText !== '' ? response.statusText : (STATUS_CODES[response.status] ?? '');
  return `${response.status}${reason === '' ? '' : ` ${reason}`}`;
}

/** The status line and header lines of a response, each line prefixed. */
function responseHead(response: Response, prefix: string, eol = '\n'): string {
  const lines = [`HTTP/1.1 ${statusLine(response)}`];
  for (const [name, value] of response.headers) lines.push(`${name}: ${value}`);
  return lines.map((line) => `${prefix}${line}${eol}`).join('');
}

/** The request line and the headers sent (those of signet, with the signature; fetch adds its own such as User-Agent). */
function requestLines(method: string, url: string, headers: Headers): string {
  const target = new URL(url);
  const lines = [`${method} ${target.pathname}${target.search} HTTP/1.1`, `host: ${target.host}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  return `${lines.map((line) => `> ${line}\n`).join('')}>\n`;
}

/** What to do about a refusal: the reason a Signet verifier gave (`{ error, message }`), or where to look. */
function refusalHint(response: Response, body: Uint8Array, verbose: boolean): string | undefined {
  const again = verbose ? '' : ' Run again with -v to see the signed request headers.';
  let reason: { error?: unknown; message?: unknown } | undefined;
  if ((response.headers.get('content-type') ?? '').includes('json')) {
    try {
      reason = JSON.parse(Buffer.from(body).toString('utf8')) as typeof reason;
    } catch {
      reason = undefined;
    }
  }
  if (typeof reason?.error === 'string' && typeof reason.message === 'string') return `the server says ${reason.error}: ${reason.message}${again}`;
  const accept = response.headers.get('accept-signature');
  if (accept !== null) return `the server asks for a signature like Accept-Signature: ${accept}.${again}`;
  if (response.status === 401 || response.status === 403) return `the server refused the request.${again}`;
  return undefined;
}

/** `signet fetch` (named `fetchCommand`, not to shadow the global `fetch`). */
export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'send a request signed with your key, curl-like, and print the response',
  help: HELP,
  run,
};
