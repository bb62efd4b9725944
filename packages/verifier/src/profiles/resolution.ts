/**
 * What a profile's key lookup produces, and the shared handling of the `resolveKey` hook.
 * @module
 */
import { SignetError, SignetKey, exportPrivateJwk, importJwk, jwkThumbprint } from '@signet/core';
import type { KeyLookup, ResolveKeyHook } from '../options.js';

/** The key that will verify the signature, and the identity it stands for. */
export interface KeyResolution {
  readonly key: SignetKey;
  /** The agent id to report. */
  readonly id: string;
  /** The key's identifier as the agent named it. */
  readonly keyid: string;
  readonly thumbprint: string;
  readonly pseudonymous: boolean;
  readonly scheme?: string | undefined;
  readonly subject?: string | undefined;
}

/** The thumbprint of any key Signet can verify with (for a shared secret: of its oct JWK). */
export function thumbprintOf(key: SignetKey): string {
  return key.type === 'secret' ? jwkThumbprint(exportPrivateJwk(key)) : key.thumbprint;
}

/** Asks the `resolveKey` hook; `undefined` when it does not know the key. */
export async function askHook(hook: ResolveKeyHook | undefined, lookup: KeyLookup): Promise<{ key: SignetKey; agent: string | undefined } | undefined> {
  if (hook === undefined) return undefined;
  let answer: Awaited<ReturnType<ResolveKeyHook>>;
  try {
    answer = await hook(lookup);
  } catch (cause) {
    if (cause instanceof SignetError) throw cause;
    throw new SignetError('unknown_key', `The resolveKey hook failed for keyid ${JSON.stringify(lookup.keyid)}: ${(cause as Error)?.message ?? String(cause)}.`, { cause });
  }
  if (answer === undefined || answer === null) return undefined;
  const spec = answer instanceof SignetKey ? { key: answer, agent: undefined } : answer;
  let key: SignetKey;
  try {
    key = spec.key instanceof SignetKey ? spec.key : importJwk(spec.key);
  } catch (cause) {
    throw new SignetError('invalid_key', `The resolveKey hook returned a key that cannot be imported: ${(cause as Error).message}`, { cause });
  }
  return { key: key.type === 'private' ? key.toPublic() : key, agent: spec.agent };
}
