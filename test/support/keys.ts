import { importJwk, importPem, type AlgorithmName, type SignetKey } from '@signet/core';
import { createSecretKey } from 'node:crypto';
import { importKey } from '@signet/core';
import type { Rfc9421Vectors } from './vectors.js';

/** The key of an RFC 9421 Appendix B vector: private when `private` is set (and the vector has one). */
export function vectorKey(vectors: Rfc9421Vectors, id: string, which: 'public' | 'private'): SignetKey {
  const entry = vectors.keys[id];
  if (entry === undefined) throw new Error(`no vector key ${id}`);
  const alg = entry.alg as AlgorithmName;
  if (entry.secretBase64 !== undefined) return importKey(createSecretKey(Buffer.from(entry.secretBase64, 'base64')), { alg });
  const pem = which === 'private' ? entry.privatePem : entry.publicPem;
  if (pem === undefined) throw new Error(`vector key ${id} has no ${which} PEM`);
  return importPem(pem, { alg });
}

export { importJwk };
