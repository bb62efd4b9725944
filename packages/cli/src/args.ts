/**
 * Command-line parsing on `node:util` `parseArgs`, with errors that say what to do.
 * @module
 */
import { parseArgs } from 'node:util';
import { isAlgorithmName, type AlgorithmName } from '@signet/core';
import { usageError } from './command.js';

/** The options of one command, as `parseArgs` takes them (`--help`/`-h` is added for every command). */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

type RawValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

/** True when `--help` or `-h` appears before a `--`. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}

/** The closest of `candidates` to `word` (at most 2 edits away, or starting with it), for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    if (word.length >= 3 && candidate.startsWith(word)) return candidate;
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Parsed arguments of one command, with typed accessors that throw `invalid_usage` errors. */
export class Args {
  readonly command: string;
  readonly positionals: readonly string[];
  readonly #values: RawValues;

  private constructor(command: string, values: RawValues, positionals: readonly string[]) {
    this.command = command;
    this.#values = values;
    this.positionals = positionals;
  }

  /**
   * Parses `args` for `signet <command>`: unknown options, missing values and extra positionals
   * are `invalid_usage` errors that name the option and point to `--help`.
   */
  static parse(command: string, options: OptionSpec, args: readonly string[], maxPositionals: number): Args {
    const help = `Run "signet ${command} --help" for its options and an example.`;
    let parsed: { values: RawValues; positionals: string[] };
    try {
      parsed = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true }) as {
        values: RawValues;
        positionals: string[];
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const message = (error as Error).message;
      // Node names the option as '--key', '-k, --key <value>' or '-x': take the long form when there is one.
      const option = /'(?:-[^-' ,], )?(-{1,2}[^' ,]+)/.exec(message)?.[1];
      if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
        const name = option.replace(/^-+/, '').split('=')[0] ?? '';
        const suggestion = closest(name, Object.keys(options));
        throw usageError(`Unknown option ${option} for "signet ${command}".${suggestion === undefined ? '' : ` Did you mean --${suggestion}?`} ${help}`);
      }
      if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
        const spec = options[option.replace(/^-+/, '')];
        if (spec?.type === 'boolean') throw usageError(`Option ${option} takes no value. ${help}`);
        throw usageError(`Option ${option} needs a value (a value starting with "-" is written ${option}=-value). ${help}`);
      }
      throw usageError(`${message} ${help}`);
    }
    if (parsed.positionals.length > maxPositionals) {
      const extra = parsed.positionals.slice(maxPositionals).map((p) => JSON.stringify(p)).join(' ');
      throw usageError(
        maxPositionals === 0
          ? `"signet ${command}" takes no file argument, got ${extra}. ${help}`
          : `Too many arguments for "signet ${command}": ${extra} (it reads one message: a file, or "-" for standard input). ${help}`,
      );
    }
    return new Args(command, parsed.values, parsed.positionals);
  }

  /** A string option, or `undefined`. */
  string(name: string): string | undefined {
    const value = this.#values[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** A required string option. */
  required(name: string, what: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw usageError(`"signet ${this.command}" needs --${name} ${what}. Run "signet ${this.command} --help" for an example.`);
    return value;
  }

  /** Every value of a repeatable string option. */
  strings(name: string): string[] {
    const value = this.#values[name];
    if (value === undefined) return [];
    return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  }

  /** A boolean flag. */
  flag(name: string): boolean {
    return this.#values[name] === true;
  }

  /** An option that must be one of `choices`. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) {
      const suggestion = closest(value, choices);
      throw usageError(`--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(value)}.${suggestion === undefined ? '' : ` Did you mean ${suggestion}?`}`);
    }
    return value as T;
  }

  /** A UNIX time in seconds (a non-negative integer). */
  seconds(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return parseSeconds(name, value);
  }

  /** An RFC 9421 algorithm name (`--alg`). */
  algorithm(name = 'alg'): AlgorithmName | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!isAlgorithmName(value)) {
      throw usageError(
        `--${name} must be an RFC 9421 algorithm: ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384, rsa-pss-sha512, rsa-v1_5-sha256 or hmac-sha256; got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  }

  /** The one optional message argument: a path, or `-` / absent for standard input. */
  messageFile(): string | undefined {
    const file = this.positionals[0];
    return file === undefined || file === '-' ? undefined : file;
  }
}

/** Parses UNIX seconds: digits only. */
export function parseSeconds(name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) {
    throw usageError(`--${name} must be a UNIX time in seconds, an integer like 1618884473; got ${JSON.stringify(value)}.`);
  }
  return Number(value);
}
