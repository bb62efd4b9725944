/**
 * Loopback fixture servers for key discovery tests: a real node:http server on 127.0.0.1 (port 0) whose routes
 * the test swaps at will, counting every request per path; and helpers that build signed directory responses
 * with core `signMessage`, exactly as a publisher does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createDigest, generateKey, signMessage, type Jwk, type SignetKey } from '@signet/core';
import { DIRECTORY_MEDIA_TYPE, DIRECTORY_PATH } from '../../src/discovery/index.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, fixture: Fixture) => unknown;

export interface Fixture {
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Routes by path (query ignored); swap them any time. */
  readonly routes: Map<string, Handler>;
  /** Requests seen, by path. */
  hits(path: string): number;
  /** Every request seen: method, path, Host header. */
  readonly log: Array<{ path: string; host: string | undefined }>;
  close(): Promise<void>;
}

/** A self-signed certificate for the given DNS names, made with the openssl command line. */
export function selfSignedCertificate(names: string[]): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'signet-tls-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
      '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    ], { stdio: 'pipe' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch (cause) {
    throw new Error('The https fixture needs the openssl command line (apt-get install openssl) to make a test certificate.', { cause });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a fixture server; with `tls`, it speaks https (origin `https://127.0.0.1:<port>`). */
export async function startFixture(routes: Record<string, Handler> = {}, options: { tls?: { key: string; cert: string } } = {}): Promise<Fixture> {
  const map = new Map(Object.entries(routes));
  const counts = new Map<string, number>();
  const log: Array<{ path: string; host: string | undefined }> = [];
  const sockets = new Set<import('node:net').Socket>();
  let fixture: Fixture;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    log.push({ path, host: req.headers.host });
    const handler = map.get(path);
    if (handler === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(handler(req, res, fixture)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(599).end(String(error));
      else res.destroy();
    });
  };
  const server: Server = options.tls === undefined ? createServer(listener) : createTlsServer(options.tls, listener);
  server.on('connection', (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fixture = {
    port,
    origin: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    routes: map,
    hits: (path) => counts.get(path) ?? 0,
    log,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fixture;
}

/** A response ready to send. */
export interface CannedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function send(res: ServerResponse, response: CannedResponse): void {
  res.writeHead(response.status, response.headers).end(response.body);
}

/** A handler that always sends the same response. */
export function fixed(response: CannedResponse): Handler {
  return (_req, res) => send(res, response);
}

/** A JSON response. */
export function json(body: unknown, headers: Record<string, string> = {}, status = 200): CannedResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** How to build a directory response. */
export interface DirectoryOptions {
  /** The URL the verifier fetches (its authority is signed with `;req`). */
  url: string;
  /** Keys published in the directory (public halves are published). */
  keys: SignetKey[];
  /** Keys that sign the response; default: every published key. */
  signers?: SignetKey[];
  /** UNIX seconds. */
  created: number;
  expires?: number;
  cacheControl?: string;
  mediaType?: string;
  /** Extra members per published JWK (nbf, exp, kid…), by index. */
  extra?: Array<Record<string, unknown>>;
  /** Extra raw JWKs to publish (unsigned). */
  rawKeys?: Jwk[];
  /** Components to cover (default the draft's). */
  components?: string[];
}

/** A signed directory response, the way a publisher builds one (one signature per key, label binding<i>). */
export async function signedDirectory(options: DirectoryOptions): Promise<CannedResponse> {
  const jwks = {
    keys: [
      ...options.keys.map((key, i) => ({ ...key.publicJwk(), kid: key.thumbprint, use: 'sig', ...(options.extra?.[i] ?? {}) })),
      ...(options.rawKeys ?? []),
    ],
  };
  const body = JSON.stringify(jwks);
  const headers: Record<string, string> = {
    'content-type': options.mediaType ?? DIRECTORY_MEDIA_TYPE,
    'content-digest': createDigest(body),
    'cache-control': options.cacheControl ?? 'max-age=300',
  };
  const inputs: string[] = [];
  const signatures: string[] = [];
  const signers = options.signers ?? options.keys;
  for (const [i, key] of signers.entries()) {
    const result = await signMessage(
      { request: { method: 'GET', url: options.url, headers: {} }, response: { status: 200, headers, body } },
      {
        key,
        label: `binding${i}`,
        components: options.components ?? ['"@authority";req', 'content-digest'],
        params: { created: options.created, keyid: key.thumbprint, alg: key.alg ?? 'ed25519', expires: options.expires ?? options.created + 300, tag: 'http-message-signatures-directory' },
      },
    );
    inputs.push(result.signatureInput);
    signatures.push(result.signatureHeader);
  }
  if (inputs.length > 0) {
    headers['signature-input'] = inputs.join(', ');
    headers.signature = signatures.join(', ');
  }
  return { status: 200, headers, body };
}

/** A handler that signs the directory afresh at each request, with the clock of the test. */
export function directoryHandler(keys: () => SignetKey[], nowSeconds: () => number, more: Partial<DirectoryOptions> = {}): Handler {
  return async (req, res, fixture) => {
    const scheme = fixture.origin.startsWith('https:') ? 'https' : 'http';
    const url = `${scheme}://${req.headers.host ?? `127.0.0.1:${fixture.port}`}${DIRECTORY_PATH}`;
    send(res, await signedDirectory({ url, keys: keys(), created: nowSeconds(), ...more }));
  };
}

/** A manual clock (ms). */
export class ManualClock {
  constructor(public ms: number = Date.UTC(2026, 10, 1)) {}
  readonly now = (): number => this.ms;
  readonly seconds = (): number => Math.floor(this.ms / 1000);
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

export { generateKey, DIRECTORY_PATH };
