/**
 * MetaSync retry pacing of the reference slave.
 *
 * Pika waits a fixed 10 s between MetaSync attempts (3 s after a failed probe of P), so slaves
 * that lose their master together retry in lockstep. The reference uses backoff with full
 * jitter instead: every retry comes 2 s to 12 s after the previous attempt, the window
 * widening with each failure, so attempts never come closer than 2 s, never wait longer than
 * 12 s, and spread out across slaves.
 */
import type { Rng } from "../clock";

export interface RetryPolicy {
  readonly name: string;
  /** Delay before retry number `attempt` (1 = the first retry after a failure), in ms. */
  delayMs(attempt: number, rng: Rng): number;
}

export const RETRY_MIN_MS = 2000;
export const RETRY_MAX_MS = 12000;

/** Retry k waits uniformly in [2 s, 2 s + min(10 s, 4 s × 2^(k-1))): [2,6), [2,10), [2,12), [2,12), ... */
export const jitterBackoff: RetryPolicy = {
  name: "jitter-backoff",
  delayMs(attempt, rng) {
    const span = Math.min(RETRY_MAX_MS - RETRY_MIN_MS, 2 * RETRY_MIN_MS * 2 ** (Math.max(1, attempt) - 1));
    return RETRY_MIN_MS + rng.next() * span;
  },
};

/** Pika's fixed gate (PIKA_META_SYNC_MAX_WAIT_TIME = 10 s), for the Pika profile. */
export const fixedGate = (ms = 10_000): RetryPolicy => ({
  name: `fixed-${ms / 1000}s`,
  delayMs: () => ms,
});
