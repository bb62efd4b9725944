/**
 * What a `signet` command is, and the exit codes every command shares.
 * @module
 */
import { SignetError } from '@signet/core';
import type { CliIo } from './io.js';

/** Exit code: the signature is valid, or the command succeeded. */
export const EXIT_OK = 0;
/** Exit code: a signature or a verification policy failed. */
export const EXIT_FAILURE = 1;
/** Exit code: bad usage (unknown command or option, missing argument) or unreadable input. */
export const EXIT_USAGE = 2;

/** One `signet` subcommand. */
export interface Command {
  /** The word after `signet`. */
  readonly name: string;
  /** One line for `signet --help`. */
  readonly summary: string;
  /** The full `--help` text: usage, options, an example. */
  readonly help: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** A command-line usage error (exit code 2), with what to do in the message. */
export function usageError(message: string): SignetError {
  return new SignetError('invalid_usage', message);
}

/** Error codes that mean the input could not be used at all (exit code 2), rather than a failed signature. */
const INPUT_CODES: ReadonlySet<string> = new Set(['invalid_usage', 'unreadable_input', 'invalid_message', 'invalid_key']);

/** The exit code for an error: 2 for usage and unreadable input, 1 for a signature or policy failure. */
export function exitCodeFor(error: unknown): number {
  return error instanceof SignetError && !INPUT_CODES.has(error.code) ? EXIT_FAILURE : EXIT_USAGE;
}
