/**
 * Raw HTTP/1.1 messages as text (CRLF or LF line ends), for the CLI, tests and debugging.
 * @module
 */
import { SignetError } from './errors.js';
import type { PlainRequest, PlainResponse } from './message.js';

/** A parsed raw message: a plain request or response whose headers keep every field line. */
export type ParsedHttpMessage = (PlainRequest & { headers: Array<[string, string]>; body: Uint8Array }) | (PlainResponse & { headers: Array<[string, string]>; body: Uint8Array });

/** Options for {@link parseHttpMessage}. */
export interface ParseHttpMessageOptions {
  /** The scheme of the request's URL: the text has only the Host field and the target (default `https`). */
  scheme?: 'https' | 'http';
}

/**
 * Parses a raw HTTP/1.1 request or response. A request's URL is the scheme, the Host field and the
 * request target (or the target itself in absolute form). Obsolete line folding is unfolded.
 * @throws SignetError `invalid_message`
 */
export function parseHttpMessage(raw: string | Uint8Array, options: ParseHttpMessageOptions = {}): ParsedHttpMessage {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  let headEnd = bytes.indexOf('\r\n\r\n');
  let bodyStart = headEnd + 4;
  const lfEnd = bytes.indexOf('\n\n');
  if (lfEnd !== -1 && (headEnd === -1 || lfEnd < headEnd)) {
    headEnd = lfEnd;
    bodyStart = lfEnd + 2;
  }
  if (headEnd === -1) {
    headEnd = bytes.length;
    bodyStart = bytes.length;
  }
  const lines = bytes.subarray(0, headEnd).toString('latin1').split(/\r?\n/);
  const startLine = lines.shift()?.trim() ?? '';
  const headers: Array<[string, string]> = [];
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers.at(-1);
      if (last === undefined) throw new SignetError('invalid_message', `Line ${index + 2}: a continuation line before any header.`);
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SignetError('invalid_message', `Line ${index + 2}: ${JSON.stringify(line)} is not a "Name: value" header.`);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const body = new Uint8Array(bytes.subarray(Math.min(bodyStart, bytes.length)));
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})(?: .*)?$/.exec(startLine);
  if (status !== null) return { status: Number(status[1]), headers, body };
  const request = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/\d(?:\.\d)?$/.exec(startLine);
  if (request === null) {
    throw new SignetError('invalid_message', `Line 1: ${JSON.stringify(startLine)} is neither a request line ("GET /path HTTP/1.1") nor a status line ("HTTP/1.1 200 OK").`);
  }
  const [, method, target] = request as unknown as [string, string, string];
  let url: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    url = target;
  } else {
    const host = headers.find(([name]) => name.toLowerCase() === 'host')?.[1];
    if (host === undefined) throw new SignetError('invalid_message', 'The request has no Host header, so its URL cannot be known.');
    if (!target.startsWith('/')) throw new SignetError('invalid_message', `Request target ${JSON.stringify(target)} is not in origin form (/path?query) or absolute form.`);
    url = `${options.scheme ?? 'https'}://${host}${target}`;
  }
  return { method, url, headers, body };
}

/** Writes a message back as raw HTTP/1.1 text with CRLF line ends. */
export function serializeHttpMessage(message: ParsedHttpMessage): string {
  let head: string;
  if ('status' in message) {
    head = `HTTP/1.1 ${message.status}`;
  } else {
    const url = new URL(message.url);
    head = `${message.method} ${url.pathname}${url.search} HTTP/1.1`;
  }
  const lines = message.headers.map(([name, value]) => `${name}: ${value}`);
  return `${head}\r\n${lines.join('\r\n')}\r\n\r\n${Buffer.from(message.body).toString('latin1')}`;
}
