/**
 * Key files: a JWK (any kty, including `oct` for HMAC), a JWKS, or a PEM key; and picking the key a
 * signature needs from them.
 * @module
 */
import {
  SignetError,
  importJwk,
  importPem,
  jwkThumbprint,
  type AlgorithmName,
  type Jwk,
  type SignatureInput,
  type SignetKey,
} from '@signet/core';
import { usageError } from './command.js';
import { readInput } from './input.js';
import type { CliIo } from './io.js';

/** One key of a key file: the JWK it came from (none for PEM), its `kid` and thumbprint. */
interface KeyEntry {
  readonly jwk: Jwk | undefined;
  readonly pem: string | undefined;
  readonly kid: string | undefined;
  /** The RFC 7638 thumbprint, when the JWK has the members for one. */
  readonly thumbprint: string | undefined;
}

/** A key file as read: its format and its keys (not yet imported, so that `--alg` applies to the one picked). */
export interface KeyFile {
  readonly path: string;
  readonly format: 'jwk' | 'jwks' | 'pem';
  readonly entries: readonly KeyEntry[];
}

/** Reads a key file. Unreadable files are `unreadable_input`; malformed contents are `invalid_key`. */
export async function readKeyFile(io: CliIo, path: string, command: string): Promise<KeyFile> {
  const { bytes } = await readInput(io, path, 'the key file', command);
  const text = bytes.toString('utf8').trim();
  if (text.startsWith('-----BEGIN')) {
    return { path, format: 'pem', entries: [{ jwk: undefined, pem: text, kid: undefined, thumbprint: undefined }] };
  }
  if (!text.startsWith('{')) {
    throw new SignetError('invalid_key', `${JSON.stringify(path)} is neither a JWK or JWKS (JSON) nor a PEM key ("-----BEGIN …").`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SignetError('invalid_key', `${JSON.stringify(path)} starts with "{" but is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
  const object = json as { keys?: unknown; kty?: unknown };
  if (Array.isArray(object.keys)) {
    const entries = object.keys.map((jwk, index) => {
      if (typeof jwk !== 'object' || jwk === null || typeof (jwk as Jwk).kty !== 'string') {
        throw new SignetError('invalid_key', `${JSON.stringify(path)}: keys[${index}] is not a JWK (an object with "kty").`);
      }
      return entryOf(jwk as Jwk);
    });
    if (entries.length === 0) throw new SignetError('invalid_key', `${JSON.stringify(path)} is a JWKS with no keys.`);
    return { path, format: 'jwks', entries };
  }
  if (typeof object.kty !== 'string') {
    throw new SignetError('invalid_key', `${JSON.stringify(path)} is JSON but neither a JWK (with "kty") nor a JWKS (with "keys").`);
  }
  return { path, format: 'jwk', entries: [entryOf(json as Jwk)] };
}

function entryOf(jwk: Jwk): KeyEntry {
  let thumbprint: string | undefined;
  try {
    thumbprint = jwkThumbprint(jwk);
  } catch {
    thumbprint = undefined;
  }
  return { jwk, pem: undefined, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, thumbprint };
}

function importEntry(file: KeyFile, entry: KeyEntry, alg: AlgorithmName | undefined): SignetKey {
  try {
    return entry.pem !== undefined ? importPem(entry.pem, { alg }) : importJwk(entry.jwk as Jwk, { alg });
  } catch (error) {
    if (!(error instanceof SignetError)) throw error;
    // A --alg that does not fit the key is a usage error; anything else is a bad key file. Both exit 2.
    const code = alg !== undefined && error.code === 'algorithm_mismatch' ? 'invalid_usage' : 'invalid_key';
    throw new SignetError(code, `Key file ${JSON.stringify(file.path)}: ${error.message}`, { cause: error });
  }
}

function describeEntries(file: KeyFile): string {
  return file.entries.map((e) => (e.kid === undefined ? `thumbprint ${e.thumbprint ?? '(none)'}` : `kid "${e.kid}"`)).join(', ');
}

/**
 * The key that verifies `input`: the only key of a JWK or PEM file; in a JWKS, the key whose `kid`
 * or RFC 7638 thumbprint equals the signature's `keyid`. Private keys are reduced to their public half.
 * @throws SignetError `unknown_key` when no key of a JWKS matches.
 */
export function verificationKey(file: KeyFile, input: SignatureInput, alg: AlgorithmName | undefined): SignetKey {
  let entry: KeyEntry | undefined;
  if (file.format !== 'jwks') {
    entry = file.entries[0];
  } else {
    const keyid = input.params.keyid;
    if (keyid !== undefined) {
      entry = file.entries.find((e) => e.kid === keyid) ?? file.entries.find((e) => e.thumbprint === keyid);
      if (entry === undefined) {
        throw new SignetError('unknown_key', `keyid "${keyid}" of signature "${input.label}" is neither a kid nor a thumbprint of the keys in ${JSON.stringify(file.path)} (${describeEntries(file)}).`);
      }
    } else if (file.entries.length === 1) {
      entry = file.entries[0];
    } else {
      throw new SignetError('unknown_key', `Signature "${input.label}" has no keyid, and ${JSON.stringify(file.path)} holds ${file.entries.length} keys: give a file with the one key.`);
    }
  }
  const key = importEntry(file, entry as KeyEntry, alg);
  return key.type === 'private' ? key.toPublic() : key;
}

/**
 * The key to sign with: the only key of a JWK or PEM file, or in a JWKS the one whose `kid` or
 * thumbprint is `keyid` (or the only one). It must be private (or an HMAC secret).
 */
export function signingKey(file: KeyFile, keyid: string | undefined, alg: AlgorithmName | undefined, command: string): SignetKey {
  let entry: KeyEntry | undefined = file.entries.length === 1 ? file.entries[0] : undefined;
  if (file.format === 'jwks' && keyid !== undefined) {
    entry = file.entries.find((e) => e.kid === keyid) ?? file.entries.find((e) => e.thumbprint === keyid) ?? entry;
  }
  if (entry === undefined) {
    throw usageError(`${JSON.stringify(file.path)} holds ${file.entries.length} keys (${describeEntries(file)}): pick one with --keyid.`);
  }
  const key = importEntry(file, entry, alg);
  if (key.type === 'public') {
    throw new SignetError('invalid_key', `${JSON.stringify(file.path)} holds a public key; "signet ${command}" needs the private key (signet keygen --out FILE writes one).`);
  }
  return key;
}

/**
 * The RFC 7638 thumbprint of `key`, or an `invalid_key` error saying what to do (`fix`) when there is
 * none: an HMAC secret, or an RSASSA-PSS PEM key, which Node.js cannot export as a JWK.
 */
export function keyThumbprint(key: SignetKey, fix: string): string {
  try {
    return key.thumbprint;
  } catch (cause) {
    const why = key.type === 'secret' ? 'an HMAC secret has no public JWK' : 'Node.js cannot export this key as a JWK (an RSASSA-PSS PEM key?)';
    throw new SignetError('invalid_key', `Cannot compute the JWK thumbprint of the key: ${why}. ${fix}`, { cause });
  }
}

/**
 * Every key of a key file, each of which must be a private asymmetric key: the keys a key directory
 * publishes (their public halves) and signs its response with.
 */
export function privateKeys(file: KeyFile, command: string): SignetKey[] {
  return file.entries.map((entry, index) => {
    const where = file.format === 'jwks' ? `${JSON.stringify(file.path)} (keys[${index}])` : JSON.stringify(file.path);
    const key = importEntry(file, entry, undefined);
    if (key.type === 'secret') {
      throw new SignetError('invalid_key', `${where} is an HMAC secret: a key directory publishes public keys, so "signet ${command}" needs Ed25519, ECDSA or RSA keys (signet keygen --out FILE makes one).`);
    }
    if (key.type === 'public') {
      throw new SignetError('invalid_key', `${where} holds a public key; "signet ${command}" needs the private key, to sign the directory response (only its public members are published).`);
    }
    return key;
  });
}
