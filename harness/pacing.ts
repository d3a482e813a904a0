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

/** How many times a timeline lists before it says how many more there were. */
const TIMELINE_MAX = 20;

/** "0.00 s, 3.10 s, ..." relative to `origin`, for error reports; past 20 times, the count and the last. */
export function timeline(timesMs: number[], origin: number): string {
  const at = (t: number) => `${((t - origin) / 1000).toFixed(2)} s`;
  if (!timesMs.length) return "none";
  if (timesMs.length <= TIMELINE_MAX) return timesMs.map(at).join(", ");
  const more = timesMs.length - TIMELINE_MAX;
  return `${timesMs.slice(0, TIMELINE_MAX).map(at).join(", ")}, ... (${more} more, the last at ${at(timesMs.at(-1) ?? 0)})`;
}

/**
 * Whether attempts that began together are spread in time: at most `most` of the first attempts
 * of K slaves may fall within any `windowS` seconds. Pika's whole-second 10 s gate puts eight
 * slaves' attempts within about 100 ms; a loaded machine (16 workers on 2 cores) can delay one or
 * two of them by seconds, so a check on the span of all of them (max - min) passed Pika now and
 * then. A crowd is robust to such stragglers. Returns what is wrong, or undefined.
 */
export function crowdViolation(firstsMs: number[], windowS: number, most: number): string | undefined {
  if (firstsMs.length <= most) return `only ${firstsMs.length} first attempt(s) to compare`;
  const sorted = [...firstsMs].sort((a, b) => a - b);
  let crowd = 0;
  for (const [i, t] of sorted.entries())
    crowd = Math.max(crowd, sorted.slice(i).filter((u) => u - t < windowS * 1000).length);
  return crowd > most ? `${crowd} of ${sorted.length} first attempts within ${windowS} s` : undefined;
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

/** At most `most` of the first attempts of slaves that failed together within any `windowS` (see crowdViolation). */
export function expectUncrowded(firstsMs: number[], most: number, windowS: number, origin: number): void {
  const bad = crowdViolation(firstsMs, windowS, most);
  expect(
    !bad,
    `at most ${most} of the first attempts within any ${windowS} s`,
    () =>
      `${bad}; at ${timeline(
        [...firstsMs].sort((a, b) => a - b),
        origin,
      )}`,
  );
}
