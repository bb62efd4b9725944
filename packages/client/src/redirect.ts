/**
 * Following a redirect the way fetch does (WHATWG Fetch "HTTP-redirect fetch"), for a client that
 * must re-sign every hop: the next hop's method, URL, headers and body.
 * @module
 */
import { SignetError } from '@signet/core';

/** One hop of a request: what is signed and sent. */
export interface Hop {
  readonly method: string;
  readonly url: string;
  /** The caller's headers (without any signature). */
  readonly headers: Headers;
  readonly body: Uint8Array | null;
}

/** The redirect statuses fetch follows. */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location', 'content-length', 'content-digest'];

/** Credentials that must not follow a redirect to another origin (as browsers and undici do). */
const CROSS_ORIGIN_DROPPED = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * The next hop after a response with `status` and `location`, or `undefined` when the response is
 * not a redirect to follow (not a redirect status, or no Location).
 * - 301/302 after POST, and 303 after anything but GET/HEAD, become a GET without a body;
 * - 307/308 keep the method and the body;
 * - a hop to another origin drops `Authorization`, `Proxy-Authorization` and `Cookie`.
 * @throws SignetError `redirect_failed` for a Location that is not an http(s) URL.
 */
export function nextHop(hop: Hop, status: number, location: string | null): Hop | undefined {
  if (!REDIRECT_STATUSES.has(status) || location === null) return undefined;
  let target: URL;
  try {
    target = new URL(location, hop.url);
  } catch {
    throw new SignetError('redirect_failed', `${hop.method} ${hop.url}: the ${status} redirect's Location ${JSON.stringify(location)} is not a valid URL.`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new SignetError('redirect_failed', `${hop.method} ${hop.url}: the ${status} redirect goes to a ${target.protocol} URL; only http: and https: are followed.`);
  }
  const headers = new Headers(hop.headers);
  let { method, body } = hop;
  if (((status === 301 || status === 302) && method === 'POST') || (status === 303 && method !== 'GET' && method !== 'HEAD')) {
    method = 'GET';
    body = null;
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  if (target.origin !== new URL(hop.url).origin) for (const name of CROSS_ORIGIN_DROPPED) headers.delete(name);
  return { method, url: target.href, headers, body };
}
