/**
 * Retry pacing, judged from the times at which the probe master (or the proxy) saw attempts.
 */
import { expect } from "./check";

/**
 * Checks that consecutive attempts are `minS` to `maxS` seconds apart. With `windowEnd`, the
 * time from the last attempt to the end of the observation window must not exceed `maxS`
 * either (a slave that stopped retrying fails). Returns what is wrong, or undefined.
 */
export function pacingViolation(
  timesMs: number[],
  minS: number,
  maxS: number,
  windowEnd?: number,
): string | undefined {
  for (const [i, t] of timesMs.entries()) {
    const before = timesMs[i - 1];
    if (before === undefined) continue;
    const gap = (t - before) / 1000;
    if (gap < minS) return `attempts ${i} and ${i + 1} came ${gap.toFixed(3)} s apart (less than ${minS} s)`;
    if (gap > maxS)
      return `attempt ${i + 1} came ${gap.toFixed(3)} s after attempt ${i} (more than ${maxS} s)`;
  }
  const last = timesMs[timesMs.length - 1];
  if (windowEnd !== undefined && last !== undefined) {
    const tail = (windowEnd - last) / 1000;
    if (tail > maxS) return `no attempt in the last ${tail.toFixed(3)} s of the window (more than ${maxS} s)`;
  }
  return undefined;
}

/** "0.0 s, 3.1 s, ..." relative to `origin`, for error reports. */
export function timeline(timesMs: number[], origin: number): string {
  return timesMs.length ? timesMs.map((t) => `${((t - origin) / 1000).toFixed(2)} s`).join(", ") : "none";
}

/**
 * Whether attempts that began together are spread in time: the first attempts of K slaves must
 * span at least `minSpanS` seconds. Pika's whole-second 10 s gate puts eight slaves' attempts
 * within a few hundred milliseconds (about 1.3 s at worst, when the fault straddles a second
 * boundary), which no amount of load spreads to 2 s. Returns what is wrong, or undefined.
 */
export function spreadViolation(firstsMs: number[], minSpanS: number): string | undefined {
  if (firstsMs.length < 2) return `only ${firstsMs.length} first attempt(s) to compare`;
  const span = (Math.max(...firstsMs) - Math.min(...firstsMs)) / 1000;
  return span < minSpanS
    ? `${firstsMs.length} first attempts within ${span.toFixed(3)} s (less than ${minSpanS} s)`
    : undefined;
}

/**
 * `what` (e.g. "MetaSync") attempts at `timesMs`: at least `atLeast` and at most `atMost` of them,
 * each `minS` to `maxS` s after the previous one (and, with `windowEnd`, none missing at the end).
 * Fails with the first gap that is wrong and the timeline from `origin`.
 */
export function expectPaced(
  what: string,
  timesMs: number[],
  o: { atLeast?: number; atMost?: number; minS: number; maxS?: number; windowEnd?: number; origin: number },
): void {
  const maxS = o.maxS ?? Number.POSITIVE_INFINITY;
  const bad = pacingViolation(timesMs, o.minS, maxS, o.windowEnd);
  const n = timesMs.length;
  const count = [
    o.atLeast !== undefined && `at least ${o.atLeast}`,
    o.atMost !== undefined && `at most ${o.atMost}`,
  ]
    .filter(Boolean)
    .join(" and ");
  const apart = o.maxS === undefined ? `at least ${o.minS} s apart` : `${o.minS} s to ${o.maxS} s apart`;
  expect(
    n >= (o.atLeast ?? 0) && n <= (o.atMost ?? Number.POSITIVE_INFINITY) && !bad,
    `${count ? `${count} ` : ""}${what}, ${apart}`,
    () => `${bad ?? `${n} attempt(s)`}; at ${timeline(timesMs, o.origin)}`,
  );
}

/** The first attempts of slaves that failed together span at least `minSpanS` (see spreadViolation). */
export function expectSpread(firstsMs: number[], minSpanS: number, origin: number): void {
  const bad = spreadViolation(firstsMs, minSpanS);
  expect(
    !bad,
    `the first attempts span at least ${minSpanS} s`,
    () =>
      `${bad}; at ${timeline(
        [...firstsMs].sort((a, b) => a - b),
        origin,
      )}`,
  );
}
