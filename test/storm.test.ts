import assert from "node:assert/strict";
import { test } from "node:test";
import { XMLValidator } from "fast-xml-parser";
import { behaviourOf } from "../harness/reference/behaviour";
import { roundTicks, timelineSvg } from "../harness/report/timeline";
import { firstAttemptSpread, halfOpenCase, lostFrameCase, stormCase } from "../harness/storm";
import { ReferenceTarget } from "../harness/targets/reference";

test("half-open: the reference is back with one MetaSync; the kOther variant loops until the 180 s idle close", async () => {
  {
    await using t = new ReferenceTarget(1);
    const r = await halfOpenCase(t);
    const [recovery] = r.recoveries;
    assert.ok(recovery, "one recovery measured");
    assert.equal(recovery.attempts, 1);
    assert.ok((recovery.recoveredS ?? 99) < 12.5); // the first retry comes 2 s to 12 s after the fault
    // The 200 writes, half of them made while the link was down: all there, none twice.
    assert.deepEqual(
      r.data.map(({ written, lost, appliedTwice }) => ({ written, lost, appliedTwice })),
      [{ written: 200, lost: 0, appliedTwice: 0 }],
    );
    assert.ok((r.data[0]?.convergedS ?? 99) <= (recovery.recoveredS ?? 0) + 1);
  }
  {
    await using t = new ReferenceTarget(1, behaviourOf("pika-4.0"));
    const r = await halfOpenCase(t);
    const [recovery] = r.recoveries;
    assert.ok(recovery, "one recovery measured");
    assert.ok(recovery.attempts >= 17, `${recovery.attempts} attempts`);
    const s = recovery.recoveredS ?? 0;
    assert.ok(s >= 180 && s <= 195, `recovered after ${s} s`);
  }
});

test("storm: the reference's slaves spread out; Pika's fixed gate sends all 8 at the same instant", async () => {
  {
    await using t = new ReferenceTarget(2);
    const r = await stormCase(t, 8);
    assert.ok(r.recoveries.every((x) => x.attempts === 1 && x.recoveredS !== undefined));
    assert.ok((firstAttemptSpread(r.recoveries) ?? 0) > 0.5);
  }
  {
    await using t = new ReferenceTarget(2, behaviourOf("pika-4.0"));
    const r = await stormCase(t, 8);
    assert.equal(firstAttemptSpread(r.recoveries), 0);
  }
});

test("lost frame: the reference resyncs from its own position; the pika-4.0 profile applies past the gap and loses writes", async () => {
  {
    await using t = new ReferenceTarget(3);
    const r = await lostFrameCase(t);
    assert.deepEqual(
      r.data.map(({ written, lost, appliedTwice }) => ({ written, lost, appliedTwice })),
      [{ written: 200, lost: 0, appliedTwice: 0 }],
    );
  }
  {
    await using t = new ReferenceTarget(3, behaviourOf("pika-4.0"));
    const r = await lostFrameCase(t);
    assert.ok((r.data[0]?.lost ?? 0) > 0, `lost ${r.data[0]?.lost}`);
    assert.equal(r.data[0]?.convergedS, undefined);
  }
});

test("timelineSvg draws a dot per attempt and a red bar for a slave that never recovered", () => {
  const svg = timelineSvg([
    {
      title: "a <case>",
      horizonS: 60,
      recoveries: [
        { slave: "s1", attempts: 2, recoveredS: 12, timeline: [3, 9] },
        { slave: "s2", attempts: 1, recoveredS: undefined, timeline: [5] },
      ],
    },
  ]);
  assert.equal(svg.match(/<circle[^/]*><title>MetaSync at/g)?.length, 3);
  assert.match(svg, /fill="#e03131"/);
  assert.match(svg, /a &lt;case&gt;/);
  // The fault at 0 s, round ticks, a legend, and an SVG an XML parser accepts.
  assert.match(svg, /<line class="fault" x1="90"/);
  assert.deepEqual(
    [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)</g)].map((m) => m[1]),
    ["0 s", "10 s", "20 s", "30 s", "40 s", "50 s", "60 s"],
  );
  for (const key of ["MetaSync attempt", "until recovery", "not recovered", "the fault (0 s)"])
    assert.ok(svg.includes(key), key);
  assert.equal(XMLValidator.validate(svg), true);
});

test("roundTicks: steps of 1, 2 or 5 times a power of ten, covering the span", () => {
  assert.deepEqual(roundTicks(60), [0, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(roundTicks(47), [0, 10, 20, 30, 40, 50]);
  assert.deepEqual(roundTicks(1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(roundTicks(183), [0, 50, 100, 150, 200]);
});
