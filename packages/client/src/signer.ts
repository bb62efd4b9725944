/**
 * The request signer shared by `signRequest`, `signedFetch` and the undici interceptor: it takes a
 * request's method, URL, headers and body bytes, and returns the headers to send.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import {
  MessageView,
  SignatureTemplate,
  SignetError,
  appendMember,
  component,
  createDigest,
  nodeCryptoBackend,
  parseSignatureInput,
  serializeComponent,
  type Component,
  type CryptoBackend,
  type DigestAlgorithm,
  type SignResult,
} from '@signet/core';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { publishSign, signListening } from './diagnostics.js';
import { staticKeyOf, toKeySource, type KeySource, type SigningKey, type StaticKeyInput } from './key-source.js';
import { createProfile, webBotAuthNonce, type FieldReader, type Profile, type ProfileSigner, type AppliedProfile } from './profiles.js';

/** The longest signature lifetime the signer accepts: the Web Bot Auth drafts recommend at most 24 hours. */
export const MAX_TTL_SECONDS = 86_400;

/** How requests are signed. */
export interface SigningOptions {
  /** The key: a {@link KeySource} (static, ephemeral, file, rotation plan) or key material for a static key. */
  key: KeySource | StaticKeyInput;
  /** The profile (default `web-bot-auth`). A name selects its defaults (`aauth` → Signature-Key `hwk`). */
  profile?: Profile | Profile['name'];
  /** The signature label (default `sig1`). */
  label?: string;
  /** Seconds from `created` to `expires` (default 60, at most 86400). */
  ttl?: number;
  /**
   * Components to cover in addition to the ones always covered (`@method`, `@authority`, `@path`,
   * `@query` when there is one, the profile's header, `authorization` when present, `content-type`
   * when present and `content-digest` when there is a body). E.g. `'"@query-param";name="q"'`, `'x-request-id'`.
   */
  components?: readonly string[];
  /** Content-Digest algorithms (default `['sha-256']`). */
  digestAlgorithms?: readonly DigestAlgorithm[];
  /** The largest body that is read, digested and signed, in bytes (default 10 MiB). Larger bodies fail with `body_too_large`. */
  maxBodyBytes?: number;
  /** The clock, in UNIX seconds (default `Date.now() / 1000`). */
  now?: () => number;
  /** The nonce generator (default 64 random bytes, base64). */
  nonce?: () => string;
  /** The crypto backend (default node:crypto). */
  backend?: CryptoBackend;
}

/** A request as the signer sees it. */
export interface RequestParts {
  readonly method: string;
  /** The absolute URL. */
  readonly url: string;
  readonly headers: Headers;
  /** The exact bytes that will be sent, or `null` for no body. */
  readonly body: Uint8Array | null;
}

/** Signs requests with fixed options. Create once, use for every request. */
export class RequestSigner {
  readonly #keys: KeySource;
  readonly #profile: ProfileSigner;
  readonly #label: string;
  readonly #ttl: number;
  readonly #extra: readonly string[];
  readonly #digestAlgorithms: readonly DigestAlgorithm[];
  readonly #now: () => number;
  readonly #backend: CryptoBackend;
  /**
   * Parsed and checked components by identifier. A signer covers a small fixed set (the defaults, its profile's
   * header, its extra components), so each is parsed once rather than on every request.
   */
  readonly #components = new Map<string, Component>();
  /**
   * The signature templates (label and covered components, checked and serialized), by which optional components a
   * request has: see {@link RequestSigner.#template}. At most 16 per profile component list.
   */
  readonly #templates: Array<CoveredShape | undefined> = [];
  /** The body size limit, in bytes. */
  readonly maxBodyBytes: number;

  /** @throws SignetError `invalid_configuration` (and key import errors) for bad options. */
  constructor(options: SigningOptions) {
    if (typeof options !== 'object' || options === null || options.key === undefined) {
      throw new SignetError('invalid_configuration', 'Signing options need a `key` (a KeySource, or key material).');
    }
    this.#keys = toKeySource(options.key);
    this.#profile = createProfile(options.profile, options.nonce ?? webBotAuthNonce);
    this.#label = options.label ?? 'sig1';
    if (!/^[a-z*][a-z0-9_\-.*]*$/.test(this.#label)) {
      throw new SignetError('invalid_configuration', `Signature label ${JSON.stringify(this.#label)} is not a structured-field key (lower-case letters, digits, _ - . *).`);
    }
    const ttl = options.ttl ?? 60;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
      throw new SignetError('invalid_configuration', `ttl must be between 1 and ${MAX_TTL_SECONDS} seconds (the drafts recommend at most 24 h), got ${String(ttl)}.`);
    }
    this.#ttl = Math.ceil(ttl);
    this.#extra = (options.components ?? []).map((c) => serializeComponent(component(c)));
    this.#digestAlgorithms = options.digestAlgorithms ?? ['sha-256'];
    createDigest('', this.#digestAlgorithms); // validates the algorithm names now
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(this.maxBodyBytes) || this.maxBodyBytes < 0) {
      throw new SignetError('invalid_configuration', `maxBodyBytes must be a non-negative integer, got ${String(options.maxBodyBytes)}.`);
    }
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#backend = options.backend ?? nodeCryptoBackend;
  }

  /** The key source requests are signed from. */
  get keySource(): KeySource {
    return this.#keys;
  }

  /** The signature label. */
  get label(): string {
    return this.#label;
  }

  /**
   * The headers to send for `request`: its own, plus `Content-Digest` (when there is a body), the
   * profile's header, `Signature-Input` and `Signature`. A `Content-Digest` of its own on a request without a body
   * is dropped (it would describe bytes that are not sent). {@link RequestSigner.signEntries} returns the same
   * fields without building a `Headers`.
   * @throws SignetError `key_unavailable`, `missing_component` (an extra component the request lacks), `duplicate_label`
   */
  sign(request: RequestParts): Promise<Headers> {
    return this.#settle(request, toHeaders);
  }

  /**
   * The headers to send for `request`, as {@link RequestSigner.sign} gives them, as `[name, value]` entries
   * (lower-case names, each once, except `set-cookie`). Nothing validates them on the way: `fetch`, `new Headers`
   * or undici will, once, when they are sent. This is what `signedFetch` and the interceptor use; hand the entries to
   * any HTTP client (`Object.fromEntries(entries)` for one that takes a record).
   * @throws SignetError `key_unavailable`, `missing_component` (an extra component the request lacks), `duplicate_label`
   */
  signEntries(request: RequestParts): Promise<Array<[string, string]>> {
    return this.#settle(request, toEntries);
  }

  /** `map` of the lines {@link RequestSigner.#sign} gives, as a promise; what it throws rejects the promise. */
  #settle<T>(request: RequestParts, map: (lines: string[]) => T): Promise<T> {
    try {
      const lines = this.#sign(request);
      return lines instanceof Promise ? lines.then(map) : Promise.resolve(map(lines));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Signs `request`: the headers to send, as lines `[name, value, name, value, …]`. Synchronous when the key, the
   * profile and the backend are (a static key, web-bot-auth or plain, node:crypto): a promise only when one of
   * them has to wait, as awaiting a value that is already there still costs a promise and a microtask turn. The
   * stages below pass one state object rather than closures over their variables: the less a signature allocates,
   * the less often the garbage collector interrupts the next ones.
   */
  #sign(request: RequestParts): MaybePromise<string[]> {
    const started = signListening() ? performance.now() : 0;
    // A static key is taken as it is; any other source is asked for its current key on every request (rotation).
    const key = staticKeyOf(this.#keys);
    return key === undefined ? this.#signWithCurrentKey(request, started) : this.#signWith(request, key, started);
  }

  async #signWithCurrentKey(request: RequestParts, started: number): Promise<string[]> {
    return this.#signWith(request, await this.#keys.current(), started);
  }

  #signWith(request: RequestParts, key: SigningKey, started: number): MaybePromise<string[]> {
    const own = readOwn(request.headers);
    if (own.signatureInput !== null && parseSignatureInput(own.signatureInput).some((i) => i.label === this.#label)) {
      throw new SignetError('duplicate_label', `The request already has a signature labelled "${this.#label}": choose another label.`);
    }
    if (request.body !== null) own.lines.push('content-digest', createDigest(request.body, this.#digestAlgorithms));
    const created = Math.floor(this.#now());
    const signing: Signing = { request, key, own, created, expires: created + this.#ttl, started };
    const applied = this.#profile.apply({ key, label: this.#label, created, expires: signing.expires, headers: new LineReader(own.lines) });
    return applied instanceof Promise ? this.#applyLater(signing, applied) : this.#applyProfile(signing, applied);
  }

  async #applyLater(signing: Signing, applied: Promise<AppliedProfile>): Promise<string[]> {
    return this.#applyProfile(signing, await applied);
  }

  #applyProfile(signing: Signing, applied: AppliedProfile): MaybePromise<string[]> {
    const { request, own } = signing;
    const lines = own.lines;
    for (const [name, value] of applied.headers) setLine(lines, name, value);
    // One view for the query test and the signature base: its URL parts are parsed once, and cached by URL text
    // (core MessageView.url()). `query` is `search` without its `?`, so `query !== ''` is `search.length > 1`.
    const view = MessageView.fromRawHeaders(request.method, request.url, lines);
    const hasBody = request.body !== null;
    const shape = this.#template(applied.components, view.url().query !== '', own.authorization, hasBody && own.contentType, hasBody);
    const result = shape.template.sign(view, { key: signing.key.signer, alg: signing.key.alg, params: applied.params, backend: this.#backend });
    return result instanceof Promise ? this.#finishLater(signing, shape, result) : this.#finish(signing, shape, result);
  }

  async #finishLater(signing: Signing, shape: CoveredShape, result: Promise<SignResult>): Promise<string[]> {
    return this.#finish(signing, shape, await result);
  }

  #finish(signing: Signing, shape: CoveredShape, result: SignResult): string[] {
    const { own } = signing;
    setLine(own.lines, 'signature-input', appendMember(own.signatureInput, result.signatureInput));
    setLine(own.lines, 'signature', appendMember(own.signature, result.signatureHeader));
    if (signListening()) this.#publish(signing, shape);
    return own.lines;
  }

  #publish({ request, key, created, expires, started }: Signing, shape: CoveredShape): void {
    publishSign(() => ({
      label: this.#label,
      keyid: key.thumbprint,
      alg: key.alg,
      profile: this.#profile.name,
      method: request.method,
      url: request.url,
      covered: [...shape.covered],
      created,
      expires,
      // 0 when the first subscriber arrived while this signature was being made (no start time was read).
      durationMs: started === 0 ? 0 : performance.now() - started,
    }));
  }

  /**
   * The template for a request: the covered components are always `@method`, `@authority`, `@path`, then `@query`
   * when the URL has one, the profile's components, `authorization` when present, `content-type` and
   * `content-digest` when there is a body, then the extra ones (each once). They depend on the request only
   * through those four conditions, so each combination is checked and serialized once per signer, not per
   * request. A profile returns the same component list while its output does not change; another list (a
   * profile whose member changed) replaces the cached template.
   */
  #template(profile: readonly string[], query: boolean, authorization: boolean, contentType: boolean, digest: boolean): CoveredShape {
    const index = (query ? 1 : 0) | (authorization ? 2 : 0) | (contentType ? 4 : 0) | (digest ? 8 : 0);
    const known = this.#templates[index];
    if (known !== undefined && known.profile === profile) return known;
    const covered = unique([
      '"@method"',
      '"@authority"',
      '"@path"',
      ...(query ? ['"@query"'] : []),
      ...profile.map((c) => serializeComponent(this.#component(c))),
      ...(authorization ? ['"authorization"'] : []),
      ...(contentType ? ['"content-type"'] : []),
      ...(digest ? ['"content-digest"'] : []),
      ...this.#extra,
    ]);
    const shape: CoveredShape = {
      profile,
      covered: Object.freeze(covered),
      template: new SignatureTemplate(this.#label, covered.map((id) => this.#component(id))),
    };
    this.#templates[index] = shape;
    return shape;
  }

  /** `component(identifier)`, parsed once per signer. */
  #component(identifier: string): Component {
    let parsed = this.#components.get(identifier);
    if (parsed === undefined) {
      parsed = component(identifier);
      this.#components.set(identifier, parsed);
    }
    return parsed;
  }

  /** Never the key material. */
  toJSON(): { type: 'RequestSigner'; profile: string; label: string; ttl: number; keys: unknown } {
    return { type: 'RequestSigner', profile: this.#profile.name, label: this.#label, ttl: this.#ttl, keys: safeJson(this.#keys) };
  }

  [inspect.custom](): string {
    return `RequestSigner ${JSON.stringify(this.toJSON())}`;
  }
}

/** A {@link RequestSigner} for `options` (or `options` itself when it already is one). */
export function createRequestSigner(options: SigningOptions | RequestSigner): RequestSigner {
  return options instanceof RequestSigner ? options : new RequestSigner(options);
}

type MaybePromise<T> = T | Promise<T>;

function toHeaders(lines: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < lines.length; i += 2) headers.append(lines[i] as string, lines[i + 1] as string);
  return headers;
}

function toEntries(lines: readonly string[]): Array<[string, string]> {
  const entries = new Array<[string, string]>(lines.length >> 1);
  for (let i = 0; i < lines.length; i += 2) entries[i >> 1] = [lines[i] as string, lines[i + 1] as string];
  return entries;
}

/** One signature in the making, from one stage to the next. */
interface Signing {
  readonly request: RequestParts;
  readonly key: SigningKey;
  readonly own: OwnFields;
  readonly created: number;
  readonly expires: number;
  /** `performance.now()` when it started, or 0 when nobody listened then. */
  readonly started: number;
}

/** A request's own fields, as the signer reads them. */
interface OwnFields {
  /**
   * Its fields as lines `[name, value, …]` (lower-case names, each once, with the value `get` gives, except
   * `set-cookie`), without `Content-Digest`, which the signer writes itself. `Signature-Input` and `Signature` are
   * kept for the base (a signature may cover an earlier one, RFC 9421 §4.3) and extended once it is made.
   */
  readonly lines: string[];
  readonly signatureInput: string | null;
  readonly signature: string | null;
  readonly authorization: boolean;
  readonly contentType: boolean;
}

/**
 * Reads {@link OwnFields} in one pass over `headers`: a request carries few headers, and a `get` or `has` each would
 * cost more (each validates its name).
 */
function readOwn(headers: Headers): OwnFields {
  const lines: string[] = [];
  let signatureInput: string | null = null;
  let signature: string | null = null;
  let authorization = false;
  let contentType = false;
  for (const [name, value] of headers) {
    switch (name) {
      case 'signature-input':
        signatureInput = value;
        break;
      case 'signature':
        signature = value;
        break;
      case 'content-digest':
        continue;
      case 'authorization':
        authorization = true;
        break;
      case 'content-type':
        contentType = true;
        break;
    }
    lines.push(name, value);
  }
  return { lines, signatureInput, signature, authorization, contentType };
}

/** The index of field `name` (lower-case) in `lines`, or -1. */
function fieldIndex(lines: readonly string[], name: string): number {
  for (let i = 0; i < lines.length; i += 2) if (lines[i] === name) return i;
  return -1;
}

/** Sets field `name` (lower-case) in `lines` to `value`: in place when the field is there, else at the end. */
function setLine(lines: string[], name: string, value: string): void {
  const i = fieldIndex(lines, name);
  if (i < 0) lines.push(name, value);
  else lines[i + 1] = value;
}

/** `get` and `has` over lines with lower-case names, each once (what {@link readOwn} gives). */
class LineReader implements FieldReader {
  readonly #lines: readonly string[];
  constructor(lines: readonly string[]) {
    this.#lines = lines;
  }
  get(name: string): string | null {
    const i = fieldIndex(this.#lines, name.toLowerCase());
    return i < 0 ? null : (this.#lines[i + 1] as string);
  }
  has(name: string): boolean {
    return this.get(name) !== null;
  }
}

/** A cached template and what it was built from. */
interface CoveredShape {
  /** The profile's component list the template was built with (compared by identity). */
  readonly profile: readonly string[];
  /** The covered component identifiers, in order (for diagnostics). */
  readonly covered: readonly string[];
  readonly template: SignatureTemplate;
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

function safeJson(source: KeySource): unknown {
  const toJSON = (source as { toJSON?: () => unknown }).toJSON;
  return typeof toJSON === 'function' ? toJSON.call(source) : { type: 'KeySource' };
}
