/**
 * `signet base`: prints the RFC 9421 signature base of a message, for debugging.
 * @module
 */
import { MessageView, createSignatureInput, parseSignatureInput, selectSignature, signatureBase, type SignatureInput } from '@signet/core';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_OK, EXIT_USAGE, usageError, type Command } from '../command.js';
import { readMessage } from '../input.js';
import type { CliIo } from '../io.js';
import { printError } from '../output.js';
import { SIGNATURE_OPTIONS, parseComponents, signatureParams } from '../signature-options.js';
import { selectInput } from '../verification.js';

const OPTIONS: OptionSpec = {
  ...SIGNATURE_OPTIONS,
  alg: { type: 'string' },
  'signature-input': { type: 'string' },
  scheme: { type: 'string' },
  request: { type: 'string' },
  raw: { type: 'boolean' },
};

const HELP = `Usage: signet base (--components LIST [params] | --signature-input VALUE | [--label LABEL]) [MESSAGE_FILE|-]

Prints the RFC 9421 signature base (§2.5) of one raw HTTP/1.1 message: the exact text that is
signed. Which signature:
  --signature-input VALUE   the signature this Signature-Input value describes
                            ('sig1=("@method" "@authority");created=1618884473'; --label picks
                            a member when it has several)
  --components LIST         a new signature covering LIST, with only the parameters given
                            below (unlike "signet sign", nothing is added for you)
  neither                   a signature already in the message: the one labelled --label, or
                            the first

Options:
      --components LIST   covered components, e.g. '"@method" "@authority" "@query-param";name="a"'
      --created SECONDS   the created parameter
      --expires SECONDS   the expires parameter (+N: N seconds after created)
      --nonce VALUE       the nonce parameter
      --keyid VALUE       the keyid parameter
      --alg ALG           the alg parameter
      --tag VALUE         the tag parameter
      --label LABEL       the label of the new signature (default sig1), or of the one to pick
      --scheme SCHEME     https (default) or http: the scheme of the request's URL
      --request FILE      for a response: the request it answers (for components with ;req)
      --raw               print the base exactly, without the final newline
  -h, --help              this help

Examples:
  signet base --components '"@method" "@authority" "@path"' --created 1618884473 request.http
  signet base --label sig1 signed-request.http
`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = Args.parse('base', OPTIONS, argv, 1);
    const given = args.string('signature-input');
    const componentsText = args.string('components');
    if (given !== undefined && componentsText !== undefined) {
      throw usageError('Give either --signature-input (an existing signature) or --components (a new one), not both.');
    }
    const label = args.string('label');
    let input: SignatureInput | undefined;
    if (given !== undefined) {
      input = selectSignature(parseSignatureInput(given), { label });
    } else if (componentsText !== undefined) {
      const params = signatureParams(args, { alg: args.string('alg') });
      input = createSignatureInput(label ?? 'sig1', parseComponents(componentsText), Object.entries(params));
    }
    const read = await readMessage(io, { file: args.messageFile(), scheme: args.choice('scheme', ['https', 'http'] as const), requestFile: args.string('request'), command: 'base' });
    const view = MessageView.from(read.message);
    if (input === undefined) {
      if (view.fieldLines('signature-input') === undefined) {
        throw usageError(`${read.name} is not signed: give --components LIST for a new signature, or --signature-input VALUE. Run "signet base --help" for an example.`);
      }
      input = selectInput(view, { label, profile: 'plain' });
    }
    const base = signatureBase(view, input);
    io.stdout(args.flag('raw') ? base : `${base}\n`);
    return EXIT_OK;
  } catch (error) {
    printError(io, error);
    return EXIT_USAGE;
  }
}

/** `signet base`. */
export const base: Command = {
  name: 'base',
  summary: 'print the signature base of a message (what is signed), for debugging',
  help: HELP,
  run,
};
