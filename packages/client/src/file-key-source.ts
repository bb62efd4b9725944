/**
 * A key source backed by a key file that another process rotates (SPIFFE helpers, cert-manager,
 * a Kubernetes secret volume). The file is re-checked at most every `pollMs`; a new key is read,
 * parsed and test-signed before it replaces the old one, so no request is ever signed with a
 * half-written key. A bad read keeps the last good key and is retried, never remembered.
 * @module
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { SignetError, nodeCryptoBackend, type AlgorithmName, type Jwk, type KeyInput } from '@signet/core';
import { signingKey, type KeySource, type PublishedKey, type SigningKey } from './key-source.js';

/** The file system calls the source makes (replaceable in tests). */
export interface KeyFileSystem {
  /** Identifies the file's current version (e.g. inode, size, mtime); `undefined` forces a read. */
  version(path: string): Promise<string | undefined>;
  /** The file's text. */
  read(path: string): Promise<string>;
}

/** Options of {@link fileKeySource}. */
export interface FileKeySourceOptions {
  /** Re-check the file at most this often, in milliseconds (default 1000). The check is a `stat`; the file is read only when it changed. */
  pollMs?: number;
  /** The algorithm, for RSA keys whose file does not say (default rsa-pss-sha512). */
  alg?: AlgorithmName;
  /** How long a replaced key stays published, in seconds (default 600), so signatures made just before the rotation still verify. */
  graceSeconds?: number;
  /** The clock, in UNIX seconds (default `Date.now() / 1000`). */
  now?: () => number;
  /** The file system (default node:fs). */
  fs?: KeyFileSystem;
}

const nodeFs: KeyFileSystem = {
  async version(path) {
    const s = await stat(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  },
  read: (path) => readFile(path, 'utf8'),
};

/**
 * A key source that reads a private key (a JWK as JSON, or PEM) from `path` and picks up a rotated
 * file by itself. The first load happens on the first {@link KeySource.current} call; if it fails the
 * call throws `key_unavailable` and the next call tries again.
 */
export function fileKeySource(path: string, options: FileKeySourceOptions = {}): KeySource {
  return new FileKeySource(path, options);
}

interface Retired {
  readonly key: SigningKey;
  readonly until: number;
}

class FileKeySource implements KeySource {
  readonly #path: string;
  readonly #pollMs: number;
  readonly #alg: AlgorithmName | undefined;
  readonly #graceSeconds: number;
  readonly #now: () => number;
  readonly #fs: KeyFileSystem;
  #key: SigningKey | undefined;
  #retired: Retired[] = [];
  #version: string | undefined;
  #contentHash: string | undefined;
  #lastCheckMs = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | undefined;
  #lastError: SignetError | undefined;

  constructor(path: string, options: FileKeySourceOptions) {
    if (typeof path !== 'string' || path.length === 0) throw new SignetError('invalid_configuration', 'fileKeySource needs a file path.');
    this.#path = path;
    this.#pollMs = nonNegative(options.pollMs ?? 1000, 'pollMs');
    this.#alg = options.alg;
    this.#graceSeconds = nonNegative(options.graceSeconds ?? 600, 'graceSeconds');
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#fs = options.fs ?? nodeFs;
  }

  async current(): Promise<SigningKey> {
    await this.#refresh();
    if (this.#key === undefined) {
      throw new SignetError('key_unavailable', `No signing key could be loaded from ${this.#path}: ${this.#lastError?.message ?? 'the file has not been read'}`);
    }
    return this.#key;
  }

  async published(): Promise<PublishedKey[]> {
    await this.#refresh();
    const now = this.#now();
    this.#retired = this.#retired.filter((r) => r.until > now);
    const keys: PublishedKey[] = this.#key === undefined ? [] : [this.#key];
    for (const r of this.#retired) if (!keys.some((k) => k.thumbprint === r.key.thumbprint)) keys.push(r.key);
    return keys;
  }

  /** The last failed read, if the file is currently unreadable or invalid (the last good key is still in use). */
  get lastError(): SignetError | undefined {
    return this.#lastError;
  }

  #refresh(): Promise<void> {
    const nowMs = this.#now() * 1000;
    if (this.#key !== undefined && nowMs - this.#lastCheckMs < this.#pollMs) return Promise.resolve();
    this.#checking ??= this.#check(nowMs).finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(nowMs: number): Promise<void> {
    this.#lastCheckMs = nowMs;
    try {
      const version = await this.#fs.version(this.#path).catch((cause: NodeJS.ErrnoException) => {
        throw new SignetError('key_unavailable', `Key file ${this.#path} cannot be read (${cause.code ?? 'error'}).`);
      });
      if (version !== undefined && version === this.#version && this.#key !== undefined) return;
      const text = await this.#fs.read(this.#path).catch((cause: NodeJS.ErrnoException) => {
        throw new SignetError('key_unavailable', `Key file ${this.#path} cannot be read (${cause.code ?? 'error'}).`);
      });
      const hash = createHash('sha256').update(text).digest('base64url');
      if (hash === this.#contentHash && this.#key !== undefined) {
        this.#version = version;
        this.#lastError = undefined;
        return;
      }
      const key = await loadKey(text, this.#path, this.#alg);
      const previous = this.#key;
      if (previous !== undefined && previous.thumbprint !== key.thumbprint) {
        this.#retired.push({ key: previous, until: nowMs / 1000 + this.#graceSeconds });
      }
      this.#key = key; // the swap: one assignment, after the key was fully validated
      this.#version = version;
      this.#contentHash = hash;
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error instanceof SignetError ? error : new SignetError('key_unavailable', `Key file ${this.#path} could not be loaded.`);
      this.#version = undefined; // read again next time, even if the file looks unchanged
    }
  }

  /** Never the key material. */
  toJSON(): { type: 'fileKeySource'; path: string; keyid?: string } {
    return { type: 'fileKeySource', path: this.#path, ...(this.#key === undefined ? {} : { keyid: this.#key.thumbprint }) };
  }

  [inspect.custom](): string {
    return `KeySource ${JSON.stringify(this.toJSON())}`;
  }
}

const PROBE = new TextEncoder().encode('signet key file probe');

/** Parses, imports and test-signs a key file's text. Errors name the file, never its content. */
async function loadKey(text: string, path: string, alg: AlgorithmName | undefined): Promise<SigningKey> {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new SignetError('key_unavailable', `Key file ${path} is empty (it may be being written).`);
  let input: KeyInput;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new SignetError('key_unavailable', `Key file ${path} is not valid JSON (it may be half-written).`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SignetError('key_unavailable', `Key file ${path} must hold one JWK object.`);
    }
    input = parsed as Jwk;
  } else if (trimmed.startsWith('-----BEGIN') && /-----END [A-Z ]+-----$/.test(trimmed)) {
    input = trimmed;
  } else {
    throw new SignetError('key_unavailable', `Key file ${path} is neither a JWK (JSON) nor a complete PEM block (it may be half-written).`);
  }
  let key: SigningKey;
  try {
    key = signingKey(input, alg === undefined ? {} : { alg });
  } catch (error) {
    const reason = error instanceof SignetError ? error.message : 'the key could not be imported.';
    throw new SignetError('key_unavailable', `Key file ${path} holds no usable private key: ${reason}`);
  }
  const signer = key.signer as Parameters<typeof nodeCryptoBackend.sign>[1];
  const signature = await nodeCryptoBackend.sign(key.alg, signer, PROBE);
  if (!(await nodeCryptoBackend.verify(key.alg, key.publicKey, PROBE, signature))) {
    throw new SignetError('key_unavailable', `Key file ${path}: the key failed its test signature.`);
  }
  return key;
}

function nonNegative(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SignetError('invalid_configuration', `fileKeySource option ${name} must be a non-negative number, got ${String(value)}.`);
  }
  return value;
}
