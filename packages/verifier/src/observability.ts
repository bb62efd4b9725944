/**
 * Every decision on the `signet:verifier:decision` diagnostics channel, and counters.
 * @module
 */
import { channel } from 'node:diagnostics_channel';
import type { SignetErrorCode } from '@signet/core';
import type { Profile } from './types.js';

/** The name of the diagnostics channel that receives every {@link VerifierDecision}. */
export const DECISION_CHANNEL = 'signet:verifier:decision';

/** One verification decision, as published on {@link DECISION_CHANNEL}. */
export interface VerifierDecision {
  readonly outcome: 'accepted' | 'rejected';
  /** The error code of a rejection. */
  readonly code: SignetErrorCode | undefined;
  /** The agent id: verified when accepted; when rejected, the identity the request claimed, if it got that far. */
  readonly agent: string | undefined;
  /** The signature's keyid (as sent). */
  readonly keyid: string | undefined;
  /** The label of the signature examined. */
  readonly label: string | undefined;
  readonly profile: Profile | undefined;
  /** Time spent in `verify`, in ms. */
  readonly durationMs: number;
  readonly method: string | undefined;
  /** The absolute URL verified. */
  readonly url: string | undefined;
  /** The request object given to `verify` (to correlate with logs: remote address, request id…). */
  readonly request: unknown;
}

/** Counters since the verifier was created. */
export interface VerifierStats {
  readonly accepted: number;
  readonly rejected: number;
  /** Rejections by error code. */
  readonly rejectedByCode: Readonly<Partial<Record<SignetErrorCode, number>>>;
}

const decisions = channel(DECISION_CHANNEL);

/** Counts decisions and publishes them. */
export class DecisionRecorder {
  #accepted = 0;
  #rejected = 0;
  readonly #byCode = new Map<SignetErrorCode, number>();

  /** True when someone subscribed to the channel: only then is a decision built and published. */
  get listening(): boolean {
    return decisions.hasSubscribers;
  }

  /** The start time for `durationMs`: read only when someone listens (the clock read is not free). */
  start(): number {
    return decisions.hasSubscribers ? performance.now() : 0;
  }

  /** Counts a decision. */
  count(accepted: boolean, code: SignetErrorCode | undefined): void {
    if (accepted) this.#accepted++;
    else {
      this.#rejected++;
      if (code !== undefined) this.#byCode.set(code, (this.#byCode.get(code) ?? 0) + 1);
    }
  }

  /** Publishes a decision (call when {@link listening}); `startedAt` is what {@link start} returned. */
  publish(decision: Omit<VerifierDecision, 'durationMs'>, startedAt: number): void {
    decisions.publish({ ...decision, durationMs: startedAt === 0 ? 0 : performance.now() - startedAt } satisfies VerifierDecision);
  }

  /** A snapshot of the counters. */
  stats(): VerifierStats {
    return { accepted: this.#accepted, rejected: this.#rejected, rejectedByCode: Object.fromEntries(this.#byCode) };
  }
}
