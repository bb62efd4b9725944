/**
 * What went wrong when `signet fetch` got no response, said plainly: fetch reports every network
 * failure as `TypeError: fetch failed`, with the socket error (ECONNREFUSED, ENOTFOUND, a TLS code)
 * in its `cause`.
 * @module
 */
import { SignetError } from '@signet/core';

/** The errno-style code of a fetch failure: its cause's, or the first of an AggregateError's (one per address tried). */
function causeCode(error: unknown): { code: string | undefined; message: string | undefined } {
  const cause = (error as { cause?: unknown }).cause as { code?: unknown; message?: unknown; errors?: unknown } | undefined;
  if (cause === undefined || cause === null || typeof cause !== 'object') return { code: undefined, message: undefined };
  const first = Array.isArray(cause.errors) ? (cause.errors[0] as { code?: unknown; message?: unknown } | undefined) : undefined;
  const code = typeof cause.code === 'string' ? cause.code : typeof first?.code === 'string' ? first.code : undefined;
  const raw = typeof cause.message === 'string' && cause.message !== '' ? cause.message : typeof first?.message === 'string' ? first.message : undefined;
  // OpenSSL messages run over several lines of library detail: keep the first.
  const message = raw?.split('\n')[0]?.trim();
  return { code, message: message === '' ? undefined : message };
}

/**
 * A `network_error` that says what failed and what to check, for an error thrown while sending a
 * request to `target` or reading its response; `undefined` when `error` is not a network failure
 * (a Signet error, or a bug).
 */
export function networkError(error: unknown, target: URL, timeoutSeconds: number): SignetError | undefined {
  if (error instanceof SignetError) return undefined;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    return new SignetError('network_error', `No complete response from ${target.host} within ${timeoutSeconds} s: is the server up? For a slow one, raise --timeout.`);
  }
  if (!(error instanceof TypeError) || (error as { cause?: unknown }).cause === undefined) return undefined;
  const { code, message } = causeCode(error);
  const host = target.host;
  const detail = `${code ?? 'no code'}${message === undefined ? '' : `: ${message}`}`;
  let text: string;
  switch (code) {
    case 'ECONNREFUSED':
      text = `Cannot connect to ${host}: connection refused. Is the server running, on that port, and is the URL right?`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      text = `Cannot resolve the host name "${target.hostname}": check the URL (and the DNS of this machine).`;
      break;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      text = `The connection to ${host} was closed before a complete response (${detail}). Is the server healthy? Does it speak ${target.protocol === 'https:' ? 'https' : 'plain http'} on that port?`;
      break;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      text = `${host} did not answer in time (${detail}): is the server up, and reachable from here?`;
      break;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      text = `${host} is unreachable from this machine (${detail}): check the URL and the network.`;
      break;
    default:
      if (code === undefined && message === 'bad port') {
        text = `fetch refuses to connect to port ${target.port}: it is on the fetch standard's list of blocked ports (it belongs to another protocol). Use another port.`;
      } else if (code !== undefined && /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST/.test(code)) {
        text = `TLS with ${host} failed (${code}): the server does not seem to speak https on that port; for a plain http server use ${target.href.replace(/^https:/, 'http:')}`;
      } else if (code !== undefined && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_/.test(code)) {
        text = `TLS with ${host} failed (${detail}). For a server whose certificate comes from a private CA, set NODE_EXTRA_CA_CERTS=ca.pem.`;
      } else {
        text = `The request to ${host} failed (${detail}).`;
      }
  }
  return new SignetError('network_error', text, { cause: error });
}
