/** One key per RFC 9421 algorithm, in the forms both Signet and http-message-signatures take. */
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { importKey, type AlgorithmName, type SignetKey } from '@signet/core';

export interface PeerKeyPair {
  alg: AlgorithmName;
  /** What http-message-signatures signs with (a private KeyObject, or the secret bytes). */
  signing: KeyObject | Buffer;
  /** What it verifies with. */
  verifying: KeyObject | Buffer;
  /** Signet's private key (or secret) and public key (or secret). */
  signetPrivate: SignetKey;
  signetPublic: SignetKey;
}

export const PEER_ALGORITHMS: readonly AlgorithmName[] = ['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256', 'hmac-sha256'];

export function peerKeyPair(alg: AlgorithmName): PeerKeyPair {
  if (alg === 'hmac-sha256') {
    const secret = randomBytes(64);
    const key = importKey(createSecretKey(secret), { alg });
    return { alg, signing: secret, verifying: secret, signetPrivate: key, signetPublic: key };
  }
  const pair =
    alg === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : alg === 'ecdsa-p256-sha256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : alg === 'ecdsa-p384-sha384'
          ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg, signing: pair.privateKey, verifying: pair.publicKey, signetPrivate: importKey(pair.privateKey, { alg }), signetPublic: importKey(pair.publicKey, { alg }) };
}

/** A fresh key pair for every algorithm. */
export function peerKeys(): Record<AlgorithmName, PeerKeyPair> {
  return Object.fromEntries(PEER_ALGORITHMS.map((alg) => [alg, peerKeyPair(alg)])) as Record<AlgorithmName, PeerKeyPair>;
}
