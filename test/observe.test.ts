/** Observations the steps assert (harness/observe.ts, harness/check.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectWithin, Mismatch } from "../harness/check";
import { Rng, VirtualClock } from "../harness/clock";
import { longestGap, noWritesDuring } from "../harness/observe";
import type { ProbeConnection } from "../harness/probe/slave";
import { encodeCommand, encodeItem } from "../harness/reference/binlog";
import { MsgType } from "../harness/wire";

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

test("noWritesDuring counts binlog items, not pings, and names the commands that came", async () => {
  const clock = new VirtualClock(new Rng(1));
  const header = { execTime: 0, termId: 0, logicId: 1, filenum: 0, offset: 0 };
  const chips: { binlog: Buffer }[] = [{ binlog: Buffer.alloc(0) }];
  const conn = {
    label: "A",
    responses: (type: MsgType) => (type === MsgType.kBinlogSync ? [{ type, binlogSync: chips }] : []),
  } as unknown as ProbeConnection;
  await noWritesDuring(clock, conn, 1);
  chips.push(
    { binlog: encodeItem(header, encodeCommand(["SET", "k", "v"])) },
    { binlog: Buffer.from("junk") },
  );
  await assert.rejects(
    noWritesDuring(clock, conn, 1),
    (e: Error) =>
      e instanceof Mismatch &&
      e.actual ===
        "2 binlog item(s) received: SET k v; 4 bytes (binlog item of 4 bytes, shorter than its 34-byte header)",
  );
});
