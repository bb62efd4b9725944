/**
 * `signingInterceptor`: an undici interceptor (for `Dispatcher.compose` or an `Agent`'s/`Pool`'s
 * `interceptors`), so that `undici.request`, `stream`, `pipeline`, `Pool` and `Agent` traffic is
 * signed. The body is read into memory once (up to `maxBodyBytes`) for its `Content-Digest`.
 * @module
 */
import { stringify } from 'node:querystring';
import { SignetError } from '@signet/core';
import type { Dispatcher } from 'undici';
import { readDispatchBody } from './body.js';
import { RequestSigner, type SigningOptions } from './signer.js';

/** Options of {@link signingInterceptor}. */
export interface SigningInterceptorOptions extends SigningOptions {
  /**
   * The origin of the `Pool` or `Client` the interceptor is composed onto (`http://host:port`). Their
   * `request({ path })` calls carry no origin, and the signature must cover `@authority`; an `Agent`
   * (and the global dispatcher) always knows the origin. Without it such a request fails, never goes out unsigned.
   */
  origin?: string | URL;
  /** Sign only the requests this returns true for (default: all but CONNECT and upgrades). */
  filter?: (request: { readonly origin: string; readonly path: string; readonly method: string }) => boolean;
}

/** What an interceptor is, in undici's types. */
export type SigningInterceptor = Dispatcher.DispatcherComposeInterceptor;

/**
 * An undici interceptor that signs every request it dispatches.
 *
 * Compose it inside undici's redirect interceptor to have each hop re-signed:
 * ```ts
 * const agent = new Agent().compose(signingInterceptor({ key }), interceptors.redirect({ maxRedirections: 5 }));
 * await request('https://api.example/v1/items', { dispatcher: agent });
 * ```
 * A signing failure (`body_too_large`, `key_unavailable`, …) fails that request with the SignetError;
 * nothing is sent.
 * @throws SignetError `invalid_configuration` for bad options (at once).
 */
export function signingInterceptor(options: SigningInterceptorOptions): SigningInterceptor {
  const signer = new RequestSigner(options);
  const filter = options.filter;
  const fixedOrigin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin;
  return (dispatch) =>
    function signetSigningInterceptor(opts, handler) {
      const method = String(opts.method);
      if (method === 'CONNECT' || opts.upgrade) return dispatch(opts, handler);
      const origin = opts.origin === undefined || opts.origin === null ? fixedOrigin : new URL(String(opts.origin)).origin;
      if (origin === undefined) {
        fail(handler, new SignetError('invalid_configuration', `${method} ${opts.path}: the request has no origin, so @authority cannot be signed. Pass { origin } to signingInterceptor when composing it onto a Pool or Client.`));
        return true;
      }
      if (filter !== undefined && !filter({ origin, path: opts.path, method })) return dispatch(opts, handler);
      signDispatch(signer, opts, origin, method).then(
        (signed) => {
          try {
            dispatch(signed, handler);
          } catch (error) {
            fail(handler, error);
          }
        },
        (error: unknown) => fail(handler, error),
      );
      return true;
    };
}

async function signDispatch(signer: RequestSigner, opts: Dispatcher.DispatchOptions, origin: string, method: string): Promise<Dispatcher.DispatchOptions> {
  const path = opts.query ? withQuery(opts.path, opts.query) : opts.path;
  const pairs = headerPairs(opts.headers);
  const url = new URL(path, origin);
  const host = pairs.find(([name]) => name.toLowerCase() === 'host');
  if (host !== undefined) url.host = host[1];
  const { bytes, contentType } = await readDispatchBody(opts.body, signer.maxBodyBytes, `${method} ${url.href}`);
  const headers = new Headers();
  for (const [name, value] of pairs) if (name.toLowerCase() !== 'content-length') headers.append(name, value);
  if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType);
  const signed = await signer.signEntries({ method, url: url.href, headers, body: bytes });
  const flat: string[] = [];
  for (const [name, value] of signed) flat.push(name, value);
  const { query: _query, ...rest } = opts;
  return { ...rest, path, headers: flat, body: bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** undici's header forms (record, flat array, iterable of pairs) as name/value pairs, repeated names kept. */
function headerPairs(headers: Dispatcher.DispatchOptions['headers']): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const add = (name: unknown, value: unknown): void => {
    if (value === undefined) return;
    if (Array.isArray(value)) for (const v of value) pairs.push([String(name), String(v)]);
    else pairs.push([String(name), value === null ? '' : String(value)]);
  };
  if (headers === null || headers === undefined) return pairs;
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) for (const [name, value] of headers as unknown as Array<[string, unknown]>) add(name, value);
    else for (let i = 0; i < headers.length; i += 2) add(headers[i], headers[i + 1]);
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, unknown]>) add(name, value);
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return pairs;
}

function withQuery(path: string, query: Record<string, unknown>): string {
  if (path.includes('?') || path.includes('#')) throw new SignetError('invalid_message', 'Query params cannot be passed when the path already contains "?" or "#".');
  const text = stringify(query as Parameters<typeof stringify>[0]);
  return text ? `${path}?${text}` : path;
}

const noopController = {
  abort() {},
  pause() {},
  resume() {},
  paused: false,
  aborted: false,
  reason: null,
};

function fail(handler: Dispatcher.DispatchHandler, error: unknown): void {
  const err = error instanceof Error ? error : new SignetError('invalid_message', String(error));
  if (typeof handler.onResponseError === 'function') handler.onResponseError(noopController as never, err);
  else if (typeof handler.onError === 'function') handler.onError(err);
}
