/**
 * One internal view of an HTTP message, whatever shape it came in: a web-standard `Request` or
 * `Response`, a plain `{ method, url, headers }` object, or a request–response pair.
 * @module
 */
import { SignetError } from './errors.js';

/** Header input accepted by Signet: a `Headers`, a record (arrays keep separate field lines), or pairs. */
export type HeadersLike = Headers | Record<string, string | readonly string[] | undefined> | Iterable<readonly [string, string]>;

/** A plain request: `url` is absolute (scheme, authority, path and query). */
export interface PlainRequest {
  method: string;
  url: string | URL;
  headers: HeadersLike;
  body?: Uint8Array | string | undefined;
}

/** A plain response. `request` is the request it answers, needed for components with `;req`. */
export interface PlainResponse {
  status: number;
  headers: HeadersLike;
  body?: Uint8Array | string | undefined;
  request?: PlainRequest | Request | undefined;
}

/** Any message Signet can sign or verify. */
export type MessageLike = Request | Response | PlainRequest | PlainResponse;

/** A response together with the request it answers (for `;req` components). */
export interface MessagePair {
  request: Request | PlainRequest;
  response: Response | PlainResponse;
}

/** The URL parts the derived components read, parsed at most once per message. */
interface UrlParts {
  scheme: string;
  authority: string;
  path: string;
  /** Without the leading `?`; empty when the URL has no query. */
  query: string;
  targetUri: string;
}

/**
 * The normalized message the signature base is built from. Field names are lower-case; each
 * name maps to its field lines in order, unmodified. Make a view of a finished message: a view of a web
 * `Request`/`Response`/`Headers` reads its fields when asked, and may keep what it read, so later changes to the
 * headers are not guaranteed to be seen (make a new view instead).
 */
export class MessageView {
  readonly kind: 'request' | 'response';
  readonly method: string | undefined;
  readonly status: number | undefined;
  readonly request: MessageView | undefined;
  readonly #url: string | undefined;
  #urlParts: Readonly<UrlParts> | undefined;
  readonly #fields: Map<string, string[]> | undefined;
  readonly #headers: Headers | undefined;
  /** Raw header lines (name, value, name, value…), searched on demand: see {@link MessageView.fromRawHeaders}. */
  readonly #raw: readonly string[] | undefined;
  #lastName: string | undefined;
  #lastLines: readonly string[] | undefined;

  private constructor(
    kind: 'request' | 'response',
    method: string | undefined,
    url: string | undefined,
    status: number | undefined,
    fields: Map<string, string[]> | undefined,
    headers: Headers | undefined,
    request: MessageView | undefined,
    raw?: readonly string[],
  ) {
    this.kind = kind;
    this.method = method;
    this.#url = url;
    this.status = status;
    this.#fields = fields;
    this.#headers = headers;
    this.#raw = raw;
    this.request = request;
  }

  /**
   * A view of a request whose headers are raw lines as HTTP/1.1 servers receive them: `[name, value, name,
   * value, …]` (node's `IncomingMessage.rawHeaders`, undici's raw headers). Names may be in any case; HTTP/2
   * pseudo-headers (`:path`…) are never returned. Nothing is copied or grouped up front: a verifier reads only
   * the few fields a signature covers, so each lookup scans the (short) list instead.
   * @throws SignetError `invalid_message` for a missing method or URL, or a line that is not a string
   */
  static fromRawHeaders(method: string, url: string, rawHeaders: readonly string[]): MessageView {
    if (typeof method !== 'string' || method.length === 0) throw new SignetError('invalid_message', 'A request needs a non-empty string `method`.');
    if (typeof url !== 'string') throw new SignetError('invalid_message', 'A request needs an absolute `url`.');
    if (!Array.isArray(rawHeaders) || rawHeaders.length % 2 !== 0) {
      throw new SignetError('invalid_message', 'Raw headers must be a list of name, value pairs: [name, value, name, value, …].');
    }
    for (let i = 0; i < rawHeaders.length; i++) {
      if (typeof rawHeaders[i] !== 'string') throw new SignetError('invalid_message', `Raw header ${i % 2 === 0 ? 'name' : 'value'} #${i >> 1} is not a string.`);
    }
    return new MessageView('request', method, url, undefined, undefined, undefined, undefined, rawHeaders);
  }

  /** Builds a view of a request, a response, or a pair (the response, with its request). */
  static from(message: MessageLike | MessagePair | MessageView): MessageView {
    if (message instanceof MessageView) return message;
    if (isPair(message)) {
      const request = MessageView.from(message.request);
      return MessageView.#response(message.response, request);
    }
    if (typeof Request !== 'undefined' && message instanceof Request) {
      return new MessageView('request', message.method, message.url, undefined, undefined, message.headers, undefined);
    }
    if (typeof Response !== 'undefined' && message instanceof Response) {
      return MessageView.#response(message, undefined);
    }
    if (typeof message !== 'object' || message === null) {
      throw new SignetError('invalid_message', 'Expected a Request, a Response, or a plain { method, url, headers } / { status, headers } object.');
    }
    if ('status' in message && typeof message.status === 'number') {
      const plain = message as PlainResponse;
      const request = plain.request === undefined ? undefined : MessageView.from(plain.request);
      return MessageView.#response(plain, request);
    }
    const plain = message as PlainRequest;
    if (typeof plain.method !== 'string' || plain.method.length === 0) {
      throw new SignetError('invalid_message', 'A plain request needs a non-empty string `method`.');
    }
    if (plain.url === undefined) throw new SignetError('invalid_message', 'A plain request needs an absolute `url`.');
    const url = typeof plain.url === 'string' ? plain.url : plain.url.href;
    const [fields, headers] = readHeaders(plain.headers);
    return new MessageView('request', plain.method, url, undefined, fields, headers, undefined);
  }

  static #response(response: Response | PlainResponse, request: MessageView | undefined): MessageView {
    const status = response.status;
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new SignetError('invalid_message', `A response status must be a three-digit integer, got ${String(status)}.`);
    }
    if (typeof Response !== 'undefined' && response instanceof Response) {
      return new MessageView('response', undefined, undefined, status, undefined, response.headers, request);
    }
    const [fields, headers] = readHeaders(response.headers);
    return new MessageView('response', undefined, undefined, status, fields, headers, request);
  }

  /**
   * The field lines of `name` (lower-case), in order, or `undefined` when the field is absent.
   * A web `Headers` object has already combined repeated lines into one.
   */
  fieldLines(name: string): readonly string[] | undefined {
    if (this.#fields !== undefined) return this.#fields.get(name);
    // A verifier reads some fields twice in a row (Signature-Agent: for the agent, then for the base): the last
    // lookup is kept, as a raw-line scan or a `Headers.get` (which validates the name each time) costs more than the
    // comparison. A view is made of a finished message (see the class): it need not follow later changes.
    if (name === this.#lastName) return this.#lastLines;
    let lines: readonly string[] | undefined;
    if (this.#raw !== undefined) lines = rawFieldLines(this.#raw, name);
    else {
      const value = this.#headers?.get(name);
      lines = value === null || value === undefined ? undefined : [value];
    }
    this.#lastLines = lines;
    this.#lastName = name;
    return lines;
  }

  /** The request's absolute URL as given (`undefined` for a response). */
  get target(): string | undefined {
    return this.#url;
  }

  /** The URL parts of a request, parsed once. */
  url(): Readonly<UrlParts> {
    if (this.#urlParts !== undefined) return this.#urlParts;
    if (this.#url === undefined) throw new SignetError('invalid_message', 'This message has no URL: it is not a request.');
    const known = PARSED_URLS.get(this.#url);
    if (known !== undefined) return (this.#urlParts = known);
    let parsed: URL;
    try {
      parsed = new URL(this.#url);
    } catch (cause) {
      throw new SignetError('invalid_message', `The request URL ${JSON.stringify(this.#url)} is not an absolute URL.`, { cause });
    }
    this.#urlParts = Object.freeze({
      scheme: parsed.protocol.slice(0, -1).toLowerCase(),
      authority: parsed.host.toLowerCase(),
      path: parsed.pathname === '' ? '/' : parsed.pathname,
      query: parsed.search.slice(1),
      targetUri: parsed.href,
    });
    if (PARSED_URLS.size >= PARSED_URLS_MAX) PARSED_URLS.clear();
    PARSED_URLS.set(this.#url, this.#urlParts);
    return this.#urlParts;
  }
}

/**
 * The parts of recently parsed URLs, by URL text: a server verifies requests to the same few URLs over and over,
 * and the parts are a pure function of the text (a WHATWG URL parse, ~1-2 us), so they are parsed once. Frozen,
 * as views share them. Bounded: cleared when full, so distinct URLs cost memory for at most this many entries.
 * Only successful parses are kept (a bad URL throws every time).
 */
const PARSED_URLS = new Map<string, UrlParts>();
const PARSED_URLS_MAX = 256;

/** The lines of `name` (lower-case) among raw header lines, compared case-insensitively. */
function rawFieldLines(raw: readonly string[], name: string): string[] | undefined {
  if (name.charCodeAt(0) === 0x3a /* : */) return undefined;
  let lines: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const candidate = raw[i] as string;
    if (candidate.length === name.length && (candidate === name || candidate.toLowerCase() === name)) {
      if (lines === undefined) lines = [raw[i + 1] as string];
      else lines.push(raw[i + 1] as string);
    }
  }
  return lines;
}

function isPair(message: object): message is MessagePair {
  return 'request' in message && 'response' in message && !('status' in message);
}

/** Reads headers into per-name field lines; a `Headers` object is kept as it is (it is already normalized). */
function readHeaders(input: HeadersLike | undefined): [Map<string, string[]> | undefined, Headers | undefined] {
  if (input === undefined || input === null) return [new Map(), undefined];
  if (typeof Headers !== 'undefined' && input instanceof Headers) return [undefined, input];
  const fields = new Map<string, string[]>();
  const add = (name: string, value: string): void => {
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new SignetError('invalid_message', `Header ${JSON.stringify(name)} must have a string value.`);
    }
    const key = name.toLowerCase();
    const lines = fields.get(key);
    if (lines === undefined) fields.set(key, [value]);
    else lines.push(value);
  };
  if (Symbol.iterator in input) {
    for (const pair of input as Iterable<readonly [string, string]>) add(pair[0], pair[1]);
    return [fields, undefined];
  }
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const line of value) add(name, line as string);
    else add(name, value as string);
  }
  return [fields, undefined];
}
