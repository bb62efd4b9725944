/**
 * Publishing the agent's keys at `/.well-known/http-message-signatures-directory`
 * (draft-meunier-http-message-signatures-directory, now in draft-ietf-webbotauth-httpsig-protocol):
 * a JWKS with public members only, `Content-Digest`, and one signature per key with
 * `tag="http-message-signatures-directory"` covering `"@authority";req` and `"content-digest"`.
 *
 * The signatures expire, so the response is re-signed by itself before they do, and its
 * `Cache-Control: max-age` is derived from the remaining signature lifetime: a cache never serves a
 * directory whose signatures have expired (the failure deployments ran into with 24 h CDN caching).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { SignetError, SignetKey, createDigest, nodeCryptoBackend, signMessage, type CryptoBackend, type Jwk, type Jwks, type Signer } from '@signet/core';
import { isKeySource, toKeySource, type KeySource, type PublishedKey, type StaticKeyInput } from './key-source.js';

/** The well-known path of the key directory. */
export const DIRECTORY_PATH = '/.well-known/http-message-signatures-directory';
/** The directory's media type. */
export const DIRECTORY_MEDIA_TYPE = 'application/http-message-signatures-directory+json';
/** The tag of directory response signatures. */
export const DIRECTORY_TAG = 'http-message-signatures-directory';

/** Options of {@link createDirectory}. */
export interface DirectoryOptions {
  /** The keys to publish: key sources (their `published()` keys) or key material. */
  keys: KeySource | StaticKeyInput | ReadonlyArray<KeySource | StaticKeyInput>;
  /** Lifetime of the response signatures, seconds (default 300, at most 86400). */
  signatureTtl?: number;
  /** Upper bound for `Cache-Control: max-age`, seconds (default 3600). The actual value is also below the remaining signature lifetime. */
  maxAge?: number;
  /** The clock, in UNIX seconds (default `Date.now() / 1000`). */
  now?: () => number;
  /** Serve only these authorities (`host[:port]`); others get 421. Default: any, signed for the authority asked for. */
  authorities?: readonly string[];
  /** The path served (default the well-known path). */
  path?: string;
  /** Called with an error that made the directory answer 503 (e.g. a key file that cannot be read). */
  onError?: (error: unknown) => void;
  /** The crypto backend (default node:crypto). */
  backend?: CryptoBackend;
}

/** A key directory: a fetch-style handler and a node:http handler. */
export interface Directory {
  /** Answers a web `Request` (GET or HEAD of the directory path). */
  fetch(request: Request): Promise<Response>;
  /** A node:http handler; `next` (if given) is called for other paths, as Express/Connect middleware. */
  node(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** The JWK Set published now. */
  jwks(): Promise<Jwks>;
}

interface SignedBody {
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly created: number;
  readonly expires: number;
}

/** Directory answers cached per authority, so that arbitrary Host headers cannot grow memory without bound. */
const MAX_CACHED_AUTHORITIES = 64;

/**
 * Creates a key directory.
 * @throws SignetError `invalid_configuration`
 */
export function createDirectory(options: DirectoryOptions): Directory {
  const sources = toSources(options.keys);
  const ttl = options.signatureTtl ?? 300;
  if (!Number.isFinite(ttl) || ttl < 10 || ttl > 86_400) throw new SignetError('invalid_configuration', `signatureTtl must be between 10 and 86400 seconds, got ${String(ttl)}.`);
  const maxAge = options.maxAge ?? 3600;
  if (!Number.isFinite(maxAge) || maxAge < 0) throw new SignetError('invalid_configuration', `maxAge must be a non-negative number of seconds, got ${String(maxAge)}.`);
  const now = options.now ?? (() => Date.now() / 1000);
  const path = options.path ?? DIRECTORY_PATH;
  const authorities = options.authorities === undefined ? undefined : new Set(options.authorities.map((a) => a.toLowerCase()));
  const backend = options.backend ?? nodeCryptoBackend;
  const cache = new Map<string, SignedBody>();
  const pending = new Map<string, Promise<SignedBody>>();
  /** Re-sign when less than this much signature lifetime is left. */
  const refreshBelow = Math.ceil(ttl / 2);
  /** Keep max-age this far below the remaining lifetime, for verifier clock skew and transit. */
  const margin = Math.ceil(ttl / 5);

  async function published(): Promise<PublishedKey[]> {
    const all = (await Promise.all(sources.map((s) => s.published()))).flat();
    const seen = new Set<string>();
    return all.filter((k) => !seen.has(k.thumbprint) && seen.add(k.thumbprint));
  }

  async function jwks(): Promise<Jwks> {
    return { keys: (await published()).map(directoryJwk) };
  }

  async function signed(authority: string): Promise<SignedBody> {
    const keys = await published();
    if (keys.length === 0) throw new SignetError('key_unavailable', 'The key directory has no key to publish.');
    const body = JSON.stringify({ keys: keys.map(directoryJwk) });
    const t = now();
    const cached = cache.get(authority);
    if (cached !== undefined && cached.body === body && cached.expires - t > refreshBelow && cached.created <= t) return cached;
    const created = Math.floor(t);
    const expires = created + Math.ceil(ttl);
    const digest = createDigest(body);
    const request = { method: 'GET', url: `https://${authority}${path}`, headers: {} };
    const response = { status: 200, headers: { 'content-digest': digest } };
    const inputs: string[] = [];
    const signatures: string[] = [];
    for (const [i, key] of keys.entries()) {
      const result = await signMessage(
        { request, response },
        {
          key: coreSigner(key, backend),
          label: `binding${i}`,
          components: ['"@authority";req', 'content-digest'],
          params: { created, keyid: key.thumbprint, alg: key.alg, expires, tag: DIRECTORY_TAG },
        },
      );
      inputs.push(result.signatureInput);
      signatures.push(result.signatureHeader);
    }
    const entry: SignedBody = {
      body,
      created,
      expires,
      headers: { 'content-digest': digest, 'signature-input': inputs.join(', '), signature: signatures.join(', ') },
    };
    if (!cache.has(authority) && cache.size >= MAX_CACHED_AUTHORITIES) cache.delete(cache.keys().next().value as string);
    cache.set(authority, entry);
    return entry;
  }

  /** One signing at a time per authority; concurrent requests share it. */
  function signedOnce(authority: string): Promise<SignedBody> {
    let p = pending.get(authority);
    if (p === undefined) {
      p = signed(authority).finally(() => pending.delete(authority));
      pending.set(authority, p);
    }
    return p;
  }

  interface Answer {
    status: number;
    headers: Record<string, string>;
    body: string | null;
  }

  async function answer(method: string, pathname: string, authority: string | undefined): Promise<Answer> {
    const text = (status: number, body: string, extra: Record<string, string> = {}): Answer => ({
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...extra },
      body: method === 'HEAD' ? null : body,
    });
    if (pathname !== path) return text(404, 'Not Found');
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    if (authority === undefined || authority === '') return text(400, 'Bad Request: no Host');
    const host = authority.toLowerCase();
    if (authorities !== undefined && !authorities.has(host)) return text(421, 'Misdirected Request');
    let entry: SignedBody;
    try {
      entry = await signedOnce(host);
    } catch (error) {
      options.onError?.(error);
      return text(503, 'Key directory temporarily unavailable', { 'retry-after': '5' });
    }
    const remaining = entry.expires - now();
    const age = Math.min(maxAge, Math.floor(remaining - margin));
    return {
      status: 200,
      headers: {
        'content-type': DIRECTORY_MEDIA_TYPE,
        'cache-control': age > 0 ? `max-age=${age}` : 'no-store',
        ...entry.headers,
      },
      body: method === 'HEAD' ? null : entry.body,
    };
  }

  const directory: Directory = {
    async fetch(request) {
      const url = new URL(request.url);
      const a = await answer(request.method, url.pathname, url.host);
      return new Response(a.body, { status: a.status, headers: a.headers });
    },
    node(req, res, next) {
      const pathname = (req.url ?? '/').split('?')[0] as string;
      if (pathname !== path && next !== undefined) {
        next();
        return;
      }
      const authority = req.headers.host ?? (req.headers[':authority'] as string | undefined);
      answer(req.method ?? 'GET', pathname, authority).then(
        (a) => {
          res.writeHead(a.status, a.headers);
          res.end(a.body ?? undefined);
        },
        (error: unknown) => {
          options.onError?.(error);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          res.end('Internal Server Error');
        },
      );
    },
    jwks,
  };
  Object.defineProperty(directory, 'toJSON', { value: () => ({ type: 'Directory', path, signatureTtl: ttl, maxAge }) });
  Object.defineProperty(directory, inspect.custom, { value: () => `Directory ${JSON.stringify({ path, signatureTtl: ttl, maxAge })}` });
  return directory;
}

/**
 * A published key as a directory JWK: public members only, `kid` = RFC 7638 thumbprint, `use: "sig"`,
 * and `nbf`/`exp` (UNIX seconds) when the key has a validity window. Member order follows the draft's example.
 */
export function directoryJwk(key: Pick<PublishedKey, 'publicKey' | 'thumbprint' | 'nbf' | 'exp'>): Jwk {
  const { kty, crv, ...material } = key.publicKey.publicJwk();
  const jwk: Jwk = { kty, ...(crv === undefined ? {} : { crv }), kid: key.thumbprint, ...material, use: 'sig' };
  if (key.nbf !== undefined) jwk.nbf = Math.floor(key.nbf);
  if (key.exp !== undefined) jwk.exp = Math.ceil(key.exp);
  return jwk;
}

function toSources(keys: DirectoryOptions['keys']): KeySource[] {
  if (keys === undefined || keys === null) throw new SignetError('invalid_configuration', 'createDirectory needs `keys`.');
  const list = Array.isArray(keys) && !isKeySource(keys) ? (keys as ReadonlyArray<KeySource | StaticKeyInput>) : [keys as KeySource | StaticKeyInput];
  if (list.length === 0) throw new SignetError('invalid_configuration', 'createDirectory needs at least one key.');
  return list.map((k) => toKeySource(k));
}

function coreSigner(key: PublishedKey, backend: CryptoBackend): Signer {
  const { signer, alg } = key;
  if (!(signer instanceof SignetKey)) return signer;
  return { alg, sign: (data) => backend.sign(alg, signer, data) };
}
