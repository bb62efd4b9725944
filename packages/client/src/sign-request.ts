/**
 * `signRequest`: sign one web `Request`.
 * @module
 */
import { readRequestBody } from './body.js';
import { createRequestSigner, type RequestSigner, type SigningOptions } from './signer.js';

/**
 * Signs `request` and returns a new `Request` carrying `Signature-Input`, `Signature`, the profile's
 * header and (when there is a body) `Content-Digest`. The body is read once, so `request` itself
 * cannot be sent afterwards: send the returned one.
 *
 * @example
 * ```ts
 * const signed = await signRequest(new Request('https://api.example/v1/items'), { key: ephemeralKey() });
 * await fetch(signed);
 * ```
 * @throws SignetError `body_too_large`, `key_unavailable`, `invalid_configuration`, …
 */
export async function signRequest(request: Request, options: SigningOptions | RequestSigner): Promise<Request> {
  const signer = createRequestSigner(options);
  const body = await readRequestBody(request, signer.maxBodyBytes);
  const headers = await signer.signEntries({ method: request.method, url: request.url, headers: request.headers, body });
  return new Request(request.url, {
    method: request.method,
    headers,
    body: body as BodyInit | null,
    redirect: request.redirect,
    signal: request.signal,
    credentials: request.credentials,
    cache: request.cache,
    mode: request.mode === 'navigate' ? 'same-origin' : request.mode,
    referrer: request.referrer,
    referrerPolicy: request.referrerPolicy,
    integrity: request.integrity,
    keepalive: request.keepalive,
  });
}
