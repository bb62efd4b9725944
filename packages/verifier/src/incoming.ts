/**
 * The request as the verifier sees it, whether a web `Request` or a node `IncomingMessage` (Express,
 * connect and Fastify's `request.raw` are node requests).
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { MessageView, SignetError, type DigestVerifier } from '@signet/core';
import { checkGivenBody, declaredLength, readNodeBody, readWebBody, type BodySource } from './body.js';

/** The request under verification. */
export interface Inbound {
  readonly view: MessageView;
  readonly method: string;
  /** The absolute URL the signature base is computed over. */
  readonly url: string;
  /** True when the request declares a body (Content-Length > 0 or Transfer-Encoding, or a web body stream). */
  readonly hasBody: boolean;
  /** One header value (repeated field lines joined with ", "), or undefined. */
  header(name: string): string | undefined;
  /** Reads the body through `digest` (which throws on mismatch) and hands it back to the application. */
  readBody(maxBytes: number, digest: DigestVerifier): Promise<{ body: Uint8Array; request?: Request | undefined }>;
}

/** A node request as Express / connect extend it. */
type NodeRequest = IncomingMessage & { originalUrl?: string; socket: IncomingMessage['socket'] & { encrypted?: boolean } };

/** True for a web `Request` (or a compatible object with `headers.get`). */
export function isWebRequest(request: unknown): request is Request {
  return (typeof Request !== 'undefined' && request instanceof Request) || (typeof request === 'object' && request !== null && typeof (request as { headers?: { get?: unknown } }).headers?.get === 'function' && typeof (request as { url?: unknown }).url === 'string');
}

/** Wraps a request for verification. @throws SignetError `invalid_message` */
export function toInbound(request: Request | IncomingMessage, baseUrl: string | ((request: IncomingMessage) => string) | undefined, body: BodySource | undefined): Inbound {
  // A node request first, by its raw header lines: the duck-typing below reads `headers`, whose getter would
  // build node's header object for nothing.
  const raw = rawLinesOf(request);
  if (raw !== undefined) return nodeInbound(request as NodeRequest, baseUrl, body, raw);
  if (isWebRequest(request)) return webInbound(request, body);
  if (typeof request !== 'object' || request === null || typeof (request as IncomingMessage).headers !== 'object') {
    throw new SignetError('invalid_message', 'verify() needs a web Request or a node IncomingMessage.');
  }
  return nodeInbound(request as NodeRequest, baseUrl, body, undefined);
}

/**
 * A node IncomingMessage's raw header lines. It builds `headers` (lower-cased, grouped) only when that getter is
 * first read: reading the raw lines instead means verifying never pays for that object (the application may never
 * read it). `in` tests for the getter without running it. Anything else (HTTP/2 compat requests, test doubles)
 * gives `undefined`, and its `headers` are read.
 */
function rawLinesOf(request: unknown): string[] | undefined {
  if (typeof request !== 'object' || request === null || !('headersDistinct' in request)) return undefined;
  const raw = (request as IncomingMessage).rawHeaders as string[] | undefined;
  return Array.isArray(raw) ? raw : undefined;
}

function webInbound(request: Request, given: BodySource | undefined): Inbound {
  // `Request.url` serializes the URL on every read: read once, for the view and the decision log.
  const url = request.url;
  return new WebInbound(request, MessageView.from({ method: request.method, url, headers: request.headers }), url, given);
}

/** A web request under verification. */
class WebInbound implements Inbound {
  readonly #request: Request;
  readonly #given: BodySource | undefined;
  readonly view: MessageView;
  readonly url: string;

  constructor(request: Request, view: MessageView, url: string, given: BodySource | undefined) {
    this.#request = request;
    this.view = view;
    this.url = url;
    this.#given = given;
  }

  get method(): string {
    return this.view.method as string;
  }

  /** Read when asked: most verifications never need it (three header reads on a web `Headers`). */
  get hasBody(): boolean {
    const headers = this.#request.headers;
    const length = declaredLength(headers.get('content-length'));
    return length !== undefined ? length > 0 : headers.has('transfer-encoding') || this.#request.body !== null;
  }

  header(name: string): string | undefined {
    const lines = this.view.fieldLines(name);
    return lines === undefined ? undefined : lines[0];
  }

  async readBody(maxBytes: number, digest: DigestVerifier): Promise<{ body: Uint8Array; request?: Request | undefined }> {
    const request = this.#request;
    return this.#given !== undefined ? { body: await checkGivenBody(this.#given, maxBytes, digest), request } : readWebBody(request, maxBytes, digest);
  }
}

function nodeInbound(request: NodeRequest, baseUrl: string | ((request: IncomingMessage) => string) | undefined, given: BodySource | undefined, raw: string[] | undefined): Inbound {
  const method = request.method;
  if (typeof method !== 'string' || method.length === 0) throw new SignetError('invalid_message', 'The node request has no method.');
  let view: MessageView;
  let url: string;
  if (raw !== undefined) {
    url = absoluteUrl(request, baseUrl, raw);
    view = MessageView.fromRawHeaders(method, url, raw);
  } else {
    url = absoluteUrl(request, baseUrl, undefined);
    const headers: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
    if (request.headersDistinct !== undefined) {
      const distinct = request.headersDistinct as Record<string, string[] | undefined>;
      for (const [name, values] of Object.entries(distinct)) if (values !== undefined && !name.startsWith(':')) headers[name] = values;
    } else {
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || name.startsWith(':')) continue;
        headers[name] = Array.isArray(value) ? value : [value];
      }
    }
    view = MessageView.from({ method, url, headers });
  }
  return new NodeInbound(request, view, method, url, given);
}

/** A node request under verification (a class, not closures: one object per request on the hot path). */
class NodeInbound implements Inbound {
  readonly #request: NodeRequest;
  readonly #given: BodySource | undefined;
  readonly view: MessageView;
  readonly method: string;
  readonly url: string;

  constructor(request: NodeRequest, view: MessageView, method: string, url: string, given: BodySource | undefined) {
    this.#request = request;
    this.#given = given;
    this.view = view;
    this.method = method;
    this.url = url;
  }

  /** Content-Length (its first line, as node keeps it) or Transfer-Encoding, read when asked. */
  get hasBody(): boolean {
    const length = declaredLength(this.view.fieldLines('content-length')?.[0]);
    return length !== undefined ? length > 0 : this.view.fieldLines('transfer-encoding') !== undefined;
  }

  header(name: string): string | undefined {
    const lines = this.view.fieldLines(name);
    return lines === undefined ? undefined : lines.length === 1 ? lines[0] : lines.join(', ');
  }

  async readBody(maxBytes: number, digest: DigestVerifier): Promise<{ body: Uint8Array }> {
    const source = this.#given ?? alreadyRead(this.#request);
    return { body: source !== undefined ? await checkGivenBody(source, maxBytes, digest) : await readNodeBody(this.#request, maxBytes, digest) };
  }
}

/** The first value of `name` (lower-case) among raw header lines, as node's `headers` keeps it for Host and Content-Length. */
function firstRawValue(raw: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const candidate = raw[i] as string;
    if (candidate.length === name.length && candidate.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

/**
 * The exact bytes of a body that a raw-body parser already read (`express.raw()` sets `req.body` to a Buffer;
 * many frameworks set `req.rawBody`), when the stream itself is spent. Parsed bodies (objects) are never used:
 * they are not the bytes that were signed.
 */
function alreadyRead(request: NodeRequest): Uint8Array | undefined {
  if (!request.readableEnded) return undefined;
  const candidate = request as { rawBody?: unknown; body?: unknown };
  if (candidate.rawBody instanceof Uint8Array) return candidate.rawBody;
  if (candidate.body instanceof Uint8Array) return candidate.body;
  return undefined;
}

/** A host, IPv6 literal or registered name, with an optional port: nothing that could move the URL's path. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%!$&'()*+,;=-]+)(?::\d{1,5})?$/;

/** `scheme://host` + the request target as received (Express: `originalUrl`, which mounting does not rewrite). */
function absoluteUrl(request: NodeRequest, baseUrl: string | ((request: IncomingMessage) => string) | undefined, raw: readonly string[] | undefined): string {
  const target = request.originalUrl ?? request.url ?? '/';
  // Origin form (a path) is what servers receive; only anything else can be an absolute URL.
  if (target.charCodeAt(0) !== 0x2f /* / */ && /^https?:\/\//i.test(target)) return target;
  let base: string;
  if (typeof baseUrl === 'function') {
    base = baseUrl(request).replace(/\/$/, '');
  } else if (baseUrl !== undefined) {
    base = baseUrl;
  } else {
    const host = raw !== undefined ? firstRawValue(raw, 'host') ?? firstRawValue(raw, ':authority') : request.headers.host ?? (request.headers[':authority'] as string | undefined);
    if (host === undefined || host.length === 0) throw new SignetError('invalid_message', 'The request has no Host header, so its @authority is unknown.');
    if (host !== lastValidHost) {
      if (!HOST.test(host)) throw new SignetError('invalid_message', `The Host header ${JSON.stringify(host.slice(0, 100))} is not a host[:port].`);
      lastValidHost = host;
    }
    base = `${request.socket?.encrypted === true ? 'https' : 'http'}://${host}`;
  }
  return target.charCodeAt(0) === 0x2f /* / */ ? base + target : `${base}/${target}`;
}

/** The last Host that passed {@link HOST}: a server sees the same few, and the test is a pure function of the text. */
let lastValidHost: string | undefined;
