/**
 * Signing a message (RFC 9421 §3.1).
 * @module
 */
import type { BareItem } from 'structured-headers';
import { resolveAlgorithm, type AlgorithmName } from './algorithms.js';
import { component, type Component } from './components.js';
import { encodeBase, nodeCryptoBackend, type CryptoBackend } from './crypto-backend.js';
import { SignetError } from './errors.js';
import { SignetKey } from './keys.js';
import { MessageView, type MessageLike, type MessagePair } from './message.js';
import { signatureBase } from './signature-base.js';
import { CanonicalSignatureInput } from './signature-fields-fast.js';
import { parameterMap, plainParameterList, writeParameters } from './signature-params.js';
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

/** How {@link SignatureTemplate.sign} signs one message. */
export interface TemplateSignOptions {
  /** The private key or shared secret, or an external {@link Signer}. */
  readonly key: SignetKey | Signer;
  /**
   * The signature parameters, in order (`undefined` values are skipped), as for `createSignatureInput`.
   * Nothing is added for you.
   */
  readonly params: Iterable<readonly [string, BareItem | undefined]>;
  /**
   * For a {@link SignetKey}: the algorithm to sign with, when its owner has already chosen it (an RSA key that
   * declares none signs with the owner's choice even when no `alg` parameter is written). Checked against the key
   * as an `alg` parameter would be, and an `alg` parameter must then name the same algorithm. Without it, the
   * key and the `alg` parameter decide, as in {@link signMessage}. A {@link Signer} always signs with its own `alg`.
   */
  readonly alg?: AlgorithmName;
  /** The crypto backend (default node:crypto). */
  readonly backend?: CryptoBackend;
}

/**
 * A signature's label and covered components, checked and serialized once, for signing many messages the
 * same way (a client signs every request with one of a few such shapes). Each signature then only checks
 * and serializes its parameters; the signature base still comes from {@link signatureBase}, as for any
 * other signature. {@link SignatureTemplate.input} gives exactly what `createSignatureInput` gives for the
 * same label, components and parameters.
 */
export class SignatureTemplate {
  /** The signature label. */
  readonly label: string;
  /** The covered components, checked, in order (frozen: every signature of the template shares them). */
  readonly components: readonly Component[];
  /** `(<component identifiers>)`: the inner list before its parameters. */
  readonly #covered: string;

  /**
   * Checks `label` and `components` as `createSignatureInput` does (strings are parsed as by `component`).
   * @throws SignetError `invalid_signature_input` (label), `invalid_component`, `unknown_component`
   */
  constructor(label: string, components: ReadonlyArray<string | Component>) {
    const checked = createSignatureInput(label, components.map((c) => (typeof c === 'string' ? component(c) : c)), []);
    this.label = label;
    this.components = Object.freeze(checked.components.map((c) => Object.freeze(c)));
    this.#covered = checked.value;
  }

  /**
   * The `Signature-Input` member for `params`: `createSignatureInput(label, components, params)`, byte for byte,
   * with the same errors for bad parameters.
   * @throws SignetError `invalid_signature_input` (a parameter of the wrong type)
   */
  input(params: Iterable<readonly [string, BareItem | undefined]>): SignatureInput {
    // Only the parameters are checked and written per signature; the items were checked in the constructor.
    const list = plainParameterList(params);
    if (list !== undefined) {
      // The usual case: no Map; `parameters` is made from the text if anyone reads it.
      const written = writeParameters(this.label, list);
      return new CanonicalSignatureInput(this.label, this.components, written.params, this.#covered + written.text);
    }
    const parameters = parameterMap(params);
    const written = writeParameters(this.label, parameters);
    return { label: this.label, components: this.components, params: written.params, parameters, value: this.#covered + written.text };
  }

  /**
   * Signs `message`, as {@link signMessage} does. The result is synchronous when the key signs synchronously
   * (node:crypto does): awaiting it anyway costs a microtask turn per signature.
   * @throws SignetError on a missing component, a key that cannot sign, an `alg` that does not fit the key.
   */
  sign(message: MessageLike | MessagePair | MessageView, options: TemplateSignOptions): SignResult | Promise<SignResult> {
    const input = this.input(options.params);
    const key = options.key;
    const requested = input.params.alg;
    const backend = options.backend ?? nodeCryptoBackend;
    let alg: AlgorithmName;
    if (!(key instanceof SignetKey)) alg = signerAlgorithm(key, requested);
    else if (options.alg === undefined) alg = resolveAlgorithm(key, requested);
    else alg = chosenAlgorithm(key, options.alg, requested);
    const base = signatureBase(MessageView.from(message), input);
    const pending = key instanceof SignetKey ? backend.sign(alg, key, encodeBase(base, backend)) : key.sign(encoder.encode(base));
    // node:crypto signs synchronously: only a real promise is waited for.
    return pending instanceof Uint8Array ? result(input, base, pending) : pending.then((signature) => result(input, base, signature));
  }
}

const encoder = new TextEncoder();

/**
 * Signs `message`. The message itself is not modified: add `signatureInput` and `signatureHeader`
 * to it (see `appendMember`).
 * @throws SignetError on a missing component, a key that cannot sign, an `alg` that does not fit the key.
 */
export async function signMessage(message: MessageLike | MessagePair | MessageView, options: SignOptions): Promise<SignResult> {
  const template = new SignatureTemplate(options.label ?? 'sig1', options.components);
  return template.sign(message, { key: options.key, params: Object.entries(options.params ?? {}), backend: options.backend });
}

function result(input: SignatureInput, base: string, signature: Uint8Array): SignResult {
  return {
    label: input.label,
    input,
    signature,
    base,
    signatureInput: serializeSignatureInputMember(input),
    signatureHeader: serializeSignatureMember(input.label, signature),
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

/** The owner's choice of algorithm for a key, which must fit the key, and an `alg` parameter must agree with. */
function chosenAlgorithm(key: SignetKey, chosen: AlgorithmName, requested: string | undefined): AlgorithmName {
  if (requested !== undefined && requested !== chosen) {
    throw new SignetError('algorithm_mismatch', `params.alg is "${requested}" but the signer produces ${chosen}.`);
  }
  return resolveAlgorithm(key, chosen);
}
