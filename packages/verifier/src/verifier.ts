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
  readSignatures,
  selectSignature,
  serializeComponent,
  verifySignature,
  type AlgorithmName,
  type Component,
  type SignatureInput,
  type SignatureKeyMember,
  type SignatureParameters,
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
import type { Profile, VerifiedRequest } from './types.js';

/** Per-call options of {@link Verifier.verify}. */
export interface VerifyCallOptions {
  /**
   * The body, when something else already read it (or a function that reads it). Without it, a covered
   * Content-Digest is checked by reading the request itself.
   */
  body?: BodySource;
}

/** Web-Bot-Auth and AAuth never use shared secrets. */
const ASYMMETRIC: ReadonlySet<AlgorithmName> = new Set(['ed25519', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'rsa-pss-sha512', 'rsa-v1_5-sha256']);

/** Verifies inbound agent requests. Create with {@link createVerifier}. */
export class Verifier {
  readonly #options: ResolvedOptions;
  readonly #recorder = new DecisionRecorder();
  readonly #contexts = new WeakMap<object, RejectionContext>();
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
  }

  /** The options in force, defaults applied. */
  get options(): ResolvedOptions {
    return this.#options;
  }

  /**
   * Verifies a request: a web `Request` or a node `IncomingMessage` (Express, connect, Fastify's `request.raw`).
   * @throws VerificationError with the code of the first check that failed
   */
  async verify(request: Request | IncomingMessage, call: VerifyCallOptions = {}): Promise<VerifiedRequest> {
    const startedAt = performance.now();
    const context: RejectionContext = { profile: undefined, hasAuthorization: false, hasBody: false };
    const trace: Trace = { label: undefined, keyid: undefined, agent: undefined, method: undefined, url: undefined };
    try {
      const inbound = toInbound(request, this.#options.baseUrl, call.body);
      trace.method = inbound.method;
      trace.url = inbound.url;
      const result = await this.#verify(inbound, context, trace);
      this.#recorder.record({ outcome: 'accepted', code: undefined, agent: result.agent.id, keyid: result.agent.keyid, label: result.label, profile: result.agent.profile, method: trace.method, url: trace.url, request }, startedAt);
      return result;
    } catch (error) {
      const rejection = toVerificationError(error);
      this.#contexts.set(rejection, context);
      this.#recorder.record({ outcome: 'rejected', code: rejection.code, agent: trace.agent, keyid: trace.keyid, label: trace.label, profile: context.profile, method: trace.method, url: trace.url, request }, startedAt);
      throw rejection;
    }
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

  async #verify(inbound: Inbound, context: RejectionContext, trace: Trace): Promise<VerifiedRequest> {
    const o = this.#options;
    const { view } = inbound;
    const authorization = inbound.header('authorization');
    context.hasAuthorization = authorization !== undefined;
    context.hasBody = inbound.hasBody;
    const { inputs, signatures } = readSignatures(view);
    const members = this.#signatureKeyMembers(inbound);
    const input = this.#select(inputs, members);
    trace.label = input.label;
    trace.keyid = input.params.keyid;
    const member = members.get(input.label);
    const profile: Profile = member !== undefined ? 'aauth' : input.params.tag === WEB_BOT_AUTH_TAG ? 'web-bot-auth' : 'static';
    context.profile = profile;
    if (!o.profiles.includes(profile)) {
      throw new SignetError('unsupported_profile', `Signature "${input.label}" is a ${profile} signature, which this verifier does not accept (accepted: ${o.profiles.join(', ')}).`);
    }
    const covered = input.components.map(serializeComponent);

    // Coverage that has its own codes, before anything costly.
    if (authorization !== undefined && !covered.includes('"authorization"')) {
      throw new SignetError('token_not_covered', `The request carries an Authorization header but signature "${input.label}" does not cover "authorization": the token could have been copied onto it.`);
    }
    if (o.requireDigest && inbound.hasBody && !covered.includes('"content-digest"')) {
      throw new SignetError('body_not_covered', `The request has a body but signature "${input.label}" does not cover "content-digest".`);
    }
    if (profile !== 'aauth' && !coversAuthority(covered)) {
      throw new SignetError('missing_required_component', `Signature "${input.label}" covers neither "@authority" nor "@target-uri", so it is not bound to this server.`);
    }
    if (profile === 'aauth' && !covered.includes('"signature-key"')) {
      throw new SignetError('missing_required_component', `Signature "${input.label}" does not cover "signature-key", which carries its key.`);
    }
    const agent = profile === 'web-bot-auth' ? coveredSignatureAgent(view, input) : undefined;
    if (agent !== undefined) trace.agent = agent.uri;

    const nowSeconds = Math.floor(o.now() / 1000);
    const policy = {
      now: nowSeconds,
      skew: o.skew,
      maxLifetime: o.maxLifetime,
      requiredParams: this.#profilePolicy[profile].requiredParams,
      requiredComponents: this.#profilePolicy[profile].requiredComponents,
      algorithms: this.#profilePolicy[profile].algorithms,
      keyidIsThumbprint: profile === 'web-bot-auth',
      ignoreAlgParameter: profile === 'aauth',
    };
    // Freshness, parameters and coverage first: no key is fetched for a stale or incomplete signature.
    checkPolicy(input, covered, policy);

    // A statically trusted key is found synchronously: no resolver promise on the hot path. The trace names it
    // only once the resolver would have run (after verifySignature found the signature's member).
    let resolution: KeyResolution | undefined = profile === 'web-bot-auth' ? trustedWebBotAuthKey(input, agent, o) : profile === 'static' ? trustedStaticKey(input, o) : undefined;
    if (resolution !== undefined && signatures.has(input.label)) trace.agent = resolution.id;
    const verified = await verifySignature(view, input, signatures, {
      ...policy,
      key:
        resolution?.key ??
        (async () => {
          resolution = await this.#resolveKey(profile, input, member, agent, nowSeconds);
          trace.agent = resolution.id;
          return resolution.key;
        }),
    });
    if (resolution === undefined) throw new SignetError('internal_error', 'The key resolver was not called.');
    if (profile === 'aauth' && input.params.keyid !== undefined && input.params.keyid !== resolution.keyid && input.params.keyid !== resolution.thumbprint) {
      throw new SignetError('invalid_parameter', `Signature "${input.label}" has keyid ${JSON.stringify(input.params.keyid)}, which is not the Signature-Key key (${resolution.keyid}).`);
    }

    const token = authorization === undefined ? undefined : await checkTokenBinding(authorization, resolution.thumbprint, o, nowSeconds);

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
      const pending = this.#checkNonce(resolution.thumbprint, nonce, verified.params, nowSeconds);
      if (pending !== undefined) await pending;
    }

    return {
      agent: {
        id: resolution.id,
        keyid: resolution.keyid,
        thumbprint: resolution.thumbprint,
        profile,
        pseudonymous: resolution.pseudonymous,
        ...(resolution.scheme === undefined ? {} : { scheme: resolution.scheme }),
        ...(resolution.subject === undefined ? {} : { subject: resolution.subject }),
      },
      label: verified.label,
      covered: verified.covered,
      created: verified.params.created,
      expires: verified.params.expires,
      nonce,
      tag: verified.params.tag,
      alg: verified.alg,
      token,
      ...(body === undefined ? {} : { body }),
      ...(replacement === undefined ? {} : { request: replacement }),
    };
  }

  #signatureKeyMembers(inbound: Inbound): Map<string, SignatureKeyMember> {
    try {
      return signatureKeyMembers(inbound.view);
    } catch (error) {
      // A malformed Signature-Key only matters to a verifier that reads it.
      if (this.#options.profiles.includes('aauth')) throw error;
      return new Map();
    }
  }

  /** By label, by tag, or else the first signature of the most preferred accepted profile. */
  #select(inputs: readonly SignatureInput[], members: ReadonlyMap<string, SignatureKeyMember>): SignatureInput {
    const o = this.#options;
    if (o.label !== undefined || o.tag !== undefined) return selectSignature(inputs, { label: o.label, tag: o.tag });
    const profileOf = (input: SignatureInput): Profile => (members.has(input.label) ? 'aauth' : input.params.tag === WEB_BOT_AUTH_TAG ? 'web-bot-auth' : 'static');
    for (const profile of o.profiles) {
      const found = inputs.find((input) => profileOf(input) === profile);
      if (found !== undefined) return found;
    }
    return selectSignature(inputs, {});
  }

  async #resolveKey(profile: Profile, input: SignatureInput, member: SignatureKeyMember | undefined, agent: ReturnType<typeof coveredSignatureAgent>, nowSeconds: number): Promise<KeyResolution> {
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
   * Records the nonce, scoped by the key's thumbprint, until the signature can no longer be accepted. Returns a
   * promise only when the store answers asynchronously: a plain `MemoryNonceStore` is asked synchronously (its
   * `checkAndStore` is exactly `checkAndStoreSync`), which saves two promises per request.
   */
  #checkNonce(thumbprint: string, nonce: string, params: Readonly<SignatureParameters>, nowSeconds: number): Promise<void> | undefined {
    const o = this.#options;
    const created = params.created ?? nowSeconds;
    const lastAcceptedAt = Math.min(params.expires ?? Number.POSITIVE_INFINITY, created + o.maxLifetime) + o.skew;
    const ttlMs = Math.max(1, lastAcceptedAt - nowSeconds + 1) * 1000;
    const key = nonceKey(thumbprint, nonce);
    const store = o.nonceStore;
    if (!(store instanceof MemoryNonceStore && store.checkAndStore === MemoryNonceStore.prototype.checkAndStore)) return this.#checkNonceAsync(store, key, ttlMs, thumbprint);
    let fresh: boolean;
    try {
      fresh = store.checkAndStoreSync(key, ttlMs);
    } catch (cause) {
      throw replayStoreUnavailable(cause);
    }
    if (fresh !== true) throw replayed(thumbprint);
    return undefined;
  }

  async #checkNonceAsync(store: NonceStore, key: string, ttlMs: number, thumbprint: string): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await store.checkAndStore(key, ttlMs);
    } catch (cause) {
      throw replayStoreUnavailable(cause);
    }
    if (fresh !== true) throw replayed(thumbprint);
  }
}

/** What is known of the request so far, for the decision log. */
interface Trace {
  label: string | undefined;
  keyid: string | undefined;
  agent: string | undefined;
  method: string | undefined;
  url: string | undefined;
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
