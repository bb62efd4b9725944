/**
 * The static profile: any RFC 9421 signature whose `keyid` names a configured key (or one the hook finds).
 * @module
 */
import { SignetError, type SignatureInput } from '@signet/core';
import type { ResolvedOptions } from '../options.js';
import { findStaticKey } from '../trusted-keys.js';
import { askHook, thumbprintOf, type KeyResolution } from './resolution.js';

/** The configured key of a static signature, found without I/O; `undefined` when the hook must be asked. */
export function trustedStaticKey(input: SignatureInput, options: ResolvedOptions): KeyResolution | undefined {
  const keyid = input.params.keyid as string;
  const entry = findStaticKey(options.keys, keyid);
  if (entry === undefined) return undefined;
  return { key: entry.key, id: entry.agent ?? entry.keyid, keyid, thumbprint: entry.thumbprint, pseudonymous: false };
}

/** Finds the key of a static signature. @throws SignetError `unknown_key` */
export async function resolveStaticKey(input: SignatureInput, options: ResolvedOptions): Promise<KeyResolution> {
  const keyid = input.params.keyid as string;
  const trusted = trustedStaticKey(input, options);
  if (trusted !== undefined) return trusted;
  const found = await askHook(options.resolveKey, { profile: 'static', label: input.label, keyid, signatureAgent: undefined, input });
  if (found === undefined) throw new SignetError('unknown_key', `No trusted key has keyid ${JSON.stringify(keyid)}.`);
  return { key: found.key, id: found.agent ?? keyid, keyid, thumbprint: thumbprintOf(found.key), pseudonymous: false };
}
