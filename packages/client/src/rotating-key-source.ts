/**
 * A rotation plan: several keys, each with the window in which it signs. A key is published
 * `publishAheadSeconds` before its window opens (so verifiers that cached the directory already know
 * it when its first signature arrives) and stays published `graceSeconds` after its window closes
 * (so signatures made just before the switch still verify).
 * @module
 */
import { inspect } from 'node:util';
import { SignetError } from '@signet/core';
import { signingKey, type KeySource, type PublishedKey, type SigningKey, type StaticKeyInput } from './key-source.js';

/** One key of a rotation plan. Times are `Date`s or UNIX seconds. */
export interface RotationKey {
  readonly key: StaticKeyInput;
  /** The key signs from this instant… */
  readonly notBefore: Date | number;
  /** …until this one (exclusive). */
  readonly notAfter: Date | number;
}

/** Options of {@link rotatingKeySource}. */
export interface RotatingKeySourceOptions {
  readonly keys: readonly RotationKey[];
  /** Publish a key this many seconds before it starts signing (default 3600). */
  readonly publishAheadSeconds?: number;
  /** Keep a key published this many seconds after it stopped signing (default 3600). */
  readonly graceSeconds?: number;
  /** The clock, in UNIX seconds (default `Date.now() / 1000`). */
  readonly now?: () => number;
}

interface Entry {
  readonly key: SigningKey;
  readonly notBefore: number;
  readonly notAfter: number;
}

/**
 * A key source that follows a rotation plan. {@link KeySource.current} is the active key with the
 * latest `notBefore` (so an overlap hands over to the newer key); {@link KeySource.published} lists
 * every key within its publication window, with JWK `nbf` = `notBefore` and `exp` = `notAfter` +
 * grace (a verifier that honours `exp` must still accept the last signatures of the old key).
 * @throws SignetError `invalid_configuration` for an empty plan or an inverted window; `invalid_key` for a key that cannot sign.
 */
export function rotatingKeySource(options: RotatingKeySourceOptions): KeySource {
  return new RotatingKeySource(options);
}

class RotatingKeySource implements KeySource {
  readonly #entries: readonly Entry[];
  readonly #ahead: number;
  readonly #grace: number;
  readonly #now: () => number;

  constructor(options: RotatingKeySourceOptions) {
    if (!Array.isArray(options?.keys) || options.keys.length === 0) {
      throw new SignetError('invalid_configuration', 'rotatingKeySource needs at least one key in `keys`.');
    }
    this.#ahead = seconds(options.publishAheadSeconds ?? 3600, 'publishAheadSeconds');
    this.#grace = seconds(options.graceSeconds ?? 3600, 'graceSeconds');
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#entries = options.keys.map((entry, i) => {
      const notBefore = instant(entry.notBefore, `keys[${i}].notBefore`);
      const notAfter = instant(entry.notAfter, `keys[${i}].notAfter`);
      if (notAfter <= notBefore) throw new SignetError('invalid_configuration', `keys[${i}]: notAfter must be after notBefore.`);
      return { key: signingKey(entry.key), notBefore, notAfter };
    });
  }

  async current(): Promise<SigningKey> {
    const now = this.#now();
    let best: Entry | undefined;
    for (const entry of this.#entries) {
      if (entry.notBefore <= now && now < entry.notAfter && (best === undefined || entry.notBefore > best.notBefore)) best = entry;
    }
    if (best === undefined) {
      const next = this.#entries.filter((e) => e.notBefore > now).sort((a, b) => a.notBefore - b.notBefore)[0];
      throw new SignetError(
        'key_unavailable',
        `No key of the rotation plan is active at ${iso(now)}${next === undefined ? ' (every key has expired)' : ` (the next one starts at ${iso(next.notBefore)})`}.`,
      );
    }
    return best.key;
  }

  async published(): Promise<PublishedKey[]> {
    const now = this.#now();
    return this.#entries
      .filter((e) => e.notBefore - this.#ahead <= now && now < e.notAfter + this.#grace)
      .map((e) => ({ ...e.key, nbf: Math.floor(e.notBefore), exp: Math.ceil(e.notAfter + this.#grace) }));
  }

  /** Never the key material. */
  toJSON(): { type: 'rotatingKeySource'; keys: Array<{ keyid: string; notBefore: string; notAfter: string }> } {
    return {
      type: 'rotatingKeySource',
      keys: this.#entries.map((e) => ({ keyid: e.key.thumbprint, notBefore: iso(e.notBefore), notAfter: iso(e.notAfter) })),
    };
  }

  [inspect.custom](): string {
    return `KeySource ${JSON.stringify(this.toJSON())}`;
  }
}

function instant(value: Date | number, name: string): number {
  const s = value instanceof Date ? value.getTime() / 1000 : value;
  if (typeof s !== 'number' || !Number.isFinite(s)) throw new SignetError('invalid_configuration', `${name} must be a Date or UNIX seconds.`);
  return s;
}

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SignetError('invalid_configuration', `rotatingKeySource option ${name} must be a non-negative number of seconds.`);
  }
  return value;
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
