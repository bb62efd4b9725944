/**
 * Mutual authentication: verify that a response was signed by the server's key and bound to the
 * request it answers (components with `;req`), and that its body matches its `Content-Digest`.
 * @module
 */
import {
  SignetError,
  SignetKey,
  VerificationError,
  component,
  serializeComponent,
  verifyDigest,
  verifyMessage,
  type Jwk,
  type Jwks,
  type KeyInput,
  type KeyResolver,
  type PlainRequest,
  type VerifiedSignature,
} from '@signet/core';
import { DEFAULT_MAX_BODY_BYTES, readWebStream } from './body.js';
import { safeImport } from './key-source.js';

/** How responses are verified. */
export interface ResponseVerificationOptions {
  /** The server's public key. */
  key?: KeyInput;
  /** Several keys (a JWKS or a list): the one whose thumbprint or `kid` equals the signature's `keyid`. */
  keys?: Jwks | readonly KeyInput[];
  /** Or a function that finds the key. */
  resolver?: KeyResolver;
  /** Verify the signature with this label (default: by `tag`, else the first). */
  label?: string;
  /** Require this `tag`. */
  tag?: string;
  /** Components the signature must cover (default `["@status"]`). */
  requiredComponents?: readonly string[];
  /** Require at least one component with `;req`, so a response cannot be replayed for another request (default true). */
  requireRequestBinding?: boolean;
  /** Require a covered `Content-Digest` on a non-empty body (default true); a covered digest is always checked. */
  requireContentDigest?: boolean;
  /** The largest response body buffered to check its digest (default 10 MiB). */
  maxBodyBytes?: number;
  /** Allowed clock skew, seconds (default 30). */
  skew?: number;
  /** Maximum `expires - created`, seconds. */
  maxLifetime?: number;
  /** The clock, in UNIX seconds. */
  now?: () => number;
}

/** A response that verified, with its (re-buffered, when its digest was checked) body. */
export interface VerifiedResponse {
  readonly response: Response;
  readonly signature: VerifiedSignature;
}

/** Builds the key resolver for the options once. @throws SignetError `invalid_configuration` */
export function responseKeyResolver(options: ResponseVerificationOptions): KeyResolver {
  if (options.resolver !== undefined) return options.resolver;
  const inputs: KeyInput[] = [];
  if (options.key !== undefined) inputs.push(options.key);
  if (options.keys !== undefined) inputs.push(...(Array.isArray(options.keys) ? options.keys : (options.keys as Jwks).keys));
  if (inputs.length === 0) throw new SignetError('invalid_configuration', 'verifyResponse needs a key, keys or a resolver.');
  const keys = inputs.map((input) => {
    const imported = safeImport(input as KeyInput);
    return { key: imported.type === 'private' ? imported.toPublic() : imported, kid: typeof (input as Jwk).kid === 'string' ? (input as Jwk).kid : imported.kid };
  });
  return (input) => {
    const keyid = input.params.keyid;
    if (keyid === undefined) {
      if (keys.length === 1) return (keys[0] as { key: SignetKey }).key;
      throw new SignetError('unknown_key', `Response signature "${input.label}" has no keyid, and there are ${keys.length} server keys to choose from.`);
    }
    const found = keys.find((k) => k.kid === keyid || (k.key.type !== 'secret' && k.key.thumbprint === keyid));
    if (found === undefined) throw new SignetError('unknown_key', `Response signature "${input.label}" has keyid "${keyid}", which is not one of the server keys.`);
    return found.key;
  };
}

/**
 * Verifies `response` as the answer to `request` (the request exactly as sent, signature included).
 * @returns the response (a re-buffered copy when its body was read) and the verified signature.
 * @throws VerificationError `missing_signature` (unsigned), `signature_invalid`, `missing_required_component`, `digest_mismatch`, …
 */
export async function verifyResponse(
  response: Response,
  request: PlainRequest,
  options: ResponseVerificationOptions,
  resolver: KeyResolver = responseKeyResolver(options),
): Promise<VerifiedResponse> {
  const where = `Response ${response.status} to ${request.method} ${String(request.url)}`;
  try {
    const plainResponse = { status: response.status, headers: [...response.headers] as Array<[string, string]> };
    const signature = await verifyMessage(
      { request, response: plainResponse },
      {
        key: resolver,
        ...(options.label === undefined ? {} : { label: options.label }),
        ...(options.tag === undefined ? {} : { tag: options.tag }),
        requiredComponents: options.requiredComponents ?? ['@status'],
        ...(options.skew === undefined ? {} : { skew: options.skew }),
        ...(options.maxLifetime === undefined ? {} : { maxLifetime: options.maxLifetime }),
        ...(options.now === undefined ? {} : { now: options.now }),
      },
    );
    if ((options.requireRequestBinding ?? true) && !signature.input.components.some((c) => c.params.has('req'))) {
      throw new SignetError('missing_required_component', `Signature "${signature.label}" covers no request component (;req): it does not bind the response to this request.`);
    }
    const digestCovered = signature.covered.includes(serializeComponent(component('content-digest')));
    if (!digestCovered && !(options.requireContentDigest ?? true)) return { response, signature };
    const bytes = response.body === null ? new Uint8Array(0) : await readWebStream(response.body as ReadableStream<unknown>, options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, where);
    if (digestCovered) verifyDigest(response.headers.get('content-digest') ?? '', bytes);
    else if (bytes.byteLength > 0) {
      throw new SignetError('missing_required_component', `Signature "${signature.label}" does not cover content-digest, so the ${bytes.byteLength}-byte body is not authenticated.`);
    }
    return { response: rebuffer(response, bytes), signature };
  } catch (error) {
    if (response.body !== null && !response.bodyUsed) await response.body.cancel().catch(() => undefined);
    if (error instanceof SignetError) throw new VerificationError(error.code, `${where}: ${error.message}`);
    throw error;
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** A copy of `response` with `bytes` as its body, of the same class, keeping `url` and `redirected`. */
function rebuffer(response: Response, bytes: Uint8Array): Response {
  const ResponseClass = response.constructor as typeof Response;
  const copy = new ResponseClass(NULL_BODY_STATUSES.has(response.status) ? null : (bytes as BodyInit), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  Object.defineProperty(copy, 'url', { value: response.url, enumerable: true });
  Object.defineProperty(copy, 'redirected', { value: response.redirected, enumerable: true });
  return copy;
}
