/**
 * `signet verify`: checks the signature of a raw HTTP message with a key file.
 * @module
 */
import { MessageView, SignetError } from '@signet/core';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor, type Command } from '../command.js';
import { readMessage } from '../input.js';
import type { CliIo } from '../io.js';
import { readKeyFile, type KeyFile } from '../key-file.js';
import { printError, quote, styleFor } from '../output.js';
import { PROFILES, checkSignature, hintFor, type CheckReport, type Profile } from '../verification.js';

const OPTIONS: OptionSpec = {
  key: { type: 'string', short: 'k' },
  now: { type: 'string' },
  profile: { type: 'string' },
  scheme: { type: 'string' },
  label: { type: 'string' },
  alg: { type: 'string' },
  skew: { type: 'string' },
  request: { type: 'string' },
  json: { type: 'boolean' },
};

const HELP = `Usage: signet verify --key FILE [options] [MESSAGE_FILE|-]

Checks the signature of one raw HTTP/1.1 request or response (CRLF or LF line ends; read from
standard input when MESSAGE_FILE is "-" or absent). The request's URL is the scheme, the Host
field and the request target.

Options:
  -k, --key FILE        the verification key: a JWK, a JWKS (the key whose kid or RFC 7638
                        thumbprint equals the signature's keyid), a PEM key, or for HMAC a JWK
                        with kty "oct"
      --now SECONDS     the verifier's clock, UNIX seconds (default: now)
      --profile NAME    plain (default): RFC 9421 only: created not in the future beyond the
                        skew, expires enforced when present.
                        web-bot-auth: also tag="web-bot-auth", created, expires and keyid
                        required, keyid = the key's JWK thumbprint, "@authority" (or
                        "@target-uri") covered, no HMAC
      --scheme SCHEME   https (default) or http: the scheme of the request's URL
      --label LABEL     verify the signature with this label (default: the first one; with
                        --profile web-bot-auth the first with tag="web-bot-auth")
      --alg ALG         restrict the key to one algorithm; needed for an RSA key without an
                        alg of its own when the signature has no alg parameter
      --skew SECONDS    allowed clock skew for created and expires (default 30)
      --request FILE    for a response: the request it answers (for components with ;req)
      --json            print one JSON object: valid, label, keyid, alg, covered, base, params,
                        and on failure error { code, message }
  -h, --help            this help

Exit codes: 0 valid, 1 signature or policy failure, 2 bad usage or unreadable input.

Examples:
  signet verify --key alice.pub.jwk request.http
  signet verify --key directory.jwks --profile web-bot-auth --json - < request.http
  signet verify --key rsa.pem --alg rsa-pss-sha512 --now 1618884473 request.http
`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = Args.parse('verify', OPTIONS, argv, 1);
  const json = args.flag('json');
  const fail = (error: unknown): number => {
    if (json && error instanceof SignetError) {
      const report: CheckReport = { valid: false, label: null, keyid: null, alg: null, covered: [], base: null, params: {}, error: error.toJSON() };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      printError(io, error);
    }
    return exitCodeFor(error);
  };
  let keyPath: string;
  let profile: Profile;
  let now: number;
  let skew: number;
  let options: { scheme: 'https' | 'http' | undefined; alg: ReturnType<Args['algorithm']> };
  try {
    keyPath = args.required('key', 'FILE (a JWK, JWKS or PEM key)');
    profile = args.choice('profile', PROFILES) ?? 'plain';
    now = args.seconds('now') ?? io.now();
    skew = args.seconds('skew') ?? 30;
    options = { scheme: args.choice('scheme', ['https', 'http'] as const), alg: args.algorithm() };
  } catch (error) {
    printError(io, error);
    return EXIT_USAGE;
  }
  let view: MessageView;
  let file: string;
  let keyFile: KeyFile;
  try {
    keyFile = await readKeyFile(io, keyPath, 'verify');
    const read = await readMessage(io, { file: args.messageFile(), scheme: options.scheme, requestFile: args.string('request'), command: 'verify' });
    file = read.name;
    view = MessageView.from(read.message);
  } catch (error) {
    return fail(error);
  }
  const { report, inputError } = await checkSignature(view, keyFile, { profile, label: args.string('label'), now, skew, alg: options.alg });
  if (json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const style = styleFor(io);
    const what = report.label === null ? 'the message' : `signature ${quote(report.label)}`;
    const details = [report.alg, report.keyid === null ? undefined : `keyid ${quote(report.keyid)}`].filter((d) => d !== undefined && d !== null);
    const suffix = details.length === 0 ? '' : ` (${details.join(', ')})`;
    if (report.valid) {
      io.stdout(`${style.green(style.bold('VALID'))}: ${what}${suffix}, profile ${profile}\n  covers: ${report.covered.join(' ') || '(no components: only the signature parameters)'}\n`);
    } else if (!inputError) {
      io.stdout(`${style.red(style.bold('INVALID'))}: ${what}${suffix}, profile ${profile}\n`);
    }
    if (report.error !== undefined) {
      const error = new SignetError(report.error.code, report.error.message);
      printError(io, error, hintFor(report.error.code, { file, keyPath, now, profile }));
    }
  }
  if (report.valid) return EXIT_OK;
  return inputError ? EXIT_USAGE : EXIT_FAILURE;
}

/** `signet verify`. */
export const verify: Command = {
  name: 'verify',
  summary: 'check the signature of a raw HTTP message with a key (exit 0 valid, 1 invalid)',
  help: HELP,
  run,
};
