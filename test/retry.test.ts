import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../harness/clock";
import { pacingViolation, timeline } from "../harness/pacing";
import { fixedGate, jitterBackoff, RETRY_MAX_MS, RETRY_MIN_MS } from "../harness/reference/retry";

test("jitterBackoff stays within 2 s and 12 s for every attempt number", () => {
  const rng = new Rng(7);
  for (let attempt = 1; attempt <= 40; attempt++) {
    for (let i = 0; i < 500; i++) {
      const d = jitterBackoff.delayMs(attempt, rng);
      assert.ok(d >= RETRY_MIN_MS && d < RETRY_MAX_MS, `attempt ${attempt}: ${d} ms`);
    }
  }
});

test("jitterBackoff's window widens: the first retry comes before 6 s, later ones reach past 10 s", () => {
  const rng = new Rng(11);
  const sample = (attempt: number) => Array.from({ length: 2000 }, () => jitterBackoff.delayMs(attempt, rng));
  assert.ok(Math.max(...sample(1)) < 6000 && Math.max(...sample(1)) > 5000);
  assert.ok(Math.max(...sample(5)) > 10_000);
  assert.ok(Math.min(...sample(5)) < 3000);
});

test("jitterBackoff spreads slaves that fail together: 16 slaves' first retries are not synchronised", () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rng = new Rng(seed);
    const firsts = Array.from({ length: 16 }, () => jitterBackoff.delayMs(1, rng)).sort((a, b) => a - b);
    const spread = firsts[firsts.length - 1] - firsts[0];
    assert.ok(spread > 1000, `seed ${seed}: 16 first retries within ${spread.toFixed(0)} ms of each other`);
    const sameMs = firsts.filter((d, i) => i > 0 && Math.abs(d - firsts[i - 1]) < 1).length;
    assert.ok(sameMs < 4, `seed ${seed}: ${sameMs} retries less than 1 ms apart`);
  }
});

test("the same seed gives the same delays", () => {
  const a = new Rng(99);
  const b = new Rng(99);
  for (let i = 1; i < 20; i++) assert.equal(jitterBackoff.delayMs(i, a), jitterBackoff.delayMs(i, b));
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
});
