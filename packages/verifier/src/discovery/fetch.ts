/**
 * One guarded GET with undici: admitted URL, vetted and pinned address, wall-clock timeout, streaming size
 * cap, no redirects, status 200 only. Every failure is a {@link DiscoveryError} naming the URL.
 * @module
 */
import { Agent, request, type Dispatcher } from 'undici';
import { AddressRefused, type EgressPolicy } from './egress.js';
import { DiscoveryError } from './errors.js';

/** A fetched document. Header names are lower-case; repeated fields are joined with `, `. */
export interface FetchedDocument {
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What one fetch needs. */
export interface FetchContext {
  readonly policy: EgressPolicy;
  /** Our pinned agent, or a caller's dispatcher (then addresses are vetted before, not pinned). */
  readonly dispatcher: Dispatcher;
  readonly pinned: boolean;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

/** The undici agent key discovery uses by default: connect through the vetting lookup, with timeouts. */
export function createPinnedAgent(policy: EgressPolicy, timeoutMs: number, ca?: string | Buffer | Array<string | Buffer>): Agent {
  return new Agent({
    connect: { timeout: timeoutMs, lookup: policy.netLookup, ...(ca === undefined ? {} : { ca }) },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
    connections: 16,
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Fetches `url` with `GET` and `Accept: accept`. @throws DiscoveryError */
export async function guardedFetch(url: string, accept: string, context: FetchContext): Promise<FetchedDocument> {
  const target = context.policy.admitUrl(url);
  if (!context.pinned) await vetUnpinned(url, target, context.policy);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), context.timeoutMs);
  const timedOut = (): DiscoveryError => new DiscoveryError('directory_unavailable', url, `timed out after ${context.timeoutMs} ms`);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(target, {
      method: 'GET',
      headers: { accept, 'user-agent': 'signet-verifier' },
      dispatcher: context.dispatcher,
      signal: controller.signal,
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
  } catch (error) {
    clearTimeout(timer);
    if (error instanceof AddressRefused) throw new DiscoveryError('fetch_not_allowed', url, error.reason);
    if (controller.signal.aborted) throw timedOut();
    throw new DiscoveryError('directory_unavailable', url, `network error: ${describe(error)}`, { cause: error });
  }
  const headers = flattenHeaders(response.headers);
  try {
    if (response.statusCode !== 200) {
      discard(response.body);
      if (REDIRECTS.has(response.statusCode)) {
        const location = headers.location ?? '(no Location)';
        throw new DiscoveryError('fetch_not_allowed', url, `answered ${response.statusCode} redirecting to ${location}; redirects are never followed`);
      }
      const retryAfter = response.statusCode === 429 || response.statusCode === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
      throw new DiscoveryError('directory_unavailable', url, `answered HTTP ${response.statusCode}; only 200 is accepted`, { retryAfterSeconds: retryAfter });
    }
    const declared = headers['content-length'];
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > context.maxBodyBytes) {
      discard(response.body);
      throw new DiscoveryError('directory_too_large', url, `Content-Length ${declared} exceeds the ${context.maxBodyBytes}-byte cap`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        const bytes = chunk as Buffer;
        size += bytes.length;
        if (size > context.maxBodyBytes) {
          discard(response.body);
          throw new DiscoveryError('directory_too_large', url, `body exceeds the ${context.maxBodyBytes}-byte cap (aborted after ${size} bytes)`);
        }
        chunks.push(bytes);
      }
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      if (controller.signal.aborted) throw timedOut();
      throw new DiscoveryError('directory_unavailable', url, `reading the body failed: ${describe(error)}`, { cause: error });
    }
    return { url, status: response.statusCode, headers, body: Buffer.concat(chunks, size) };
  } finally {
    clearTimeout(timer);
  }
}

/** Drops a body we will not read; errors from the dropped stream are of no interest. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function vetUnpinned(url: string, target: URL, policy: EgressPolicy): Promise<void> {
  try {
    await policy.resolveVetted(target.hostname);
  } catch (error) {
    if (error instanceof AddressRefused) throw new DiscoveryError('fetch_not_allowed', url, error.reason);
    throw new DiscoveryError('directory_unavailable', url, `cannot resolve ${target.hostname}: ${describe(error)}`, { cause: error });
  }
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** `Retry-After` as delay-seconds or an HTTP date, in seconds from now; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - nowMs) / 1000));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${error.message}` : error.message;
  }
  return String(error);
}
