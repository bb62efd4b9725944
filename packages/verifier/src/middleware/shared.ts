/**
 * What the middleware share: a verifier from a Verifier or options, and the failure response as bytes.
 * @module
 */
import { Verifier, createVerifier } from '../verifier.js';
import type { VerifierOptions } from '../options.js';

/** A verifier, or the options to create one. */
export type VerifierInput = Verifier | VerifierOptions;

/** The verifier for a middleware. */
export function verifierOf(input: VerifierInput): Verifier {
  return input instanceof Verifier ? input : createVerifier(input);
}
