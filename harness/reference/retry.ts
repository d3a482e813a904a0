/**
 * MetaSync retry pacing of the reference slave.
 *
 * Pika waits a fixed 10 s between MetaSync attempts (3 s after a failed probe of P), so slaves
 * that lose their master together retry in lockstep. The reference uses full jitter instead:
 * every retry comes 2 s to 12 s after the previous attempt, uniformly, so attempts never come
 * closer than 2 s, never wait longer than 12 s, and spread out across slaves.
 */
import type { Rng } from "../clock";

export interface RetryPolicy {
  readonly name: string;
  /** Delay before retry number `attempt` (1 = the first retry after a failure), in ms. */
  delayMs(attempt: number, rng: Rng): number;
}

export const RETRY_MIN_MS = 2000;
export const RETRY_MAX_MS = 12000;

/**
 * Every retry waits uniformly in [2 s, 12 s): slaves that fail together spread their first
 * retries over 10 s (seven of eight fall within one second about 6 times in 100,000 runs).
 */
export const fullJitter: RetryPolicy = {
  name: "full-jitter",
  delayMs(_attempt, rng) {
    return RETRY_MIN_MS + rng.next() * (RETRY_MAX_MS - RETRY_MIN_MS);
  },
};

/** Pika's fixed gate (PIKA_META_SYNC_MAX_WAIT_TIME = 10 s), for the Pika profile. */
export const fixedGate = (ms = 10_000): RetryPolicy => ({
  name: `fixed-${ms / 1000}s`,
  delayMs: () => ms,
});
