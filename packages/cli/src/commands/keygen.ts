/**
 * `signet keygen`: makes a new signing key, written as a private JWK with mode 0600.
 * @module
 */
import { constants } from 'node:fs';
import { chmod, open, unlink, type FileHandle } from 'node:fs/promises';
import { SignetError, exportPrivateJwk, generateKey, isAlgorithmName, type AlgorithmName, type Jwk, type SignetKey } from '@signet/core';
import { Args, closest, type OptionSpec } from '../args.js';
import { EXIT_OK, EXIT_USAGE, usageError, type Command } from '../command.js';
import type { CliIo } from '../io.js';
import { printError } from '../output.js';

/** Short algorithm names for keygen, with the RFC 9421 name each stands for. */
const SHORT_NAMES: Readonly<Record<string, AlgorithmName>> = {
  ed25519: 'ed25519',
  'ecdsa-p256': 'ecdsa-p256-sha256',
  'ecdsa-p384': 'ecdsa-p384-sha384',
  'rsa-pss': 'rsa-pss-sha512',
  'rsa-v1_5': 'rsa-v1_5-sha256',
  hmac: 'hmac-sha256',
};

const OPTIONS: OptionSpec = {
  alg: { type: 'string' },
  out: { type: 'string', short: 'o' },
  kid: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
};

const HELP = `Usage: signet keygen [--alg ALG] [--out FILE] [--force] [--kid KID] [--json]

Makes a new key and writes it as a private JWK (with "alg", and "kid" = its RFC 7638 thumbprint
unless --kid is given; an HMAC secret gets no kid unless --kid is given).

Options:
      --alg ALG    ed25519 (default), ecdsa-p256, ecdsa-p384, rsa-pss, rsa-v1_5 or hmac
                   (the full RFC 9421 names, e.g. ecdsa-p256-sha256, work too)
  -o, --out FILE   write the private JWK to FILE with mode 0600, and print the public JWK and
                   its thumbprint; without --out the private JWK goes to standard output
      --force      overwrite FILE if it exists
      --kid KID    the kid of the key (default: its thumbprint)
      --json       with --out: print { file, alg, kid, thumbprint, publicJwk } as JSON
  -h, --help       this help

Examples:
  signet keygen --out alice.jwk
  signet keygen --alg ecdsa-p256 --out agent.jwk --json
`;

function algorithmOf(args: Args): AlgorithmName {
  const value = args.string('alg');
  if (value === undefined) return 'ed25519';
  const alg = SHORT_NAMES[value] ?? (isAlgorithmName(value) ? value : undefined);
  if (alg === undefined) {
    const suggestion = closest(value, Object.keys(SHORT_NAMES));
    throw usageError(`--alg must be one of ${Object.keys(SHORT_NAMES).join(', ')}; got ${JSON.stringify(value)}.${suggestion === undefined ? '' : ` Did you mean ${suggestion}?`}`);
  }
  return alg;
}

/** Creates `path` with mode 0600 (refusing an existing file unless `force`) and writes `text`. */
async function writePrivateFile(path: string, text: string, force: boolean): Promise<void> {
  if (force) {
    // Replace rather than truncate, so that the new file gets mode 0600 whatever the old one had.
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw usageError(`${JSON.stringify(path)} already exists: choose another --out, or pass --force to replace it.`);
    throw new SignetError('unreadable_input', `Cannot create ${JSON.stringify(path)}: ${(cause as Error).message}.`, { cause });
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  await chmod(path, 0o600); // in case the umask was odd
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = Args.parse('keygen', OPTIONS, argv, 0);
    const alg = algorithmOf(args);
    const out = args.string('out');
    if (args.flag('force') && out === undefined) throw usageError('--force only applies with --out FILE.');
    if (args.flag('json') && out === undefined) throw usageError('--json needs --out FILE (without --out the private JWK itself is printed).');
    const key = generateKey(alg);
    const thumbprint = key.type === 'secret' ? undefined : key.thumbprint;
    const kid = args.string('kid') ?? thumbprint;
    const privateJwk: Jwk = { ...exportPrivateJwk(key), ...(kid === undefined ? {} : { kid }) };
    const privateText = `${JSON.stringify(privateJwk, null, 2)}\n`;
    const publicJwk = publicJwkOf(key, privateJwk);
    if (out === undefined) {
      io.stdout(privateText);
      io.stderr(
        `warning: this is a PRIVATE ${alg} key on standard output; keep it secret, or use --out FILE to write it with mode 0600.\n` +
          (publicJwk === undefined ? '' : `public JWK: ${JSON.stringify(publicJwk)}\nthumbprint: ${thumbprint}\n`),
      );
      return EXIT_OK;
    }
    await writePrivateFile(out, privateText, args.flag('force'));
    if (args.flag('json')) {
      io.stdout(`${JSON.stringify({ file: out, alg, kid: kid ?? null, thumbprint: thumbprint ?? null, publicJwk: publicJwk ?? null }, null, 2)}\n`);
    } else if (publicJwk === undefined) {
      io.stdout(`wrote ${alg} shared secret to ${out} (mode 0600)\nan HMAC secret has no public half: the verifier needs this same file, sent over a secure channel\n`);
    } else {
      io.stdout(`wrote private ${alg} key to ${out} (mode 0600)\npublic JWK: ${JSON.stringify(publicJwk)}\nthumbprint: ${thumbprint}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    printError(io, error);
    return EXIT_USAGE;
  }
}

/** The public JWK to publish: public members, with kid and alg. `undefined` for a secret. */
function publicJwkOf(key: SignetKey, privateJwk: Jwk): Jwk | undefined {
  if (key.type === 'secret') return undefined;
  return { ...key.publicJwk(), ...(privateJwk.kid === undefined ? {} : { kid: privateJwk.kid }), ...(privateJwk.alg === undefined ? {} : { alg: privateJwk.alg }) };
}

/** `signet keygen`. */
export const keygen: Command = {
  name: 'keygen',
  summary: 'make a new key: a private JWK written with mode 0600, public JWK and thumbprint printed',
  help: HELP,
  run,
};
