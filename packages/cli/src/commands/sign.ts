/**
 * `signet sign`: adds `Signature-Input` and `Signature` to a raw HTTP message.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { MessageView, SignetError, readSignatures, resolveAlgorithm, signMessage, type AlgorithmName, type SignetKey } from '@signet/core';
import { Args, type OptionSpec } from '../args.js';
import { EXIT_OK, EXIT_USAGE, usageError, type Command } from '../command.js';
import { addHeaderLines, readMessage } from '../input.js';
import type { CliIo } from '../io.js';
import { keyThumbprint, readKeyFile, signingKey } from '../key-file.js';
import { printError } from '../output.js';
import { SIGNATURE_OPTIONS, parseComponents, signatureParams, type ParamDefaults } from '../signature-options.js';
import { PROFILES, WEB_BOT_AUTH_TAG } from '../verification.js';

const OPTIONS: OptionSpec = {
  ...SIGNATURE_OPTIONS,
  key: { type: 'string', short: 'k' },
  alg: { type: 'string' },
  'with-alg': { type: 'boolean' },
  profile: { type: 'string' },
  scheme: { type: 'string' },
  request: { type: 'string' },
};

/** The lifetime of a `--profile web-bot-auth` signature when `--expires` is not given. */
const WEB_BOT_AUTH_LIFETIME = 300;

const HELP = `Usage: signet sign --key FILE --components '"@method" "@authority" ...' [options] [MESSAGE_FILE|-]

Signs one raw HTTP/1.1 request or response and prints it with Signature-Input and Signature
added (the rest of the message is unchanged, line ends kept). Reads standard input when
MESSAGE_FILE is "-" or absent.

Options:
  -k, --key FILE          the private key: a JWK (an "oct" JWK for HMAC), a PEM key, or a JWKS
                          (pick the key with --keyid)
      --components LIST   the covered components, in order, separated by spaces: structured
                          identifiers ('"@query-param";name="Pet"', '"signature-agent";key="a"')
                          or bare names (@method content-type); '' covers nothing
      --created SECONDS   the created parameter (default: now)
      --expires SECONDS   the expires parameter; +N means N seconds after created
      --nonce VALUE       the nonce parameter
      --tag VALUE         the tag parameter
      --label LABEL       the signature label (default sig1)
      --keyid VALUE       the keyid parameter (default: the JWK's kid, else its RFC 7638 thumbprint;
                          none for an HMAC secret without kid)
      --alg ALG           restrict the key to one algorithm (an RSA key fits rsa-pss-sha512 and
                          rsa-v1_5-sha256)
      --with-alg          also write the alg parameter
      --profile NAME      plain (default), or web-bot-auth: tag="web-bot-auth", keyid = the JWK
                          thumbprint, alg written, expires = created + ${WEB_BOT_AUTH_LIFETIME} and a random
                          64-byte nonce unless given, and '"@authority"' covered by default
      --scheme SCHEME     https (default) or http: the scheme of the request's URL
      --request FILE      for a response: the request it answers (for components with ;req)
  -h, --help              this help

Parameters are written in the order created, keyid, alg, expires, nonce, tag.

Examples:
  signet sign --key alice.jwk --components '"@method" "@authority" "@path"' request.http
  signet sign --key alice.jwk --profile web-bot-auth request.http | signet verify --key alice.jwk --profile web-bot-auth
`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = Args.parse('sign', OPTIONS, argv, 1);
    const profile = args.choice('profile', PROFILES) ?? 'plain';
    const wba = profile === 'web-bot-auth';
    const keyPath = args.required('key', 'FILE (a private JWK or PEM key; signet keygen --out FILE makes one)');
    const componentsText = args.string('components') ?? (wba ? '"@authority"' : undefined);
    if (componentsText === undefined) {
      throw usageError(`"signet sign" needs --components, the covered components, e.g. --components '"@method" "@authority" "@path"'. Run "signet sign --help" for more.`);
    }
    const components = parseComponents(componentsText);
    const label = args.string('label') ?? 'sig1';
    const alg = args.algorithm();
    const scheme = args.choice('scheme', ['https', 'http'] as const);
    const created = args.seconds('created') ?? io.now();
    const keyFile = await readKeyFile(io, keyPath, 'sign');
    const key = signingKey(keyFile, args.string('keyid'), alg, 'sign');
    const resolved = signingAlgorithm(key);
    const keyidFlag = args.string('keyid');
    const defaults: ParamDefaults = { created, alg: args.flag('with-alg') ? resolved : undefined };
    if (keyidFlag === undefined && !wba) {
      defaults.keyid = key.kid ?? (key.type === 'secret' ? undefined : keyThumbprint(key, 'Give the keyid with --keyid.'));
    }
    if (wba) {
      if (key.type === 'secret') throw usageError('--profile web-bot-auth signs with a public-key algorithm; an HMAC secret cannot be used.');
      const thumbprint = keyThumbprint(key, 'Web Bot Auth needs it as keyid: use the key as a JWK.');
      if (keyidFlag !== undefined && keyidFlag !== thumbprint) {
        throw usageError(`--profile web-bot-auth uses the key's JWK thumbprint (${thumbprint}) as keyid; drop --keyid ${JSON.stringify(keyidFlag)}.`);
      }
      Object.assign(defaults, { keyid: thumbprint, alg: resolved, expires: created + WEB_BOT_AUTH_LIFETIME, nonce: randomBytes(64).toString('base64'), tag: WEB_BOT_AUTH_TAG });
    }
    const params = signatureParams(args, defaults);
    const read = await readMessage(io, { file: args.messageFile(), scheme, requestFile: args.string('request'), command: 'sign' });
    refuseTakenLabel(MessageView.from(read.message), label);
    if (wba && !components.some((c) => c.name === '@authority' || c.name === '@target-uri')) {
      io.stderr('warning: Web Bot Auth requires "@authority" or "@target-uri" to be covered; signet verify --profile web-bot-auth will refuse this signature.\n');
    }
    const result = await signMessage(read.message, { key, label, components, params });
    io.stdout(addHeaderLines(read.raw, [`Signature-Input: ${result.signatureInput}`, `Signature: ${result.signatureHeader}`]));
    return EXIT_OK;
  } catch (error) {
    printError(io, error);
    return EXIT_USAGE;
  }
}

function signingAlgorithm(key: SignetKey): AlgorithmName {
  if (key.kty === 'RSA' && key.alg === undefined) {
    throw usageError('An RSA key fits rsa-pss-sha512 and rsa-v1_5-sha256: pass --alg rsa-pss-sha512 or --alg rsa-v1_5-sha256 (or give the JWK an "alg").');
  }
  return resolveAlgorithm(key);
}

/** A new signature must not reuse a label already in the message. */
function refuseTakenLabel(view: MessageView, label: string): void {
  if (view.fieldLines('signature-input') === undefined && view.fieldLines('signature') === undefined) return;
  let labels: string[];
  try {
    labels = readSignatures(view).inputs.map((i) => i.label);
  } catch (error) {
    if (error instanceof SignetError && error.code === 'missing_signature') return;
    throw error;
  }
  if (labels.includes(label)) {
    throw new SignetError('duplicate_label', `The message already has a signature labelled "${label}": choose another with --label.`);
  }
}

/** `signet sign`. */
export const sign: Command = {
  name: 'sign',
  summary: 'add Signature-Input and Signature to a raw HTTP message',
  help: HELP,
  run,
};
