/**
 * Verifying a message (RFC 9421 §3.2): selection, policy, key, base, crypto — in that order, so that
 * the cheap checks run before the expensive one, and every failure has its own code.
 * @module
 */
import { resolveAlgorithm, type AlgorithmName } from './algorithms.js';
import { component, serializeComponent, type Component } from './components.js';
import { encodeBase, nodeCryptoBackend, type CryptoBackend } from './crypto-backend.js';
import { SignetError, VerificationError } from './errors.js';
import type { SignetKey } from './keys.js';
import { MessageView, type MessageLike, type MessagePair } from './message.js';
import { signatureBase } from './signature-base.js';
import { coveredIdentifiers, readSignatures, type SignatureInput, type SignatureParameters } from './signature-fields.js';

/** Finds the key for a signature, e.g. by its `keyid`. */
export type KeyResolver = (input: SignatureInput, message: MessageView) => SignetKey | Promise<SignetKey>;

/** The verification policy. Defaults are RFC 9421's minimum; profiles tighten them. */
export interface VerifyOptions {
  /** The key, or a function that finds it for the selected signature. */
  key: SignetKey | KeyResolver;
  /** Verify the signature with this label. */
  label?: string;
  /** Otherwise the first signature with this tag (or simply the first signature). */
  tag?: string;
  /** The clock, in UNIX seconds (default: now). */
  now?: number | (() => number);
  /** Allowed clock skew in seconds for `created` and `expires` (default 30). */
  skew?: number;
  /** Parameters that must be present. */
  requiredParams?: ReadonlyArray<keyof SignatureParameters>;
  /** Components the signature must cover, e.g. `["@authority", "authorization"]`. */
  requiredComponents?: ReadonlyArray<string | Component>;
  /** Maximum `expires - created` in seconds (or age, when there is no `expires`). */
  maxLifetime?: number;
  /** Require `keyid` to equal the key's RFC 7638 thumbprint (Web Bot Auth). */
  keyidIsThumbprint?: boolean;
  /**
   * Ignore the `alg` signature parameter: the key alone determines the algorithm (RFC 9421 §3.3.7;
   * draft-hardt-httpbis-signature-key §3.3: verifiers "MUST ignore it if present"). Default false.
   */
  ignoreAlgParameter?: boolean;
  /** Accept only these algorithms. */
  algorithms?: readonly AlgorithmName[];
  /** The crypto backend (default node:crypto). */
  backend?: CryptoBackend;
}

/** A signature that verified. */
export interface VerifiedSignature {
  readonly label: string;
  readonly input: SignatureInput;
  readonly params: Readonly<SignatureParameters>;
  /** The covered component identifiers, serialized (`"@authority"`, `"signature-agent";key="a"`). */
  readonly covered: readonly string[];
  /** The signature base that verified. */
  readonly base: string;
  readonly key: SignetKey;
  readonly alg: AlgorithmName;
}

/**
 * Verifies one signature of `message` under `options`.
 * @throws VerificationError with the code of the first check that failed.
 */
export async function verifyMessage(message: MessageLike | MessagePair | MessageView, options: VerifyOptions): Promise<VerifiedSignature> {
  try {
    const view = MessageView.from(message);
    const { inputs, signatures } = readSignatures(view);
    const input = selectSignature(inputs, options);
    checkPolicy(input, coveredIdentifiers(input), options);
    return await verifySignature(view, input, signatures, options);
  } catch (error) {
    throw asVerificationError(error);
  }
}

/**
 * The key, algorithm and cryptographic steps of {@link verifyMessage} for a signature already parsed, selected
 * and checked against the policy ({@link checkPolicy}): for callers that parse and check themselves (the
 * verifier), so that nothing is done twice on the hot path.
 * @param signatures the parsed `Signature` field (`readSignatures(view).signatures`).
 * @throws VerificationError
 */
export async function verifySignature(
  view: MessageView,
  input: SignatureInput,
  signatures: ReadonlyMap<string, Uint8Array>,
  options: VerifyOptions,
): Promise<VerifiedSignature> {
  try {
    const signature = signatureOf(input, signatures);
    const key = typeof options.key === 'function' ? await options.key(input, view) : options.key;
    const { alg, base, backend } = prepare(view, input, key, options);
    const result = backend.verify(alg, key, encodeBase(base, backend), signature);
    // node:crypto answers synchronously: awaiting a plain boolean would still cost a microtask turn per verification.
    return verified(input, typeof result === 'boolean' ? result : await result, base, key, alg);
  } catch (error) {
    throw asVerificationError(error);
  }
}

/**
 * {@link verifySignature} without a promise, for a key already at hand and a backend that answers synchronously
 * (node:crypto, the default): what a server verifying thousands of requests a second wants on its hot path.
 * @throws VerificationError; `invalid_configuration` when the backend answers with a promise (use verifySignature).
 */
export function verifySignatureSync(
  view: MessageView,
  input: SignatureInput,
  signatures: ReadonlyMap<string, Uint8Array>,
  key: SignetKey,
  options: Omit<VerifyOptions, 'key'> = {},
): VerifiedSignature {
  try {
    const signature = signatureOf(input, signatures);
    const { alg, base, backend } = prepare(view, input, key, options);
    const result = backend.verify(alg, key, encodeBase(base, backend), signature);
    if (typeof result !== 'boolean') {
      throw new SignetError('invalid_configuration', `The ${backend.name} backend verifies asynchronously: use verifySignature, not verifySignatureSync.`);
    }
    return verified(input, result, base, key, alg);
  } catch (error) {
    throw asVerificationError(error);
  }
}

function signatureOf(input: SignatureInput, signatures: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const signature = signatures.get(input.label);
  if (signature === undefined) {
    throw new SignetError('missing_signature', `Signature-Input has "${input.label}" but the Signature field has no such member.`);
  }
  return signature;
}

/** The algorithm (checked against the key and the policy), the keyid check, and the signature base. */
function prepare(view: MessageView, input: SignatureInput, key: SignetKey, options: Omit<VerifyOptions, 'key'>): { alg: AlgorithmName; base: string; backend: CryptoBackend } {
  const alg = algorithmFor(key, options.ignoreAlgParameter === true ? undefined : input.params.alg);
  if (options.algorithms !== undefined && !options.algorithms.includes(alg)) {
    throw new SignetError('unsupported_algorithm', `Algorithm ${alg} is not accepted here (accepted: ${options.algorithms.join(', ')}).`);
  }
  if (options.keyidIsThumbprint && input.params.keyid !== key.thumbprint) {
    throw new SignetError('invalid_parameter', `keyid "${input.params.keyid ?? ''}" is not the JWK thumbprint of the verifying key (${key.thumbprint}).`);
  }
  return { alg, base: signatureBase(view, input), backend: options.backend ?? nodeCryptoBackend };
}

/**
 * `resolveAlgorithm(key, requested)`, remembered for the last key and `alg` parameter: a verifier checks the same
 * agent's key with the same parameter request after request (the answer is a pure function of the two).
 */
function algorithmFor(key: SignetKey, requested: string | undefined): AlgorithmName {
  if (key === lastAlgorithm?.key && requested === lastAlgorithm.requested) return lastAlgorithm.alg;
  const alg = resolveAlgorithm(key, requested);
  lastAlgorithm = { key, requested, alg };
  return alg;
}

let lastAlgorithm: { key: SignetKey; requested: string | undefined; alg: AlgorithmName } | undefined;

function verified(input: SignatureInput, valid: boolean, base: string, key: SignetKey, alg: AlgorithmName): VerifiedSignature {
  if (!valid) throw new SignetError('signature_invalid', `Signature "${input.label}" does not match the message: the ${alg} check failed over the signature base.`);
  return { label: input.label, input, params: input.params, covered: coveredIdentifiers(input), base, key, alg };
}

/** Picks the signature to verify: by label, else the first with the tag, else the first. */
export function selectSignature(inputs: readonly SignatureInput[], options: { label?: string | undefined; tag?: string | undefined }): SignatureInput {
  const { label, tag } = options;
  const found = label !== undefined ? inputs.find((i) => i.label === label) : tag !== undefined ? inputs.find((i) => i.params.tag === tag) : inputs[0];
  if (found === undefined) {
    const seen = inputs.map((i) => (i.params.tag === undefined ? i.label : `${i.label} (tag "${i.params.tag}")`)).join(', ') || 'none';
    throw new SignetError('missing_signature', label !== undefined ? `No signature labelled "${label}" (found: ${seen}).` : `No signature with tag "${String(tag)}" (found: ${seen}).`);
  }
  if (label !== undefined && tag !== undefined && found.params.tag !== tag) {
    throw new SignetError('invalid_parameter', `Signature "${label}" has tag ${found.params.tag === undefined ? '(none)' : `"${found.params.tag}"`}, expected "${tag}".`);
  }
  return found;
}

/** Parameters, freshness and coverage: the checks that need no key. */
export function checkPolicy(input: SignatureInput, covered: readonly string[], options: Omit<VerifyOptions, 'key'>): void {
  const { params, label } = input;
  for (const name of options.requiredParams ?? []) {
    if (params[name] === undefined) throw new SignetError('missing_parameter', `Signature "${label}" has no ;${name} parameter, which is required here.`);
  }
  const now = typeof options.now === 'function' ? options.now() : options.now ?? Math.floor(Date.now() / 1000);
  const skew = options.skew ?? 30;
  if (params.created !== undefined && params.created > now + skew) {
    throw new SignetError('not_yet_valid', `Signature "${label}" was created at ${params.created}, ${params.created - now} s in the future (allowed skew ${skew} s).`);
  }
  if (params.expires !== undefined && params.expires <= now - skew) {
    throw new SignetError('expired', `Signature "${label}" expired at ${params.expires}, ${now - params.expires} s ago (allowed skew ${skew} s).`);
  }
  if (options.maxLifetime !== undefined && params.created !== undefined) {
    const lifetime = (params.expires ?? now) - params.created;
    if (lifetime > options.maxLifetime) {
      throw new SignetError('lifetime_exceeded', `Signature "${label}" ${params.expires === undefined ? `is ${lifetime} s old` : `lives ${lifetime} s`}, more than the maximum ${options.maxLifetime} s.`);
    }
  }
  if (options.requiredComponents !== undefined) {
    for (const required of options.requiredComponents) {
      const id = serializeComponent(typeof required === 'string' ? component(required) : required);
      if (!covered.includes(id)) throw new SignetError('missing_required_component', `Signature "${label}" does not cover ${id}, which is required here.`);
    }
  }
}

function asVerificationError(error: unknown): unknown {
  if (error instanceof VerificationError || !(error instanceof SignetError)) return error;
  return new VerificationError(error.code, error.message, { cause: error.cause });
}
