/**
 * The key directory's own signatures (draft-meunier-http-message-signatures-directory, WBA protocol App. B):
 * one per key, `tag="http-message-signatures-directory"`, covering `"@authority";req` and `content-digest`,
 * `keyid` = the thumbprint of a key in the same directory. Verified with core `verifyMessage` over the
 * request–response pair; `Content-Digest` is checked against the body. Pure (no I/O).
 * @module
 */
import { MessageView, readSignatures, verifyDigest, verifyMessage, type SignatureInput } from '@signet/core';
import type { FetchedDocument } from './fetch.js';
import type { KeySet } from './jwks.js';

/** The tag of a directory response signature. */
export const DIRECTORY_SIGNATURE_TAG = 'http-message-signatures-directory';

/** What the directory signatures prove. */
export interface DirectorySignatureReport {
  /** Thumbprints of the keys with a valid directory signature. */
  readonly verified: ReadonlySet<string>;
  /** Why each other directory signature (or the response as a whole) did not verify. */
  readonly failures: readonly string[];
}

/** Checks every directory signature of `document` against the keys of `set` (parsed from the same body). */
export async function verifyDirectorySignatures(
  document: FetchedDocument,
  set: KeySet,
  options: { nowSeconds: number; skewSeconds: number },
): Promise<DirectorySignatureReport> {
  const verified = new Set<string>();
  const failures: string[] = [];
  const pair = {
    request: { method: 'GET', url: document.url, headers: {} },
    response: { status: document.status, headers: document.headers, body: document.body },
  };
  if (document.headers['signature-input'] === undefined && document.headers.signature === undefined) {
    return { verified, failures: ['the response carries no Signature-Input/Signature (an unsigned directory)'] };
  }
  let inputs: readonly SignatureInput[];
  try {
    inputs = readSignatures(MessageView.from(pair)).inputs;
  } catch (error) {
    return { verified, failures: [`its signature fields are malformed (${(error as Error).message})`] };
  }
  const tagged = inputs.filter((input) => input.params.tag === DIRECTORY_SIGNATURE_TAG);
  if (tagged.length === 0) return { verified, failures: [`no signature has tag="${DIRECTORY_SIGNATURE_TAG}"`] };
  const digest = document.headers['content-digest'];
  if (digest === undefined) return { verified, failures: ['the response has no Content-Digest'] };
  try {
    verifyDigest(digest, document.body);
  } catch (error) {
    return { verified, failures: [`Content-Digest does not match the body (${(error as Error).message})`] };
  }
  for (const input of tagged) {
    const keyid = input.params.keyid;
    const record = keyid === undefined ? undefined : set.keys.find((k) => k.thumbprint === keyid && k.key !== undefined);
    if (record?.key === undefined) {
      failures.push(`signature "${input.label}" is by keyid ${JSON.stringify(keyid ?? null)}, which is not the thumbprint of a usable key in this directory`);
      continue;
    }
    try {
      await verifyMessage(pair, {
        key: record.key,
        label: input.label,
        tag: DIRECTORY_SIGNATURE_TAG,
        now: options.nowSeconds,
        skew: options.skewSeconds,
        requiredParams: ['created', 'expires', 'keyid'],
        requiredComponents: ['"@authority";req', 'content-digest'],
        keyidIsThumbprint: true,
      });
      verified.add(keyid as string);
    } catch (error) {
      failures.push(`signature "${input.label}" (keyid ${keyid}) does not verify: ${(error as Error).message}`);
    }
  }
  return { verified, failures };
}
