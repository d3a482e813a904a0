import assert from "node:assert/strict";
import { test } from "node:test";
import { behaviourOf } from "../harness/reference/behaviour";
import { timelineSvg } from "../harness/report/timeline";
import { firstAttemptSpread, halfOpenCase, stormCase } from "../harness/storm";
import { ReferenceTarget } from "../harness/targets/reference";

test("half-open: the reference is back with one MetaSync; the kOther variant loops until the 180 s idle close", async () => {
  {
    await using t = new ReferenceTarget(1);
    const r = await halfOpenCase(t);
    assert.equal(r.recoveries[0].attempts, 1);
    assert.ok((r.recoveries[0].recoveredS ?? 99) < 12.5); // the first retry comes 2 s to 12 s after the fault
  }
  {
    await using t = new ReferenceTarget(1, behaviourOf("pika-4.0"));
    const r = await halfOpenCase(t);
    assert.ok(r.recoveries[0].attempts >= 17, `${r.recoveries[0].attempts} attempts`);
    const s = r.recoveries[0].recoveredS ?? 0;
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
  assert.equal(svg.match(/<circle/g)?.length, 3);
  assert.match(svg, /fill="#e03131"/);
  assert.match(svg, /a &lt;case&gt;/);
});
