/** Observations the steps assert (harness/observe.ts, harness/check.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectWithin, Mismatch } from "../harness/check";
import { Rng, VirtualClock } from "../harness/clock";
import { longestGap } from "../harness/observe";

test("longestGap measures the window's edges too, and ignores events outside it", () => {
  assert.equal(longestGap(0, [2000, 4000], 6000), 2);
  assert.equal(longestGap(0, [], 5000), 5, "no event: the whole window");
  assert.equal(longestGap(1000, [500, 2000, 9000], 3000), 1, "events before the start or after the end");
  assert.equal(longestGap(0, [1000, 7500], 8000), 6.5);
});

test("expectWithin returns the condition's value, or turns the budget into a Mismatch with Expected/Actual", async () => {
  const clock = new VirtualClock(new Rng(1));
  let n = 0;
  clock.setTimeout(() => {
    n = 3;
  }, 2000);
  assert.equal(
    await expectWithin(
      clock,
      5,
      () => n || undefined,
      "n set",
      () => `n=${n}`,
    ),
    3,
  );
  await assert.rejects(
    expectWithin(
      clock,
      1,
      () => n > 3,
      "n above 3 within 1 s",
      () => `n=${n}`,
    ),
    (e: Error) => e instanceof Mismatch && e.expected === "n above 3 within 1 s" && e.actual === "n=3",
  );
  await assert.rejects(
    expectWithin(
      clock,
      1,
      () => {
        throw new TypeError("a bug in the condition");
      },
      "x",
      () => "y",
    ),
    TypeError,
    "an error that is not the budget passes through",
  );
});
