/** The longest-first order of scenarios (harness/spec/schedule.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { estimateSeconds, longestFirst } from "../harness/spec/schedule";

test("a scenario's estimate is the sum of its within and during budgets", () => {
  assert.equal(
    estimateSeconds(
      ["@must"],
      [
        "a master under test",
        "within 20 s INFO on the slave shows master_link_status:up",
        "during 2.5 s no MetaSync arrives",
        "within 1 s INFO on the master lists 0 connected slaves",
      ],
    ),
    23.5,
  );
  assert.equal(estimateSeconds([], ["the probe slave sends MetaSync on connection A"]), 0);
});

test("@slow scenarios come before every other, whatever their text says", () => {
  assert.ok(estimateSeconds(["@slow"], []) > estimateSeconds([], ["during 1000 s nothing"]));
});

test("longest first, and equal estimates keep their defined order", () => {
  const items = [
    { n: "a", s: 1 },
    { n: "b", s: 30 },
    { n: "c", s: 1 },
    { n: "d", s: 200 },
  ];
  assert.deepEqual(
    longestFirst(items, (i) => i.s).map((i) => i.n),
    ["d", "b", "a", "c"],
  );
});
