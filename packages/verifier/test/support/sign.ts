/** Signing test requests with core's signMessage directly (the same engine the client uses). */
import { randomBytes } from 'node:crypto';
import { ALGORITHMS, createDigest, serializeSignatureKey, signMessage, type Jwk, type SignetKey } from '@signet/core';

export const NOW_MS = 1_795_000_000_000;
export const NOW = NOW_MS / 1000;

export interface SignSpec {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  key: SignetKey;
  label?: string;
  components: string[];
  params: Record<string, string | number | undefined>;
  /** Add a Content-Digest of the body. */
  digest?: boolean;
}

export interface SignedRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** Signs and returns the whole request (headers include Signature-Input and Signature). */
export async function sign(spec: SignSpec): Promise<SignedRequestSpec> {
  const method = spec.method ?? (spec.body === undefined ? 'GET' : 'POST');
  const headers: Record<string, string> = { ...(spec.headers ?? {}) };
  if (spec.digest === true) headers['content-digest'] = createDigest(spec.body ?? '');
  const signed = await signMessage({ method, url: spec.url, headers }, { key: spec.key, label: spec.label ?? 'sig1', components: spec.components, params: spec.params as never });
  headers['signature-input'] = headers['signature-input'] === undefined ? signed.signatureInput : `${headers['signature-input']}, ${signed.signatureInput}`;
  headers.signature = headers.signature === undefined ? signed.signatureHeader : `${headers.signature}, ${signed.signatureHeader}`;
  return { method, url: spec.url, headers, body: spec.body };
}

export function toRequest(spec: SignedRequestSpec): Request {
  return new Request(spec.url, { method: spec.method, headers: spec.headers, ...(spec.body === undefined ? {} : { body: spec.body as BodyInit }) });
}

export const nonce = (): string => randomBytes(32).toString('base64url');

export interface WbaSpec {
  url: string;
  key: SignetKey;
  agent?: string | undefined;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  extra?: string[];
  created?: number;
  expires?: number;
  nonce?: string | null;
  digest?: boolean;
  /** Cover the legacy bare "signature-agent" with a bare-string header. */
  legacy?: boolean;
}

/** A Web Bot Auth request: Signature-Agent sig1, keyid = thumbprint, tag web-bot-auth. */
export async function signWba(spec: WbaSpec): Promise<SignedRequestSpec> {
  const headers = { ...(spec.headers ?? {}) };
  const components = ['@authority'];
  if (spec.agent !== undefined) {
    headers['signature-agent'] = spec.legacy === true ? `"${spec.agent}"` : `sig1="${spec.agent}"`;
    components.push(spec.legacy === true ? 'signature-agent' : '"signature-agent";key="sig1"');
  }
  components.push(...(spec.extra ?? []));
  const created = spec.created ?? NOW;
  return sign({
    url: spec.url,
    method: spec.method,
    headers,
    body: spec.body,
    key: spec.key,
    components,
    digest: spec.digest,
    params: {
      created,
      expires: spec.expires ?? created + 60,
      keyid: spec.key.thumbprint,
      alg: spec.key.alg,
      nonce: spec.nonce === null ? undefined : spec.nonce ?? nonce(),
      tag: 'web-bot-auth',
    },
  });
}

export interface AAuthSpec {
  url: string;
  key: SignetKey;
  /** The Signature-Key member params (default hwk of `key`). */
  scheme?: string;
  params?: Record<string, string | boolean>;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  extra?: string[];
  components?: string[];
  created?: number;
  sigParams?: Record<string, string | number | undefined>;
  digest?: boolean;
}

/** The hwk parameters of a key (JOSE alg). */
export function hwkParams(key: SignetKey): Record<string, string> {
  const jwk = key.publicJwk() as Record<string, string>;
  return { ...jwk, alg: ALGORITHMS[key.alg ?? 'ed25519'].jose };
}

/** An AAuth request: Signature-Key sig1=<scheme>, covering @method @authority @path signature-key. */
export async function signAAuth(spec: AAuthSpec): Promise<SignedRequestSpec> {
  const headers = { ...(spec.headers ?? {}) };
  headers['signature-key'] = serializeSignatureKey([{ label: 'sig1', scheme: spec.scheme ?? 'hwk', params: spec.params ?? hwkParams(spec.key) }]);
  return sign({
    url: spec.url,
    method: spec.method,
    headers,
    body: spec.body,
    key: spec.key,
    digest: spec.digest,
    components: spec.components ?? ['@method', '@authority', '@path', 'signature-key', ...(spec.extra ?? [])],
    params: spec.sigParams ?? { created: spec.created ?? NOW },
  });
}

/** Signs with arbitrary parameters (e.g. a JOSE alg that signMessage would refuse), straight over core's base. */
export async function signRaw(spec: { method?: string; url: string; headers: Record<string, string>; key: SignetKey; components: string[]; params: Record<string, string | number> }): Promise<SignedRequestSpec> {
  const { createSignatureInput, signatureBase, component, serializeSignatureInputMember, serializeSignatureMember, exportPrivateJwk } = await import('@signet/core');
  const { createPrivateKey, sign: nodeSign } = await import('node:crypto');
  const method = spec.method ?? 'GET';
  const input = createSignatureInput('sig1', spec.components.map((c) => component(c)), Object.entries(spec.params));
  const base = signatureBase({ method, url: spec.url, headers: spec.headers } as never, input);
  const privateKey = createPrivateKey({ key: exportPrivateJwk(spec.key) as never, format: 'jwk' });
  const signature = nodeSign(spec.key.kty === 'OKP' ? null : 'sha256', Buffer.from(base), spec.key.kty === 'EC' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return { method, url: spec.url, headers: { ...spec.headers, 'signature-input': serializeSignatureInputMember(input), signature: serializeSignatureMember('sig1', signature) }, body: undefined };
}

/** A jose private key for a Signet key (for minting JWTs in tests). */
export async function joseKey(key: SignetKey): Promise<CryptoKey> {
  const { exportPrivateJwk } = await import('@signet/core');
  const { importJWK } = await import('jose');
  const jwk = exportPrivateJwk(key);
  return (await importJWK(jwk as never, jwk.alg)) as CryptoKey;
}

/** The public JWK with its JOSE alg. */
export function publicJwkWithAlg(key: SignetKey, extra: Record<string, string> = {}): Jwk {
  return { ...key.publicJwk(), alg: ALGORITHMS[key.alg ?? 'ed25519'].jose, ...extra };
}
