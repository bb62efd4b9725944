/**
 * Statically trusted keys (an allowlist): normalized once, looked up by keyid, kid or thumbprint.
 * @module
 */
import { SignetError, SignetKey, exportPrivateJwk, importJwk, importKey, jwkThumbprint, type Jwk } from '@signet/core';
import type { KeyResolution } from './profiles/resolution.js';

/** A trusted key with what it may be used for. */
export interface TrustedKey {
  /** The key: a SignetKey, a JWK, or a PEM / JWK text. Only its public half is kept (secrets stay secrets). */
  key: SignetKey | Jwk | string;
  /** The `keyid` the agent signs with (default: the JWK `kid`, and always the thumbprint). */
  keyid?: string;
  /**
   * The agent id reported for this key. For web-bot-auth it is also the only Signature-Agent URI the key may
   * come with: a request that names another Signature-Agent is not verified with this key. A key without `agent`
   * verifies only web-bot-auth requests that send no Signature-Agent.
   */
  agent?: string;
}

/** A trusted key as configured: a key, or a key with its keyid / agent. */
export type TrustedKeyInput = SignetKey | Jwk | TrustedKey;

/** A normalized trusted key. */
export interface TrustedKeyEntry {
  readonly key: SignetKey;
  readonly thumbprint: string;
  /** Every identifier the key answers to: keyid, kid, thumbprint. */
  readonly ids: ReadonlySet<string>;
  readonly keyid: string;
  readonly agent: string | undefined;
  /** What a web-bot-auth signature verified with this key resolves to (made once, not per request). */
  readonly webBotAuth: KeyResolution;
}

/** Imports and checks the configured keys. @throws SignetError `invalid_configuration` */
export function normalizeTrustedKeys(inputs: readonly TrustedKeyInput[]): TrustedKeyEntry[] {
  if (!Array.isArray(inputs)) throw new SignetError('invalid_configuration', 'createVerifier: keys must be a list.');
  return inputs.map((input, index) => {
    const spec: TrustedKey = input instanceof SignetKey || !('key' in (input as object)) ? { key: input as SignetKey | Jwk } : (input as TrustedKey);
    let key: SignetKey;
    try {
      key = spec.key instanceof SignetKey ? spec.key : typeof spec.key === 'string' ? importKey(spec.key) : importJwk(spec.key);
    } catch (cause) {
      throw new SignetError('invalid_configuration', `createVerifier: keys[${index}] cannot be imported: ${(cause as Error).message}`, { cause });
    }
    let thumbprint: string;
    if (key.type === 'secret') {
      if (spec.keyid === undefined && key.kid === undefined) throw new SignetError('invalid_configuration', `createVerifier: keys[${index}] is a shared secret: give it a keyid.`);
      thumbprint = jwkThumbprint(exportPrivateJwk(key));
    } else {
      key = key.toPublic();
      thumbprint = key.thumbprint;
    }
    const keyid = spec.keyid ?? key.kid ?? thumbprint;
    const ids = new Set([keyid, thumbprint, ...(key.kid === undefined ? [] : [key.kid])]);
    const webBotAuth: KeyResolution = Object.freeze({ key, id: spec.agent ?? `urn:jkt:sha-256:${thumbprint}`, keyid: thumbprint, thumbprint, pseudonymous: false });
    return { key, thumbprint, ids, keyid, agent: spec.agent, webBotAuth };
  });
}

/** The trusted key for a static signature: by keyid (any of its identifiers). */
export function findStaticKey(entries: readonly TrustedKeyEntry[], keyid: string): TrustedKeyEntry | undefined {
  return entries.find((entry) => entry.ids.has(keyid));
}

/**
 * The trusted key for a web-bot-auth signature: the keyid is its thumbprint, and a request that names a
 * Signature-Agent only matches a key configured for exactly that agent.
 */
export function findAgentKey(entries: readonly TrustedKeyEntry[], keyid: string, agentUri: string | undefined): TrustedKeyEntry | undefined {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as TrustedKeyEntry;
    if (entry.thumbprint === keyid && entry.key.type !== 'secret' && (agentUri === undefined || entry.agent === agentUri)) return entry;
  }
  return undefined;
}
