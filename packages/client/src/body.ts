/**
 * Request bodies: every kind fetch and undici accept, read exactly once into the bytes that will be
 * sent (and digested), under a size limit. FormData, URLSearchParams and Blob are serialized by the
 * platform's own `Request`/`Response`, so the multipart boundary in `Content-Type` and the bytes match.
 * @module
 */
import { SignetError } from '@signet/core';
import { FormData as UndiciFormData, Response as UndiciResponse } from 'undici';

/** The default limit on a body to sign: 10 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

const encoder = new TextEncoder();

/**
 * A web `Request` from fetch's arguments. A stream body gets `duplex: "half"` (Node requires it).
 * A Request-like object from another fetch implementation (e.g. undici's own `Request`) is copied.
 */
export function toRequest(input: RequestInfo | URL, init?: RequestInit): Request {
  const body = init?.body;
  const needsDuplex = body !== undefined && body !== null && isWebStream(body);
  const options = needsDuplex ? ({ ...init, duplex: 'half' } as RequestInit) : init;
  if (input instanceof Request || typeof input === 'string' || input instanceof URL) return new Request(input, options);
  const like = input as { url?: unknown; method?: unknown; headers?: unknown; body?: unknown; signal?: unknown };
  if (typeof like === 'object' && like !== null && typeof like.url === 'string') {
    // A Request of another fetch implementation: copy what fetch needs.
    const copied: RequestInit & { duplex?: 'half' } = {
      method: typeof like.method === 'string' ? like.method : 'GET',
      headers: like.headers as HeadersInit,
    };
    if (like.body !== null && like.body !== undefined) {
      copied.body = like.body as BodyInit;
      copied.duplex = 'half';
    }
    if (like.signal instanceof AbortSignal) copied.signal = like.signal;
    return new Request(like.url, { ...copied, ...options } as RequestInit);
  }
  return new Request(String(input), options);
}

/**
 * Reads a `Request`'s body once into bytes. `null` when the request has no body.
 * @throws SignetError `body_too_large`
 */
export async function readRequestBody(request: Request, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<Uint8Array | null> {
  if (request.body === null) return null;
  if (request.bodyUsed) throw new SignetError('invalid_message', `The body of ${request.method} ${request.url} was already read: it cannot be signed.`);
  return readWebStream(request.body, maxBytes, `${request.method} ${request.url}`);
}

/** Reads a web `ReadableStream` into bytes, cancelling it once it passes `maxBytes`. */
export async function readWebStream(stream: ReadableStream<unknown>, maxBytes: number, where: string): Promise<Uint8Array> {
  const reader = stream.getReader();
  const collector = new Collector(maxBytes, where);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      collector.add(value);
    }
  } catch (error) {
    await reader.cancel(error).catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  return collector.bytes();
}

/** The body of an undici dispatch, as bytes, and the `Content-Type` its serialization implies (FormData, Blob, URLSearchParams). */
export interface DispatchBody {
  readonly bytes: Uint8Array | null;
  readonly contentType?: string | undefined;
}

/**
 * Reads any body undici's `dispatch` accepts: string, Buffer / typed array / ArrayBuffer, a Node
 * `Readable`, an (async) iterable, a web `ReadableStream`, `FormData`, `Blob`, `URLSearchParams`.
 * @throws SignetError `body_too_large`, `invalid_message`
 */
export async function readDispatchBody(body: unknown, maxBytes: number, where: string): Promise<DispatchBody> {
  if (body === null || body === undefined) return { bytes: null };
  if (typeof body === 'string') return { bytes: limit(encoder.encode(body), maxBytes, where) };
  if (ArrayBuffer.isView(body)) return { bytes: limit(new Uint8Array(body.buffer, body.byteOffset, body.byteLength), maxBytes, where) };
  if (body instanceof ArrayBuffer) return { bytes: limit(new Uint8Array(body), maxBytes, where) };
  if (body instanceof URLSearchParams) {
    return { bytes: limit(encoder.encode(body.toString()), maxBytes, where), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (isFormDataLike(body) || isBlobLike(body)) {
    if (isBlobLike(body) && body.size > maxBytes) throw tooLarge(maxBytes, where);
    const response = body instanceof UndiciFormData ? new UndiciResponse(body) : new Response(body as BodyInit);
    const bytes = response.body === null ? new Uint8Array(0) : await readWebStream(response.body as ReadableStream<unknown>, maxBytes, where);
    return { bytes, contentType: response.headers.get('content-type') ?? undefined };
  }
  if (isWebStream(body)) return { bytes: await readWebStream(body, maxBytes, where) };
  if (isAsyncIterable(body) || isIterable(body)) {
    const collector = new Collector(maxBytes, where);
    try {
      for await (const chunk of body as AsyncIterable<unknown>) collector.add(chunk);
    } catch (error) {
      destroy(body, error);
      throw error;
    }
    return { bytes: collector.bytes() };
  }
  throw new SignetError('invalid_message', `${where}: the request body is of a kind Signet cannot read (${Object.prototype.toString.call(body)}).`);
}

class Collector {
  readonly #max: number;
  readonly #where: string;
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  constructor(max: number, where: string) {
    this.#max = max;
    this.#where = where;
  }

  add(chunk: unknown): void {
    const bytes = toBytes(chunk, this.#where);
    this.#size += bytes.byteLength;
    if (this.#size > this.#max) throw tooLarge(this.#max, this.#where);
    this.#chunks.push(bytes);
  }

  bytes(): Uint8Array {
    if (this.#chunks.length === 1) return this.#chunks[0] as Uint8Array;
    const out = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }
}

function toBytes(chunk: unknown, where: string): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new SignetError('invalid_message', `${where}: a body chunk must be bytes or a string, got ${Object.prototype.toString.call(chunk)}.`);
}

function limit(bytes: Uint8Array, max: number, where: string): Uint8Array {
  if (bytes.byteLength > max) throw tooLarge(max, where);
  return bytes;
}

function tooLarge(max: number, where: string): SignetError {
  return new SignetError('body_too_large', `${where}: the request body is larger than maxBodyBytes (${max} bytes); it was not signed or sent. Raise maxBodyBytes to sign it.`);
}

function isWebStream(value: unknown): value is ReadableStream<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as ReadableStream).getReader === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}

function isFormDataLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'FormData';
}

function isBlobLike(value: unknown): value is Blob {
  if (typeof value !== 'object' || value === null) return false;
  const tag = (value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  return (tag === 'Blob' || tag === 'File') && typeof (value as Blob).stream === 'function';
}

function destroy(body: unknown, error: unknown): void {
  const d = (body as { destroy?: (e?: unknown) => void }).destroy;
  if (typeof d === 'function') d.call(body, error instanceof Error ? error : undefined);
}
