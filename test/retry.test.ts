import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../harness/clock";
import { crowdViolation, pacingViolation, timeline } from "../harness/pacing";
import { fixedGate, fullJitter, RETRY_MAX_MS, RETRY_MIN_MS } from "../harness/reference/retry";

test("fullJitter stays within 2 s and 12 s for every attempt number", () => {
  const rng = new Rng(7);
  for (let attempt = 1; attempt <= 40; attempt++) {
    for (let i = 0; i < 500; i++) {
      const d = fullJitter.delayMs(attempt, rng);
      assert.ok(d >= RETRY_MIN_MS && d < RETRY_MAX_MS, `attempt ${attempt}: ${d} ms`);
    }
  }
});

test("fullJitter uses the whole window from the first retry on", () => {
  const rng = new Rng(11);
  for (const attempt of [1, 5]) {
    const sample = Array.from({ length: 2000 }, () => fullJitter.delayMs(attempt, rng));
    assert.ok(Math.max(...sample) > 11_500 && Math.min(...sample) < 2500, `attempt ${attempt}`);
  }
});

test("fullJitter spreads slaves that fail together: 16 slaves' first retries are not synchronised", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rng = new Rng(seed);
    const firsts = Array.from({ length: 16 }, () => fullJitter.delayMs(1, rng)).sort((a, b) => a - b);
    const first = firsts[0];
    const last = firsts[firsts.length - 1];
    assert.ok(first !== undefined && last !== undefined, `seed ${seed}: first retries drawn`);
    const spread = last - first;
    assert.ok(spread > 1000, `seed ${seed}: 16 first retries within ${spread.toFixed(0)} ms of each other`);
    let sameMs = 0;
    let previous: number | undefined;
    for (const d of firsts) {
      if (previous !== undefined && Math.abs(d - previous) < 1) sameMs++;
      previous = d;
    }
    assert.ok(sameMs < 4, `seed ${seed}: ${sameMs} retries less than 1 ms apart`);
  }
});

test("the same seed gives the same delays", () => {
  const a = new Rng(99);
  const b = new Rng(99);
  for (let i = 1; i < 20; i++) assert.equal(fullJitter.delayMs(i, a), fullJitter.delayMs(i, b));
});

test("fixedGate always waits its gate, like Pika's 10 s", () => {
  const rng = new Rng(1);
  assert.deepEqual(
    [1, 2, 9].map((a) => fixedGate().delayMs(a, rng)),
    [10_000, 10_000, 10_000],
  );
});

test("pacingViolation accepts gaps inside the bounds and names the first gap outside", () => {
  assert.equal(pacingViolation([0, 2000, 14_000, 29_000], 2, 15), undefined);
  assert.match(pacingViolation([0, 1999], 2, 15) ?? "", /1\.999 s apart \(less than 2 s\)/);
  assert.match(pacingViolation([0, 5000, 20_001], 2, 15) ?? "", /attempt 3 came 15\.001 s after attempt 2/);
  assert.equal(pacingViolation([], 2, 15, 100_000), undefined);
  assert.match(pacingViolation([0, 3000], 2, 15, 19_000) ?? "", /last 16\.000 s of the window/);
  assert.equal(pacingViolation([0, 3000], 2, 15, 18_000), undefined);
});

test("timeline prints times relative to the origin", () => {
  assert.equal(timeline([1000, 3500], 1000), "0.00 s, 2.50 s");
  assert.equal(timeline([], 0), "none");
  const many = Array.from({ length: 25 }, (_, i) => i * 100);
  assert.equal(
    timeline(many, 0),
    `${many
      .slice(0, 20)
      .map((t) => `${(t / 1000).toFixed(2)} s`)
      .join(", ")}, ... (5 more, the last at 2.40 s)`,
  );
});

test("crowdViolation counts the first attempts within any window, so one late straggler does not spread a crowd", () => {
  assert.equal(crowdViolation([1000, 2500, 3100, 6000], 1, 2), undefined);
  assert.match(crowdViolation([1000, 1600, 1900, 6000], 1, 2) ?? "", /^3 of 4 first attempts within 1 s$/);
  // Pika on a loaded machine: seven within 90 ms, one 2.5 s late. The span is over 2 s; the crowd is 7.
  const pika = [9310, 9320, 9340, 9360, 9360, 9370, 9400, 11_900];
  assert.match(crowdViolation(pika, 1, 6) ?? "", /^7 of 8 first attempts within 1 s$/);
  assert.match(crowdViolation([5000], 1, 6) ?? "", /only 1 first attempt/);
});

test("fullJitter puts seven of eight slaves' first retries within 1 s about 6 times in 100,000 runs", () => {
  let crowded = 0;
  for (let seed = 1; seed <= 20_000; seed++) {
    const rng = new Rng(seed * 2654435761);
    if (
      crowdViolation(
        Array.from({ length: 8 }, () => fullJitter.delayMs(1, rng)),
        1,
        6,
      )
    )
      crowded++;
  }
  assert.ok(crowded <= 4, `${crowded} of 20000 runs had seven or eight first retries within 1 s`);
});
