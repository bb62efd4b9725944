/**
 * Reading a request body to check its Content-Digest before the application sees it, chunk by chunk through
 * core's `DigestVerifier`, with a size cap. A node request gets its bytes back (the stream replays them); a web
 * `Request` is replaced by a new one with the same bytes.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { SignetError, type DigestVerifier } from '@signet/core';

/** A body given to `verify` directly (bytes or text), or a function that reads it. */
export type BodySource = Uint8Array | ArrayBuffer | string | (() => Promise<Uint8Array | ArrayBuffer | string> | Uint8Array | ArrayBuffer | string);

const encoder = new TextEncoder();

function tooLarge(size: number | string, max: number): SignetError {
  return new SignetError('body_too_large', `The request body (${size} bytes) is larger than the ${max} bytes the verifier buffers to check its Content-Digest.`);
}

/** The declared Content-Length, when it is a valid number. */
export function declaredLength(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/** Checks a body given as bytes or text (or read by a function). */
export async function checkGivenBody(source: BodySource, maxBytes: number, digest: DigestVerifier): Promise<Uint8Array> {
  const value = typeof source === 'function' ? await source() : source;
  const bytes = typeof value === 'string' ? encoder.encode(value) : value instanceof Uint8Array ? value : new Uint8Array(value);
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes);
  digest.update(bytes);
  digest.verify();
  return bytes;
}

/**
 * Reads a node request body, checks it, then puts the bytes back at the front of the stream so that whatever
 * reads the request next (a body parser, the application) gets the same bytes and its `end` event.
 * @throws SignetError `body_too_large`, `digest_mismatch`, `body_unavailable`, `invalid_message`
 */
export function readNodeBody(request: IncomingMessage, maxBytes: number, digest: DigestVerifier): Promise<Uint8Array> {
  const declared = declaredLength(request.headers['content-length']);
  if (declared !== undefined && declared > maxBytes) return Promise.reject(tooLarge(declared, maxBytes));
  if (declared === 0 || (declared === undefined && request.headers['transfer-encoding'] === undefined)) {
    // No body: nothing to read (and the stream is left untouched for the application).
    const empty = new Uint8Array(0);
    try {
      digest.update(empty).verify();
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve(empty);
  }
  if (request.readableEnded || request.destroyed || request.readableFlowing === true) {
    return Promise.reject(new SignetError('body_unavailable', 'The request body was already read (or is being read) by another middleware; mount the verifier before body parsers.'));
  }
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off('readable', onReadable);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const finish = (replay: boolean): void => {
      cleanup();
      const body = Buffer.concat(chunks, size);
      try {
        digest.verify();
      } catch (error) {
        reject(error);
        return;
      }
      // Synchronously, before the stream's end is emitted: the bytes go back to the front of the queue.
      if (replay && size > 0) request.unshift(body);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    };
    const onReadable = (): void => {
      let chunk: Buffer | string | null;
      while ((chunk = request.read() as Buffer | string | null) !== null) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buffer.length;
        if (size > maxBytes) {
          cleanup();
          reject(tooLarge(`more than ${maxBytes}`, maxBytes));
          return;
        }
        digest.update(buffer);
        chunks.push(buffer);
      }
      if (request.complete) finish(true);
    };
    const onEnd = (): void => finish(false);
    const onError = (error: Error): void => {
      cleanup();
      reject(new SignetError('invalid_message', `The request body could not be read: ${error.message}.`, { cause: error }));
    };
    const onClose = (): void => {
      if (request.complete) return;
      cleanup();
      reject(new SignetError('invalid_message', 'The client closed the connection before sending the whole body.'));
    };
    request.on('readable', onReadable);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Reads a web `Request` body through the digest check and returns the bytes with a new `Request` carrying them.
 * @throws SignetError `body_too_large`, `digest_mismatch`, `body_unavailable`
 */
export async function readWebBody(request: Request, maxBytes: number, digest: DigestVerifier): Promise<{ body: Uint8Array; request: Request }> {
  const declared = declaredLength(request.headers.get('content-length'));
  if (declared !== undefined && declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (request.bodyUsed) throw new SignetError('body_unavailable', 'The Request body was already read; the verifier must see it first (or pass { body }).');
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(`more than ${maxBytes}`, maxBytes);
      }
      digest.update(value);
      chunks.push(value);
    }
  }
  digest.verify();
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const method = request.method.toUpperCase();
  const replacement = method === 'GET' || method === 'HEAD' ? request : new Request(request, { body });
  return { body, request: replacement };
}
