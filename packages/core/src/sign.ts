/**
 * Signing a message (RFC 9421 §3.1).
 * @module
 */
import type { BareItem } from 'structured-headers';
import { resolveAlgorithm, type AlgorithmName } from './algorithms.js';
import { component, type Component } from './components.js';
import { nodeCryptoBackend, type CryptoBackend } from './crypto-backend.js';
import { SignetError } from './errors.js';
import { SignetKey } from './keys.js';
import { MessageView, type MessageLike, type MessagePair } from './message.js';
import { signatureBase } from './signature-base.js';
import {
  createSignatureInput,
  serializeSignatureInputMember,
  serializeSignatureMember,
  type SignatureInput,
  type SignatureParameters,
} from './signature-fields.js';

/**
 * A signing key held elsewhere (a KMS, an HSM, a WebCrypto `CryptoKey`): it only needs to sign bytes.
 * Private key material never passes through Signet.
 */
export interface Signer {
  /** The algorithm the signer produces. */
  readonly alg: AlgorithmName;
  /** Signs the signature base (UTF-8 bytes). */
  sign(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** What to sign and how. */
export interface SignOptions {
  /** The private key or shared secret, or an external {@link Signer}. */
  key: SignetKey | Signer;
  /** The signature label (default `sig1`). */
  label?: string;
  /** The covered components, in order: names (`@method`, `content-type`) or identifiers (`"signature-agent";key="a"`). */
  components: ReadonlyArray<string | Component>;
  /**
   * The signature parameters, written in the order of the object's keys. Standard ones are typed;
   * others (RFC 9421 allows them) are kept as structured-field bare items. Nothing is added for you.
   */
  params?: SignatureParameters & Record<string, BareItem | undefined>;
  /** The crypto backend (default node:crypto). */
  backend?: CryptoBackend;
}

/** A finished signature: what to add to the message's `Signature-Input` and `Signature` fields. */
export interface SignResult {
  readonly label: string;
  readonly input: SignatureInput;
  readonly signature: Uint8Array;
  /** The signature base that was signed. */
  readonly base: string;
  /** `label=(…);…`: the member to add to `Signature-Input`. */
  readonly signatureInput: string;
  /** `label=:…:`: the member to add to `Signature`. */
  readonly signatureHeader: string;
}

const encoder = new TextEncoder();

/**
 * Signs `message`. The message itself is not modified: add `signatureInput` and `signatureHeader`
 * to it (see `appendMember`).
 * @throws SignetError on a missing component, a key that cannot sign, an `alg` that does not fit the key.
 */
export async function signMessage(message: MessageLike | MessagePair | MessageView, options: SignOptions): Promise<SignResult> {
  const label = options.label ?? 'sig1';
  const components = options.components.map((c) => (typeof c === 'string' ? component(c) : c));
  const params = options.params ?? {};
  const input = createSignatureInput(label, components, Object.entries(params));
  const key = options.key;
  const alg = key instanceof SignetKey ? resolveAlgorithm(key, params.alg) : signerAlgorithm(key, params.alg);
  const base = signatureBase(MessageView.from(message), input);
  const data = encoder.encode(base);
  const pending = key instanceof SignetKey ? (options.backend ?? nodeCryptoBackend).sign(alg, key, data) : key.sign(data);
  // node:crypto signs synchronously: awaiting a plain Uint8Array would still cost a microtask turn.
  const signature = pending instanceof Uint8Array ? pending : await pending;
  return {
    label,
    input,
    signature,
    base,
    signatureInput: serializeSignatureInputMember(input),
    signatureHeader: serializeSignatureMember(label, signature),
  };
}

function signerAlgorithm(signer: Signer, requested: string | undefined): AlgorithmName {
  if (typeof signer !== 'object' || signer === null || typeof signer.sign !== 'function') {
    throw new SignetError('invalid_key', 'options.key must be a SignetKey or a Signer ({ alg, sign(data) }).');
  }
  if (requested !== undefined && requested !== signer.alg) {
    throw new SignetError('algorithm_mismatch', `params.alg is "${requested}" but the signer produces ${signer.alg}.`);
  }
  return signer.alg;
}
