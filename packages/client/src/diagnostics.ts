/**
 * Observability: every signature the client makes is published on the `node:diagnostics_channel`
 * channel `signet:client:sign` (only when someone subscribes). The message never holds key material.
 * @module
 */
import { channel } from 'node:diagnostics_channel';

/** The channel name. */
export const SIGN_CHANNEL = 'signet:client:sign';

/** What is published for each signature. */
export interface SignEvent {
  readonly label: string;
  /** The JWK thumbprint of the signing key. */
  readonly keyid: string;
  readonly alg: string;
  readonly profile: string;
  readonly method: string;
  readonly url: string;
  /** The covered component identifiers. */
  readonly covered: readonly string[];
  readonly created: number;
  readonly expires: number;
  /** Wall time spent signing (key lookup, digest, signature), in milliseconds. */
  readonly durationMs: number;
}

const signChannel = channel(SIGN_CHANNEL);

/** True when someone subscribed to {@link SIGN_CHANNEL} (only then is an event built, or its clock read). */
export function signListening(): boolean {
  return signChannel.hasSubscribers;
}

/** Publishes a sign event if anyone listens. */
export function publishSign(event: () => SignEvent): void {
  if (signChannel.hasSubscribers) signChannel.publish(event());
}
