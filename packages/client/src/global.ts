/**
 * One line to sign all of a process's outgoing HTTP: install the signing interceptor on undici's
 * global dispatcher, which `undici.request`/`stream`/`fetch` and Node's own global `fetch` use.
 * @module
 */
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { signingInterceptor, type SigningInterceptorOptions } from './interceptor.js';

/** Options of {@link installGlobalSigning}. */
export interface GlobalSigningOptions extends SigningInterceptorOptions {
  /** The dispatcher to compose onto (default a new undici `Agent`). */
  dispatcher?: Dispatcher;
}

/**
 * Signs every request of the process from now on: sets undici's global dispatcher to
 * `dispatcher.compose(signingInterceptor(options))`. Node's global `fetch` follows redirects itself
 * through the same dispatcher, so each hop is signed (and it drops `Authorization` across origins).
 * Do not also wrap the global fetch in `signedFetch`: the request would be signed twice with the same label.
 *
 * @example
 * ```ts
 * installGlobalSigning({ key: fileKeySource('/run/secrets/agent-key.jwk'), profile: { name: 'web-bot-auth', signatureAgent: 'https://agent.example' } });
 * ```
 * @returns a function that restores the previous global dispatcher.
 */
export function installGlobalSigning(options: GlobalSigningOptions): () => void {
  const previous = getGlobalDispatcher();
  const base = options.dispatcher ?? new Agent();
  setGlobalDispatcher(base.compose(signingInterceptor(options)));
  return () => setGlobalDispatcher(previous);
}
