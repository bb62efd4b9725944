/**
 * Reading files and standard input, and raw HTTP messages from them.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { SignetError, parseHttpMessage, type ParsedHttpMessage, type PlainRequest } from '@signet/core';
import { usageError } from './command.js';
import type { CliIo } from './io.js';

/** Bytes read from a file or standard input, with a name for messages. */
export interface Input {
  readonly bytes: Buffer;
  /** The path, or `standard input`. */
  readonly name: string;
}

/**
 * Reads `file`, or standard input when `file` is undefined. An absent, unreadable or empty file is
 * `unreadable_input`; nothing to read on a terminal is `invalid_usage`.
 */
export async function readInput(io: CliIo, file: string | undefined, what: string, command: string): Promise<Input> {
  if (file === undefined) {
    if (io.stdinIsTTY) {
      throw usageError(`No ${what}: give a file, or pipe one in ("signet ${command} < request.http"). Run "signet ${command} --help" for an example.`);
    }
    const bytes = await io.readStdin();
    if (bytes.length === 0) throw new SignetError('unreadable_input', `Standard input is empty: expected ${what}.`);
    return { bytes, name: 'standard input' };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (cause as Error).message;
    throw new SignetError('unreadable_input', `Cannot read ${what} ${JSON.stringify(file)}: ${why}.`, { cause });
  }
  if (bytes.length === 0) throw new SignetError('unreadable_input', `${JSON.stringify(file)} is empty: expected ${what}.`);
  return { bytes, name: file };
}

/** A raw message read and parsed: a request, or a response (with its request when one was given). */
export interface ReadMessage {
  readonly message: ParsedHttpMessage;
  readonly raw: Buffer;
  readonly name: string;
}

/** Options for {@link readMessage}. */
export interface ReadMessageOptions {
  /** The message file; standard input when undefined. */
  file: string | undefined;
  /** The scheme of the request's URL (default `https`). */
  scheme?: 'https' | 'http' | undefined;
  /** For a response: the file of the request it answers (needed for `;req` components). */
  requestFile?: string | undefined;
  /** The command name, for messages. */
  command: string;
}

/** Reads and parses one raw HTTP/1.1 request or response (CRLF or LF line ends). */
export async function readMessage(io: CliIo, options: ReadMessageOptions): Promise<ReadMessage> {
  const input = await readInput(io, options.file, 'an HTTP message', options.command);
  const message = parseRaw(input, options.scheme);
  if (options.requestFile !== undefined) {
    if (!('status' in message)) throw usageError(`--request is for a response, but ${input.name} is a request.`);
    const requestInput = await readInput(io, options.requestFile, 'the HTTP request', options.command);
    const request = parseRaw(requestInput, options.scheme);
    if ('status' in request) throw usageError(`--request ${JSON.stringify(options.requestFile)} is a response; it must be the request that the response answers.`);
    return { message: { ...message, request: request as PlainRequest }, raw: input.bytes, name: input.name };
  }
  return { message, raw: input.bytes, name: input.name };
}

function parseRaw(input: Input, scheme: 'https' | 'http' | undefined): ParsedHttpMessage {
  try {
    return parseHttpMessage(input.bytes, { scheme: scheme ?? 'https' });
  } catch (error) {
    if (error instanceof SignetError) throw new SignetError(error.code, `${input.name}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** The bytes of a raw message with header lines added at the end of its header section, line ends kept. */
export function addHeaderLines(raw: Buffer, lines: readonly string[]): Buffer {
  const crlfEnd = raw.indexOf('\r\n\r\n');
  const lfEnd = raw.indexOf('\n\n');
  const useLf = lfEnd !== -1 && (crlfEnd === -1 || lfEnd < crlfEnd);
  const headEnd = useLf ? lfEnd : crlfEnd;
  const eol = useLf || (headEnd === -1 && !raw.includes('\r\n')) ? '\n' : '\r\n';
  const added = Buffer.from(lines.map((line) => `${line}${eol}`).join(''), 'latin1');
  if (headEnd === -1) {
    // A header section without its terminating empty line: end it.
    const text = raw.toString('latin1');
    const prefix = text.endsWith(eol) ? raw : Buffer.concat([raw, Buffer.from(eol, 'latin1')]);
    return Buffer.concat([prefix, added, Buffer.from(eol, 'latin1')]);
  }
  const at = headEnd + eol.length;
  return Buffer.concat([raw.subarray(0, at), added, raw.subarray(at)]);
}
