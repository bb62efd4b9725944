/**
 * Printing: error lines, colors (only on a terminal, never with `NO_COLOR`), times.
 * @module
 */
import { SignetError } from '@signet/core';
import type { CliIo } from './io.js';

/** `error <code>: <message>`, the one format of every error the CLI prints. */
export function formatError(error: unknown): string {
  if (error instanceof SignetError) return `error ${error.code}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `error internal: ${message} (this is a bug in signet, please report it)`;
}

/** Prints an error line (and an optional hint) on standard error. */
export function printError(io: CliIo, error: unknown, hint?: string): void {
  io.stderr(`${formatError(error)}\n${hint === undefined ? '' : `hint: ${hint}\n`}`);
}

/** True when color may be used: standard output is a terminal and `NO_COLOR` is unset or empty. */
export function colorEnabled(io: Pick<CliIo, 'stdoutIsTTY' | 'env'>): boolean {
  const noColor = io.env.NO_COLOR;
  return io.stdoutIsTTY && (noColor === undefined || noColor === '');
}

/** Text styles that are no-ops when color is off. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string): string => text;

/** The styles for `io`: ANSI colors on a terminal, plain text otherwise. */
export function styleFor(io: Pick<CliIo, 'stdoutIsTTY' | 'env'>): Style {
  if (!colorEnabled(io)) return { bold: plain, dim: plain, green: plain, red: plain, yellow: plain, cyan: plain };
  return { bold: sgr(1, 22), dim: sgr(2, 22), green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

/** UNIX seconds as an ISO 8601 UTC date, without milliseconds: `2021-04-20T02:07:53Z`. */
export function isoDate(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `(out of range)` : date.toISOString().replace('.000Z', 'Z');
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [365 * 86_400, 'y'],
  [86_400, 'd'],
  [3_600, 'h'],
  [60, 'min'],
  [1, 's'],
];

/** `at` relative to `now`: `in 5 min`, `3 d ago`, `now`. Rounded down to the largest unit. */
export function relativeTime(at: number, now: number): string {
  const delta = at - now;
  if (delta === 0) return 'now';
  const abs = Math.abs(delta);
  const [size, unit] = UNITS.find(([s]) => abs >= s) ?? [1, 's'];
  const amount = `${Math.floor(abs / size)} ${unit}`;
  return delta > 0 ? `in ${amount}` : `${amount} ago`;
}

/** A JSON string for display: `"abc"`. */
export function quote(text: string): string {
  return JSON.stringify(text);
}
