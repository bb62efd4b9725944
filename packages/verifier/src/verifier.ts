/**
 * `createVerifier(options)` → `verify(request)`: selection, profile, coverage, freshness, key, signature (core
 * `verifySignature`), token binding, body digest and — last, only for a request that passed everything else — the
 * nonce. Each failure is a `VerificationError` with its own code.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import {
  DigestVerifier,
  SignetError,
  VerificationError,
  checkPolicy,
  component,
  coveredIdentifiers,
  readSignatures,
  selectSignature,
  verifySignature,
  verifySignatureSync,
  type AlgorithmName,
  type Component,
  type MessageView,
  type SignatureAgent,
  type SignatureInput,
  type SignatureKeyMember,
  type SignatureParameters,
  type VerifiedSignature,
  type VerifyOptions,
} from '@signet/core';
import type { BodySource } from './body.js';
import { failureResponse, type FailureResponse, type RejectionContext } from './challenge.js';
import { toInbound, type Inbound } from './incoming.js';
import { MemoryNonceStore } from './nonce/memory-nonce-store.js';
import { nonceKey, type NonceStore } from './nonce/nonce-store.js';
import { DecisionRecorder, type VerifierStats } from './observability.js';
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js';
import { resolveAAuthKey, signatureKeyMembers } from './profiles/aauth.js';
import type { KeyResolution } from './profiles/resolution.js';
import { resolveStaticKey, trustedStaticKey } from './profiles/static.js';
import { WEB_BOT_AUTH_TAG, coveredSignatureAgent, coversAuthority, resolveWebBotAuthKey, trustedWebBotAuthKey } from './profiles/web-bot-auth.js';
import { checkTokenBinding } from './tokens.js';
import type { Profile, VerifiedAgent, VerifiedRequest, VerifiedToken } from './types.js';

/** Per-call options of {@link Verifier.verify}. */
export interface VerifyCallOptions {
  /**
   * The body, when something else already read it (or a function that reads it). Without it, a covered
   * Content-Digest is checked by reading the request itself.
   */
  body?: BodySource;
}

/**
 * The key of {@link Verifier}'s synchronous entry point, shared with the node middleware only (not exported from
 * the package).
 */
export const verifyNow = Symbol('signet.verifyNow');

/** Web-Bot-Auth and AAuth never use shared secrets. */
const ASYMMETRIC: ReadonlySet<AlgorithmName> = new Set(['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256']);

/** Verifies inbound agent requests. Create with {@link createVerifier}. */
export class Verifier {
  readonly #options: ResolvedOptions;
  readonly #recorder = new DecisionRecorder();
  readonly #contexts = new WeakMap<object, RejectionContext>();
  /** The replay store is a plain `MemoryNonceStore`, which answers synchronously. */
  readonly #syncNonces: boolean;
  /** What each profile's policy needs, computed once rather than per request. */
  readonly #profilePolicy: Readonly<
    Record<Profile, { requiredParams: Array<keyof SignatureParameters>; algorithms: readonly AlgorithmName[]; requiredComponents: ReadonlyArray<string | Component> }>
  >;

  constructor(options: VerifierOptions = {}) {
    this.#options = resolveOptions(options);
    const o = this.#options;
    const policyFor = (profile: Profile) => ({
      requiredParams: requiredParams(profile, o.requireNonce.has(profile)),
      algorithms: profile === 'static' ? o.algorithms : o.algorithms.filter((a) => ASYMMETRIC.has(a)),
      requiredComponents: o.requiredComponents[profile].map(parsedOnce),
    });
    this.#profilePolicy = { 'web-bot-auth': policyFor('web-bot-auth'), aauth: policyFor('aauth'), static: policyFor('static') };
    const store = o.nonceStore;
    // A subclass that changes how keys are checked goes through its own checkAndStore.
    this.#syncNonces =
      store instanceof MemoryNonceStore && store.checkAndStore === MemoryNonceStore.prototype.checkAndStore && store.checkAndStoreSync === MemoryNonceStore.prototype.checkAndStoreSync;
  }

  /** The options in force, defaults applied. */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /**
   * Verifies a request: a web `Request` or a node `IncomingMessage` (Express, connect, Fastify's `request.raw`).
   * @throws VerificationError with the code of the first check that failed
   */
  verify(request: Request | IncomingMessage, call: VerifyCallOptions = {}): Promise<VerifiedRequest> {
    let outcome: VerifiedRequest | Promise<VerifiedRequest>;
    try {
      outcome = this[verifyNow](request, call);
    } catch (error) {
      return Promise.reject(error);
    }
    return outcome instanceof Promise ? outcome : Promise.resolve(outcome);
  }

  /**
   * {@link verify}, settled synchronously when nothing needed I/O (a trusted or cached key, no token, no body, an
   * in-memory replay store): the result, or a thrown `VerificationError`; a promise otherwise. For the node
   * middleware, which then calls `next()` without a promise and a microtask turn per request.
   * @internal not exported from the package
   */
  [verifyNow](request: Request | IncomingMessage, call: VerifyCallOptions = {}): VerifiedRequest | Promise<VerifiedRequest> {
    const startedAt = this.#recorder.start();
    const attempt: Attempt = { profile: undefined, hasAuthorization: false, hasBody: false, label: undefined, keyid: undefined, agent: undefined, method: undefined, url: undefined };
    let outcome: VerifiedRequest | Promise<VerifiedRequest>;
    try {
      outcome = this.#verify(toInbound(request, this.#options.baseUrl, call.body), attempt);
    } catch (error) {
      throw this.#rejected(error, attempt, request, startedAt);
    }
    if (outcome instanceof Promise) {
      return outcome.then(
        (result) => this.#accepted(result, attempt, request, startedAt),
        (error: unknown) => {
          throw this.#rejected(error, attempt, request, startedAt);
        },
      );
    }
    return this.#accepted(outcome, attempt, request, startedAt);
  }

  #accepted(result: VerifiedRequest, attempt: Attempt, request: unknown, startedAt: number): VerifiedRequest {
    this.#recorder.count(true, undefined);
    if (this.#recorder.listening) {
      this.#recorder.publish({ outcome: 'accepted', code: undefined, agent: result.agent.id, keyid: result.agent.keyid, label: result.label, profile: result.agent.profile, method: attempt.method, url: attempt.url, request }, startedAt);
    }
    return result;
  }

  #rejected(error: unknown, attempt: Attempt, request: unknown, startedAt: number): VerificationError {
    const rejection = toVerificationError(error);
    this.#contexts.set(rejection, attempt);
    this.#recorder.count(false, rejection.code);
    if (this.#recorder.listening) {
      this.#recorder.publish({ outcome: 'rejected', code: rejection.code, agent: attempt.agent, keyid: attempt.keyid, label: attempt.label, profile: attempt.profile, method: attempt.method, url: attempt.url, request }, startedAt);
    }
    return rejection;
  }

  /** The key discovery in use, if any (for its `stats()`, `clear()`). */
  get discovery(): ResolvedOptions['discovery'] {
    return this.#options.discovery;
  }

  /** Releases what the verifier created: the connections of its own key discovery. */
  async close(): Promise<void> {
    const discovery = this.#options.discovery as { close?: () => Promise<void> } | undefined;
    if (this.#options.ownsDiscovery && typeof discovery?.close === 'function') await discovery.close();
  }

  /** Counters of accepted and rejected requests (by code) since creation. */
  stats(): VerifierStats {
    return this.#recorder.stats();
  }

  /**
   * The HTTP response for an error thrown by {@link verify}: 401 with `Accept-Signature` (and the AAuth headers),
   * 503 for an unavailable replay store, 413 for a body too large, 500 for anything unexpected — with a JSON body
   * `{ error, message }` and never a stack trace.
   */
  failureResponse(error: unknown): FailureResponse {
    const context = typeof error === 'object' && error !== null ? this.#contexts.get(error) : undefined;
    return failureResponse(error instanceof SignetError ? error : toVerificationError(error), context, this.#options);
  }

  /** Everything up to the signature check, synchronously; then the key (when it must be asked for) and the rest. */
  #verify(inbound: Inbound, attempt: Attempt): VerifiedRequest | Promise<VerifiedRequest> {
    const o = this.#options;
    const { view } = inbound;
    attempt.method = inbound.method;
    attempt.url = inbound.url;
    const authorization = inbound.header('authorization');
    attempt.hasAuthorization = authorization !== undefined;
    // Only a digest requirement reads it (here and in the challenge): on a web request it costs three header reads.
    attempt.hasBody = o.requireDigest && inbound.hasBody;
    const { inputs, signatures } = readSignatures(view);
    const members = this.#signatureKeyMembers(view);
    const input = this.#select(inputs, members);
    attempt.label = input.label;
    attempt.keyid = input.params.keyid;
    const member = members.get(input.label);
    const profile: Profile = member !== undefined ? 'aauth' : input.params.tag === WEB_BOT_AUTH_TAG ? 'web-bot-auth' : 'static';
    attempt.profile = profile;
    if (!o.profiles.includes(profile)) {
      throw new SignetError('unsupported_profile', `Signature "${input.label}" is a ${profile} signature, which this verifier does not accept (accepted: ${o.profiles.join(', ')}).`);
    }
    const covered = coveredIdentifiers(input);

    // Coverage that has its own codes, before anything costly.
    if (authorization !== undefined && !covered.includes('"authorization"')) {
      throw new SignetError('token_not_covered', `The request carries an Authorization header but signature "${input.label}" does not cover "authorization": the token could have been copied onto it.`);
    }
    if (attempt.hasBody && !covered.includes('"content-digest"')) {
      throw new SignetError('body_not_covered', `The request has a body but signature "${input.label}" does not cover "content-digest".`);
    }
    if (profile !== 'aauth' && !coversAuthority(covered)) {
      throw new SignetError('missing_required_component', `Signature "${input.label}" covers neither "@authority" nor "@target-uri", so it is not bound to this server.`);
    }
    if (profile === 'aauth' && !covered.includes('"signature-key"')) {
      throw new SignetError('missing_required_component', `Signature "${input.label}" does not cover "signature-key", which carries its key.`);
    }
    const agent = profile === 'web-bot-auth' ? coveredSignatureAgent(view, input) : undefined;
    if (agent !== undefined) attempt.agent = agent.uri;

    const rules = this.#profilePolicy[profile];
    const policy: Checked['policy'] = {
      now: Math.floor(o.now() / 1000),
      skew: o.skew,
      maxLifetime: o.maxLifetime,
      requiredParams: rules.requiredParams,
      requiredComponents: rules.requiredComponents,
      algorithms: rules.algorithms,
      keyidIsThumbprint: profile === 'web-bot-auth',
      ignoreAlgParameter: profile === 'aauth',
    };
    // Freshness, parameters and coverage first: no key is fetched for a stale or incomplete signature.
    checkPolicy(input, covered, policy);
    const checked: Checked = { inbound, attempt, input, signatures, profile, covered, authorization, policy };

    // A statically trusted key is found synchronously. The attempt names the agent only once the signature is
    // known to exist (as it would after the resolver ran).
    const trusted = profile === 'web-bot-auth' ? trustedWebBotAuthKey(input, agent, o) : profile === 'static' ? trustedStaticKey(input, o) : undefined;
    if (trusted !== undefined) {
      if (signatures.has(input.label)) attempt.agent = trusted.id;
      return this.#afterKey(checked, trusted);
    }
    return this.#resolveThenVerify(checked, member, agent);
  }

  async #resolveThenVerify(checked: Checked, member: SignatureKeyMember | undefined, agent: SignatureAgent | undefined): Promise<VerifiedRequest> {
    const { inbound, input, signatures, profile, attempt, policy } = checked;
    // Core asks the resolver only once it has found the signature: no key is looked for (nor fetched) otherwise.
    let resolution: KeyResolution | undefined;
    const verified = await verifySignature(inbound.view, input, signatures, {
      ...policy,
      key: async () => {
        resolution = await this.#resolveKey(profile, input, member, agent, policy.now);
        attempt.agent = resolution.id;
        return resolution.key;
      },
    });
    if (resolution === undefined) throw new SignetError('internal_error', 'The key resolver was not called.');
    return this.#afterSignature(checked, verified, resolution);
  }

  /** The signature with a key at hand, then the rest. */
  #afterKey(checked: Checked, resolution: KeyResolution): VerifiedRequest | Promise<VerifiedRequest> {
    return this.#afterSignature(checked, verifySignatureSync(checked.inbound.view, checked.input, checked.signatures, resolution.key, checked.policy), resolution);
  }

  /** Token binding, body digest and — last — the nonce, for a signature that verified. */
  #afterSignature(checked: Checked, verified: VerifiedSignature, resolution: KeyResolution): VerifiedRequest | Promise<VerifiedRequest> {
    const { input, profile, covered, authorization, policy } = checked;
    if (profile === 'aauth' && input.params.keyid !== undefined && input.params.keyid !== resolution.keyid && input.params.keyid !== resolution.thumbprint) {
      throw new SignetError('invalid_parameter', `Signature "${input.label}" has keyid ${JSON.stringify(input.params.keyid)}, which is not the Signature-Key key (${resolution.keyid}).`);
    }
    if (authorization !== undefined || covered.includes('"content-digest"') || !this.#syncNonces) return this.#finish(checked, verified, resolution);
    const { nonce } = verified.params;
    if (nonce !== undefined) this.#checkNonceSync(this.#options.nonceStore as MemoryNonceStore, resolution.thumbprint, nonce, verified.params, policy.now);
    return result(verified, resolution, profile, undefined, undefined, undefined);
  }

  async #finish(checked: Checked, verified: VerifiedSignature, resolution: KeyResolution): Promise<VerifiedRequest> {
    const { inbound, covered, authorization, profile, policy } = checked;
    const o = this.#options;
    const token = authorization === undefined ? undefined : await checkTokenBinding(authorization, resolution.thumbprint, o, policy.now);

    let body: Uint8Array | undefined;
    let replacement: Request | undefined;
    if (covered.includes('"content-digest"')) {
      const field = inbound.header('content-digest');
      if (field === undefined) throw new SignetError('missing_component', 'The signature covers "content-digest" but the request has no Content-Digest.');
      const read = await inbound.readBody(o.maxBodyBytes, new DigestVerifier(field));
      body = read.body;
      replacement = read.request;
    }

    const { nonce } = verified.params;
    if (nonce !== undefined) {
      if (this.#syncNonces) this.#checkNonceSync(o.nonceStore as MemoryNonceStore, resolution.thumbprint, nonce, verified.params, policy.now);
      else await this.#checkNonceAsync(o.nonceStore, resolution.thumbprint, nonce, verified.params, policy.now);
    }
    return result(verified, resolution, profile, token, body, replacement);
  }

  #signatureKeyMembers(view: MessageView): ReadonlyMap<string, SignatureKeyMember> {
    try {
      return signatureKeyMembers(view);
    } catch (error) {
      // A malformed Signature-Key only matters to a verifier that reads it.
      if (this.#options.profiles.includes('aauth')) throw error;
      return NO_MEMBERS;
    }
  }

  /** By label, by tag, or else the first signature of the most preferred accepted profile. */
  #select(inputs: readonly SignatureInput[], members: ReadonlyMap<string, SignatureKeyMember>): SignatureInput {
    const o = this.#options;
    if (o.label !== undefined || o.tag !== undefined) return selectSignature(inputs, { label: o.label, tag: o.tag });
    for (const profile of o.profiles) {
      for (const input of inputs) {
        const of: Profile = members.has(input.label) ? 'aauth' : input.params.tag === WEB_BOT_AUTH_TAG ? 'web-bot-auth' : 'static';
        if (of === profile) return input;
      }
    }
    return selectSignature(inputs, {});
  }

  async #resolveKey(profile: Profile, input: SignatureInput, member: SignatureKeyMember | undefined, agent: SignatureAgent | undefined, nowSeconds: number): Promise<KeyResolution> {
    switch (profile) {
      case 'aauth':
        return resolveAAuthKey(member as SignatureKeyMember, this.#options, nowSeconds);
      case 'web-bot-auth':
        return resolveWebBotAuthKey(input, agent, this.#options);
      default:
        return resolveStaticKey(input, this.#options);
    }
  }

  /**
   * Records the nonce, scoped by the key's thumbprint, until the signature can no longer be accepted. A plain
   * `MemoryNonceStore` is asked synchronously (its `checkAndStore` is exactly `checkAndStoreSync`): no promise.
   */
  #checkNonceSync(store: MemoryNonceStore, thumbprint: string, nonce: string, params: Readonly<SignatureParameters>, nowSeconds: number): void {
    let fresh: boolean;
    try {
      fresh = store.checkNonceSync(thumbprint, nonce, this.#nonceTtlMs(params, nowSeconds));
    } catch (cause) {
      throw replayStoreUnavailable(cause);
    }
    if (fresh !== true) throw replayed(thumbprint);
  }

  async #checkNonceAsync(store: NonceStore, thumbprint: string, nonce: string, params: Readonly<SignatureParameters>, nowSeconds: number): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await store.checkAndStore(nonceKey(thumbprint, nonce), this.#nonceTtlMs(params, nowSeconds));
    } catch (cause) {
      throw replayStoreUnavailable(cause);
    }
    if (fresh !== true) throw replayed(thumbprint);
  }

  /** Until the signature can no longer be accepted: its expiry (or created + maxLifetime), plus the skew. */
  #nonceTtlMs(params: Readonly<SignatureParameters>, nowSeconds: number): number {
    const o = this.#options;
    const created = params.created ?? nowSeconds;
    const lastAcceptedAt = Math.min(params.expires ?? Number.POSITIVE_INFINITY, created + o.maxLifetime) + o.skew;
    return Math.max(1, lastAcceptedAt - nowSeconds + 1) * 1000;
  }
}

/** What is known of the request so far: for the decision log, and the challenge of a rejection. */
interface Attempt extends RejectionContext {
  label: string | undefined;
  keyid: string | undefined;
  agent: string | undefined;
  method: string | undefined;
  url: string | undefined;
}

/** A request whose signature passed the policy: what the remaining steps need. */
interface Checked {
  readonly inbound: Inbound;
  readonly attempt: Attempt;
  readonly input: SignatureInput;
  readonly signatures: ReadonlyMap<string, Uint8Array>;
  readonly profile: Profile;
  readonly covered: readonly string[];
  readonly authorization: string | undefined;
  readonly policy: Omit<VerifyOptions, 'key'> & { readonly now: number };
}

const NO_MEMBERS: ReadonlyMap<string, SignatureKeyMember> = new Map();

function result(
  verified: VerifiedSignature,
  resolution: KeyResolution,
  profile: Profile,
  token: VerifiedToken | undefined,
  body: Uint8Array | undefined,
  request: Request | undefined,
): VerifiedRequest {
  const agent: VerifiedAgent =
    resolution.scheme === undefined && resolution.subject === undefined
      ? { id: resolution.id, keyid: resolution.keyid, thumbprint: resolution.thumbprint, profile, pseudonymous: resolution.pseudonymous }
      : {
          id: resolution.id,
          keyid: resolution.keyid,
          thumbprint: resolution.thumbprint,
          profile,
          pseudonymous: resolution.pseudonymous,
          ...(resolution.scheme === undefined ? {} : { scheme: resolution.scheme }),
          ...(resolution.subject === undefined ? {} : { subject: resolution.subject }),
        };
  const { params } = verified;
  const verifiedRequest: VerifiedRequest = {
    agent,
    label: verified.label,
    covered: verified.covered,
    created: params.created,
    expires: params.expires,
    nonce: params.nonce,
    tag: params.tag,
    alg: verified.alg,
    token,
  };
  if (body === undefined && request === undefined) return verifiedRequest;
  return { ...verifiedRequest, ...(body === undefined ? {} : { body }), ...(request === undefined ? {} : { request }) };
}

function replayStoreUnavailable(cause: unknown): SignetError {
  return new SignetError('replay_store_unavailable', `The replay store could not record the nonce, so the request is refused: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

function replayed(thumbprint: string): SignetError {
  return new SignetError('replayed', `The nonce of this signature was already used with key ${thumbprint}: the request is a replay.`);
}

/**
 * A required component parsed once at construction rather than on every request. A name that does not parse is
 * kept as text, so that each request still fails on it exactly as before.
 */
function parsedOnce(name: string): string | Component {
  try {
    return component(name);
  } catch {
    return name;
  }
}

function requiredParams(profile: Profile, nonce: boolean): Array<keyof SignatureParameters> {
  const params: Array<keyof SignatureParameters> = profile === 'web-bot-auth' ? ['created', 'expires', 'keyid'] : profile === 'static' ? ['created', 'keyid'] : ['created'];
  if (nonce) params.push('nonce');
  return params;
}

/** Every rejection is a VerificationError; anything unexpected becomes `internal_error` (fail closed). */
function toVerificationError(error: unknown): VerificationError {
  if (error instanceof VerificationError) return error;
  if (error instanceof SignetError) return new VerificationError(error.code, error.message, { cause: error.cause ?? error });
  return new VerificationError('internal_error', `Unexpected failure while verifying: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** Creates a {@link Verifier}. @throws SignetError `invalid_configuration` for unsafe or malformed options */
export function createVerifier(options: VerifierOptions = {}): Verifier {
  return new Verifier(options);
}
