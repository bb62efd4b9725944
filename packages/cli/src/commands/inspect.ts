/**
 * `signet inspect`: explains a signed message, signature by signature.
 * @module
 */
import {
  MessageView,
  SignetError,
  checkPolicy,
  componentValues,
  readSignatures,
  serializeComponent,
  signatureBase,
  verifyDigest,
  type SignatureInput,
} from '@signet/core';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor, type Command } from '../command.js';
import { readMessage, type ReadMessage } from '../input.js';
import type { CliIo } from '../io.js';
import { readKeyFile, type KeyFile } from '../key-file.js';
import { formatError, isoDate, printError, quote, relativeTime, styleFor, type Style } from '../output.js';
import { PROFILES, checkSignature, type Profile } from '../verification.js';

const OPTIONS: OptionSpec = {
  now: { type: 'string' },
  key: { type: 'string', short: 'k' },
  profile: { type: 'string' },
  label: { type: 'string' },
  alg: { type: 'string' },
  skew: { type: 'string' },
  scheme: { type: 'string' },
  request: { type: 'string' },
};

const HELP = `Usage: signet inspect [MESSAGE_FILE|-] [--now SECONDS] [--key FILE] [options]

Explains a signed HTTP message: for each signature its label, its parameters (created and expires
as dates and relative to now), the covered components with their values in this message, the
signature base, its freshness against now, and with --key whether it verifies. Color is used
only when standard output is a terminal and NO_COLOR is not set.

Options:
      --now SECONDS     the clock, UNIX seconds (default: now)
  -k, --key FILE        also verify each signature with this key (JWK, JWKS, PEM)
      --profile NAME    the verification profile with --key: plain (default) or web-bot-auth
      --label LABEL     only the signature with this label
      --alg ALG         restrict the key to one algorithm (an RSA key fits two)
      --skew SECONDS    allowed clock skew for created and expires (default 30)
      --scheme SCHEME   https (default) or http: the scheme of the request's URL
      --request FILE    for a response: the request it answers (for components with ;req)
  -h, --help            this help

Exit codes: 0 explained (and with --key every signature shown verifies), 1 the message is not
signed or a signature fails with --key, 2 bad usage or unreadable input.

Examples:
  signet inspect signed-request.http
  signet sign --key alice.jwk --components '"@method" "@authority"' request.http | signet inspect --key alice.jwk
`;

interface Settings {
  now: number;
  nowSource: string;
  skew: number;
  profile: Profile;
  keyFile: KeyFile | undefined;
  alg: ReturnType<Args['algorithm']>;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let settings: Settings;
  let read: ReadMessage;
  let view: MessageView;
  let label: string | undefined;
  try {
    const args = Args.parse('inspect', OPTIONS, argv, 1);
    const given = args.seconds('now');
    const keyPath = args.string('key');
    settings = {
      now: given ?? io.now(),
      nowSource: given === undefined ? 'the system clock' : 'from --now',
      skew: args.seconds('skew') ?? 30,
      profile: args.choice('profile', PROFILES) ?? 'plain',
      keyFile: undefined,
      alg: args.algorithm(),
    };
    label = args.string('label');
    const scheme = args.choice('scheme', ['https', 'http'] as const);
    if (keyPath !== undefined) settings.keyFile = await readKeyFile(io, keyPath, 'inspect');
    read = await readMessage(io, { file: args.messageFile(), scheme, requestFile: args.string('request'), command: 'inspect' });
    view = MessageView.from(read.message);
    if (view.kind === 'request') view.url(); // an unusable Host fails here, as unreadable input
  } catch (error) {
    printError(io, error);
    return EXIT_USAGE;
  }
  const style = styleFor(io);
  const out: string[] = [];
  describeMessage(out, read, view, settings, style);
  let inputs: SignatureInput[];
  let signatures: Map<string, Uint8Array>;
  try {
    ({ inputs, signatures } = readSignatures(view));
    if (label !== undefined) {
      const all = inputs.map((i) => i.label);
      inputs = inputs.filter((i) => i.label === label);
      if (inputs.length === 0) throw new SignetError('missing_signature', `No signature labelled "${label}" (found: ${all.join(', ')}).`);
    }
  } catch (error) {
    io.stdout(`${out.join('\n')}\n\n`);
    printError(io, error);
    return exitCodeFor(error);
  }
  let exit = EXIT_OK;
  for (const [index, input] of inputs.entries()) {
    out.push('', `${style.bold(`Signature ${quote(input.label)}`)}  ${style.dim(`(${index + 1} of ${inputs.length})`)}`);
    describeParameters(out, input, settings.now, style);
    describeFreshness(out, input, settings, style);
    describeComponents(out, input, view, style);
    describeBase(out, input, view, style);
    const bytes = signatures.get(input.label);
    out.push(`  ${style.bold('Signature value')}  ${bytes === undefined ? style.red('MISSING: the Signature field has no member with this label') : `${bytes.length} bytes`}`);
    if (settings.keyFile !== undefined) {
      const { report, inputError } = await checkSignature(view, settings.keyFile, { profile: settings.profile, label: input.label, now: settings.now, skew: settings.skew, alg: settings.alg }, input);
      if (report.valid) {
        out.push(`  ${style.bold('Verification')}  ${style.green('VALID')} with ${settings.keyFile.path} (${report.alg ?? '?'}, profile ${settings.profile})`);
      } else {
        const error = report.error === undefined ? 'unknown failure' : formatError(new SignetError(report.error.code, report.error.message));
        out.push(`  ${style.bold('Verification')}  ${style.red('INVALID')} with ${settings.keyFile.path} (profile ${settings.profile})`, `    ${style.red(error)}`);
        exit = Math.max(exit, inputError ? EXIT_USAGE : EXIT_FAILURE);
      }
    }
  }
  io.stdout(`${out.join('\n')}\n`);
  return exit;
}

function describeMessage(out: string[], read: ReadMessage, view: MessageView, settings: Settings, style: Style): void {
  const message = read.message;
  if ('status' in message) {
    const request = view.request;
    const answering = request === undefined ? '' : `  ${style.dim(`answering ${request.method ?? ''} ${request.url().targetUri}`)}`;
    out.push(`${style.bold('Response')}  ${message.status}${answering}`);
  } else {
    out.push(`${style.bold('Request')}  ${message.method} ${view.url().targetUri}`);
  }
  out.push(`  ${message.headers.length} header field${message.headers.length === 1 ? '' : 's'}, ${message.body.length}-byte body  ${style.dim(`(${read.name})`)}`);
  const digest = view.fieldLines('content-digest');
  if (digest !== undefined) {
    try {
      verifyDigest(digest.join(', '), message.body);
      out.push(`  Content-Digest  ${style.green('matches the body')}`);
    } catch (error) {
      out.push(`  Content-Digest  ${style.red(error instanceof SignetError && error.code === 'digest_mismatch' ? 'DOES NOT match the body' : formatError(error))}`);
    }
  }
  out.push(`${style.bold('Now')}  ${isoDate(settings.now)}  ${style.dim(`(${settings.now}, ${settings.nowSource})`)}`);
}

function describeParameters(out: string[], input: SignatureInput, now: number, style: Style): void {
  out.push(`  ${style.bold('Parameters')}`);
  if (input.parameters.size === 0) out.push(`    ${style.dim('(none)')}`);
  for (const [name, value] of input.parameters) {
    let text: string;
    if ((name === 'created' || name === 'expires') && typeof value === 'number') {
      text = `${value}  ${isoDate(value)}  ${style.dim(`(${relativeTime(value, now)})`)}`;
    } else if (typeof value === 'string') {
      text = quote(value);
    } else if (value instanceof ArrayBuffer) {
      text = `:${Buffer.from(value).toString('base64')}:`;
    } else {
      text = String(value);
    }
    out.push(`    ${name.padEnd(8)} ${text}`);
  }
  if (input.params.alg === undefined) out.push(`    ${'alg'.padEnd(8)} ${style.dim('(not set: the algorithm comes from the key)')}`);
}

function describeFreshness(out: string[], input: SignatureInput, settings: Settings, style: Style): void {
  const { created, expires } = input.params;
  const parts = [
    created === undefined ? 'no created parameter (age unknown)' : `created ${relativeTime(created, settings.now)}`,
    expires === undefined ? 'no expires parameter' : `${expires > settings.now ? 'expires' : 'expired'} ${relativeTime(expires, settings.now)}`,
  ];
  let verdict: string;
  try {
    checkPolicy(input, input.components.map(serializeComponent), { now: settings.now, skew: settings.skew });
    verdict = style.green('fresh');
  } catch (error) {
    verdict = style.red(error instanceof SignetError && error.code === 'expired' ? 'EXPIRED' : error instanceof SignetError && error.code === 'not_yet_valid' ? 'NOT YET VALID' : formatError(error));
  }
  out.push(`  ${style.bold('Freshness')}  ${verdict}: ${parts.join(', ')} ${style.dim(`(skew ${settings.skew} s)`)}`);
}

function describeComponents(out: string[], input: SignatureInput, view: MessageView, style: Style): void {
  out.push(`  ${style.bold(`Covered components (${input.components.length})`)}`);
  if (input.components.length === 0) out.push(`    ${style.dim('(none: only the signature parameters are signed)')}`);
  const ids = input.components.map(serializeComponent);
  const width = Math.min(36, Math.max(0, ...ids.map((id) => id.length)));
  for (const [index, c] of input.components.entries()) {
    const id = (ids[index] ?? '').padEnd(width);
    try {
      const values = componentValues(view, c);
      for (const value of values) out.push(`    ${style.cyan(id)}  ${value}`);
    } catch (error) {
      out.push(`    ${style.cyan(id)}  ${style.red(formatError(error))}`);
    }
  }
}

function describeBase(out: string[], input: SignatureInput, view: MessageView, style: Style): void {
  out.push(`  ${style.bold('Signature base')} ${style.dim('(exactly what is signed: the lines between the rules, no final newline)')}`);
  try {
    const base = signatureBase(view, input);
    const rule = style.dim('-'.repeat(40));
    out.push(rule, base, rule);
  } catch (error) {
    out.push(`    ${style.red(`cannot be computed: ${formatError(error)}`)}`);
  }
}

/** `signet inspect`. */
export const inspect: Command = {
  name: 'inspect',
  summary: 'explain a signed message: parameters, covered values, base, freshness, verification',
  help: HELP,
  run,
};
