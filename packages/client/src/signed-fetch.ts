/**
 * `signedFetch`: a drop-in `fetch` that signs every request, over the global fetch or undici's.
 * Redirects are followed by the wrapper itself (the underlying fetch gets `redirect: "manual"`), so
 * every hop is signed for its own method, authority and path.
 * @module
 */
import { inspect } from 'node:util';
import { SignetError, type KeyResolver, type PlainRequest } from '@signet/core';
import { readRequestBody, toRequest } from './body.js';
import { nextHop, type Hop } from './redirect.js';
import { responseKeyResolver, verifyResponse, type ResponseVerificationOptions } from './response-verification.js';
import { RequestSigner, type SigningOptions } from './signer.js';

/**
 * Any fetch: the global one, undici's, or a test double. (`init: never` lets every fetch signature fit;
 * the wrapper passes a standard `RequestInit` plus whatever extra options the caller gave, e.g. `dispatcher`.)
 */
export type FetchLike = (input: string, init: never) => Promise<unknown>;

/** The fetch `signedFetch` returns: the standard signature. */
export type SignedFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

/** Options of {@link signedFetch}: how to sign, and how to fetch. */
export interface SignedFetchOptions extends SigningOptions {
  /** The fetch to wrap (default `globalThis.fetch`; undici's `fetch` works too). */
  fetch?: FetchLike;
  /** The most redirects followed for one request (default 20, as fetch). */
  maxRedirects?: number;
  /** Verify every final response's signature with the server's key (mutual authentication). */
  verifyResponse?: ResponseVerificationOptions;
}

/** `RequestInit` members the wrapper sets itself; the rest are passed through to the underlying fetch. */
const OWN_INIT = new Set(['method', 'headers', 'body', 'redirect', 'signal', 'duplex']);

/**
 * A `fetch` that signs every request it sends, following redirects by re-signing each hop.
 * Bodies of every kind are read once (up to `maxBodyBytes`) so that `Content-Digest` covers exactly
 * the bytes sent.
 *
 * @example
 * ```ts
 * const fetch = signedFetch({ key: fileKeySource('/var/run/agent/key.jwk'), profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
 * await fetch('https://api.example/v1/orders', { method: 'POST', body: JSON.stringify(order), headers: { authorization: `Bearer ${token}` } });
 * ```
 * @throws SignetError `invalid_configuration` for bad options (at once, not on the first request).
 */
export function signedFetch(options: SignedFetchOptions): SignedFetch {
  const signer = new RequestSigner(options);
  const underlying = (options.fetch ?? globalThis.fetch) as unknown as (input: string, init: Record<string, unknown>) => Promise<Response>;
  if (typeof underlying !== 'function') throw new SignetError('invalid_configuration', 'signedFetch needs a fetch function (there is no globalThis.fetch).');
  const maxRedirects = options.maxRedirects ?? 20;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0) throw new SignetError('invalid_configuration', `maxRedirects must be a non-negative integer, got ${String(options.maxRedirects)}.`);
  const verification = options.verifyResponse;
  const resolver: KeyResolver | undefined = verification === undefined ? undefined : responseKeyResolver(verification);

  const fetchSigned = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = toRequest(input, init);
    const mode = request.redirect;
    const passthrough: Record<string, unknown> = {};
    if (init !== undefined) for (const [name, value] of Object.entries(init)) if (!OWN_INIT.has(name)) passthrough[name] = value;
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (signal !== undefined && signal !== null) passthrough.signal = signal;

    let hop: Hop = { method: request.method, url: request.url, headers: new Headers(request.headers), body: await readRequestBody(request, signer.maxBodyBytes) };
    for (let redirects = 0; ; redirects++) {
      const headers = await signer.signEntries(hop);
      const response = await underlying(hop.url, {
        ...passthrough,
        method: hop.method,
        headers,
        ...(hop.body === null ? {} : { body: hop.body }),
        redirect: 'manual',
      });
      const next = mode === 'follow' ? nextHop(hop, response.status, response.headers.get('location')) : undefined;
      if (next === undefined) {
        if (mode === 'error' && nextHop(hop, response.status, response.headers.get('location')) !== undefined) {
          await discard(response);
          throw new SignetError('redirect_failed', `${hop.method} ${hop.url} answered ${response.status} with a redirect, and the request's redirect mode is "error".`);
        }
        if (redirects > 0) Object.defineProperty(response, 'redirected', { value: true, enumerable: true });
        if (verification === undefined) return response;
        const sent: PlainRequest = { method: hop.method, url: hop.url, headers };
        return (await verifyResponse(response, sent, verification, resolver)).response;
      }
      await discard(response);
      if (redirects + 1 > maxRedirects) {
        throw new SignetError('redirect_failed', `${request.method} ${request.url}: more than ${maxRedirects} redirects (last: ${response.status} to ${next.url}).`);
      }
      hop = next;
    }
  };
  Object.defineProperty(fetchSigned, inspect.custom, { value: () => `signedFetch ${JSON.stringify(signer.toJSON())}` });
  Object.defineProperty(fetchSigned, 'toJSON', { value: () => ({ type: 'signedFetch', signer: signer.toJSON() }) });
  return fetchSigned;
}

async function discard(response: Response): Promise<void> {
  if (response.body !== null) await response.body.cancel().catch(() => undefined);
}
