/** Loopback servers for the client tests: they record what arrived and verify it with @signet/core. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDigest,
  importJwk,
  parseSignatureKey,
  verifyMessage,
  type Jwk,
  type PlainRequest,
  type SignetKey,
  type VerifiedSignature,
  type VerifyOptions,
} from '@signet/core';

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Check {
  ok: boolean;
  code?: string;
  message?: string;
  digestOk?: boolean;
  covered?: readonly string[];
  params?: Record<string, unknown>;
  keyid?: string;
}

export interface TestServer {
  url: string;
  origin: string;
  port: number;
  server: Server;
  received: Received[];
  checks: Check[];
  close(): Promise<void>;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function plainRequest(req: IncomingMessage, body?: Buffer): PlainRequest {
  return { method: req.method ?? 'GET', url: `http://${req.headers.host}${req.url}`, headers: req.headers as Record<string, string | string[]>, body };
}

/**
 * How the server finds the verifying key: by keyid among `keys` (thumbprints), or from an hwk
 * Signature-Key member.
 */
export function keyResolver(keys: () => readonly SignetKey[]): VerifyOptions['key'] {
  return (input, view) => {
    const sk = view.fieldLines('signature-key');
    if (sk !== undefined) {
      const member = parseSignatureKey(sk.join(', ')).get(input.label);
      if (member?.scheme === 'hwk') {
        const { alg: _alg, ...jwk } = member.params as Record<string, string>;
        return importJwk(jwk as Jwk);
      }
      const kid = member?.params.kid;
      const byKid = keys().find((k) => k.thumbprint === kid);
      if (byKid !== undefined) return byKid;
      if (keys().length === 1) return keys()[0] as SignetKey;
    }
    const found = keys().find((k) => k.thumbprint === input.params.keyid);
    if (found === undefined) throw Object.assign(new Error(`unknown keyid ${String(input.params.keyid)}`), { code: 'unknown_key' });
    return found;
  };
}

/** Verifies a received request like a strict server: digest over the bytes received, then the signature. */
export async function checkRequest(req: IncomingMessage, body: Buffer, key: VerifyOptions['key'], extra: Partial<VerifyOptions> = {}): Promise<Check> {
  const digestHeader = req.headers['content-digest'] as string | undefined;
  const digestOk = digestHeader === undefined ? undefined : digestHeader === createDigest(body);
  try {
    const result: VerifiedSignature = await verifyMessage(plainRequest(req), { key, ...extra });
    return {
      ok: digestOk !== false,
      ...(digestOk === undefined ? {} : { digestOk }),
      covered: result.covered,
      params: Object.fromEntries(result.input.parameters),
      keyid: result.key.thumbprint,
      ...(digestOk === false ? { code: 'digest_mismatch', message: `digest ${digestHeader} != ${createDigest(body)}` } : {}),
    };
  } catch (error) {
    const e = error as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'error', message: e.message ?? String(error), ...(digestOk === undefined ? {} : { digestOk }) };
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const checks: Check[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
        await handler(req, res, body);
      })
      .catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    port,
    server,
    received,
    checks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A server that verifies every request it gets and answers the check as JSON. `/redirect?status=&to=`
 * answers a redirect (after verifying). Checks are kept in `checks`.
 */
export async function verifyingServer(keys: () => readonly SignetKey[], extra: Partial<VerifyOptions> = {}): Promise<TestServer> {
  let checks: Check[] = [];
  const s = await startServer(async (req, res, body) => {
    const check = await checkRequest(req, body, keyResolver(keys), extra);
    checks.push(check);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/redirect') {
      res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: url.searchParams.get('to') ?? '/' });
      res.end('redirecting');
      return;
    }
    res.writeHead(check.ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...check, method: req.method, bytes: body.length }));
  });
  checks = s.checks;
  return s;
}
