/**
 * Helpers for the CLI tests: run the BUILT `signet` binary (never build here), and write the
 * published vectors out as raw HTTP messages and key files in a temporary directory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS, type AlgorithmName } from '@signet/core';
import type { Rfc9421Vectors, WebBotAuthCase } from '../support/vectors.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');

/** Fails with a clear message when the CLI was not built (the root `pnpm test` builds first). */
export function requireBuiltCli(): void {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: the CLI tests run the built binary. Run "pnpm build" first (the root "pnpm test" does).`);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to standard input (which is closed either way). */
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Runs `node packages/cli/dist/bin.js ...args`. */
export function signet(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  requireBuiltCli();
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, ...options.env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined); // the command may exit before reading
    child.stdin.end(options.input ?? '');
  });
}

/** A long-running `signet` process (`signet directory --serve`). */
export interface RunningSignet {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the first line of standard output (rejects if the process exits first). */
  readonly firstLine: Promise<string>;
  /** Resolves when the process has exited, with its exit code and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Standard output and error so far. */
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node packages/cli/dist/bin.js ...args` and leaves it running. */
export function startSignet(args: readonly string[]): RunningSignet {
  requireBuiltCli();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise) => child.on('close', (code, signal) => resolvePromise({ code, signal })));
  const firstLine = new Promise<string>((resolvePromise, reject) => {
    const onData = (): void => {
      const end = stdout.indexOf('\n');
      if (end === -1) return;
      child.stdout.off('data', onData);
      resolvePromise(stdout.slice(0, end));
    };
    child.stdout.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`signet ${args.join(' ')} exited (${code}) before printing a line:\n${stdout}\n${stderr}`)));
  });
  firstLine.catch(() => undefined); // observed by whoever awaits it
  return {
    child,
    firstLine,
    exited,
    output: () => ({ stdout, stderr }),
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Parses the stdout of `--json` output, with the run in the error when it is not JSON. */
export function json<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A temporary directory, removed by `cleanup()`. */
export function tempDir(): { dir: string; file(name: string, content: string | Buffer, mode?: number): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'signet-cli-'));
  return {
    dir,
    file(name, content, mode) {
      // Written beside and renamed, so that concurrent tests never read a half-written file.
      const path = join(dir, name);
      const partial = `${path}.${process.pid}-${Math.random().toString(36).slice(2)}`;
      writeFileSync(partial, content, mode === undefined ? undefined : { mode });
      renameSync(partial, path);
      return path;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw message with header lines added at the end of its header section (CRLF). */
export function withHeaders(raw: string, lines: readonly string[]): string {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) throw new Error('the vector message has no header/body separator');
  return `${raw.slice(0, end)}\r\n${lines.join('\r\n')}${raw.slice(end)}`;
}

/** An RFC 9421 vector case as a signed raw message: its message with its Signature-Input and Signature. */
export function signedRfcMessage(vectors: Rfc9421Vectors, c: Rfc9421Vectors['cases'][number]): string {
  const raw = vectors.messages[c.message];
  if (raw === undefined) throw new Error(`no vector message ${c.message}`);
  return withHeaders(raw, [`Signature-Input: ${c.signatureInput}`, `Signature: ${c.signature}`]);
}

/** The public JWK (with kid and the JOSE alg) of an RFC 9421 vector key; an oct JWK for the HMAC secret. */
export function rfcPublicJwk(vectors: Rfc9421Vectors, id: string): Record<string, string> {
  const entry = vectors.keys[id];
  if (entry === undefined) throw new Error(`no vector key ${id}`);
  const jose = ALGORITHMS[entry.alg as AlgorithmName].jose;
  if (entry.secretBase64 !== undefined) {
    return { kty: 'oct', k: Buffer.from(entry.secretBase64, 'base64').toString('base64url'), kid: id, alg: jose };
  }
  const jwk = createPublicKey(entry.publicPem as string).export({ format: 'jwk' }) as Record<string, string>;
  return { ...jwk, kid: id, alg: jose };
}

/** A Web Bot Auth architecture vector as a raw request. */
export function webBotAuthRequest(v: WebBotAuthCase): string {
  const url = new URL(v.target_url);
  return [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    ...(v.signature_agent === undefined ? [] : [`Signature-Agent: ${v.signature_agent}`]),
    `Signature-Input: ${v.signature_input}`,
    `Signature: ${v.signature}`,
    '',
    '',
  ].join('\r\n');
}

/** A JWK without its private members. */
export function publicOnly(jwk: Record<string, string>): Record<string, string> {
  const copy = { ...jwk };
  for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) delete copy[member];
  return copy;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for commands that take a port). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePromise(port));
    });
  });
}
