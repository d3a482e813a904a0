/**
 * The order scenarios run in: longest first, so that parallel workers finish together and a run
 * lasts little more than its longest scenario (on a real target the @slow ones last minutes of
 * real time). A scenario's length is estimated from its own text: the budgets of its "within N s"
 * and "during N s" steps are the most it can wait.
 */

/** The most a scenario can wait, in seconds, from its step texts; @slow ones come first whatever. */
export function estimateSeconds(tags: readonly string[], steps: readonly string[]): number {
  let s = 0;
  for (const text of steps)
    for (const m of text.matchAll(/\b(?:within|during) (\d+(?:\.\d+)?) s\b/g)) s += Number(m[1]);
  return tags.includes("@slow") ? s + 10_000 : s;
}

/** Longest first; equal estimates keep their defined order. */
export function longestFirst<T>(items: readonly T[], seconds: (t: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, s: seconds(item) }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.item);
}
