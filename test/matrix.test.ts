/** The conformance matrix (harness/report/matrix.ts) and its column specs (bin/matrix.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseColumn } from "../bin/matrix";
import { type Column, columnDifferences, matrixHtml, matrixMarkdown } from "../harness/report/matrix";

const profile: Column = {
  label: "pika-4.0 profile",
  judged: [
    { id: "MS-DUP-01", name: "dup", verdict: "expected-fail" },
    { id: "MS-REG-01", name: "reg", verdict: "pass" },
    { id: "PR-CUT-03", name: "cut", verdict: "pass" },
  ],
};
const real: Column = {
  label: "v4.0.1",
  judged: [
    { id: "MS-DUP-01", name: "dup", verdict: "expected-fail" },
    { id: "MS-REG-01", name: "reg", verdict: "pass" },
    { id: "PR-CUT-03", name: "cut", verdict: "fail" },
    { id: "KA-IDLE-01", name: "idle", verdict: "pass" },
  ],
};

test("columnDifferences lists each scenario the columns disagree on, a missing one as -", () => {
  assert.deepEqual(columnDifferences(profile, real), [
    { id: "KA-IDLE-01", a: "-", b: "pass" },
    { id: "PR-CUT-03", a: "pass", b: "fail" },
  ]);
  assert.deepEqual(columnDifferences(real, real), []);
});

test("the matrix has a legend, one row per scenario with its level and one column per run", () => {
  const levels = new Map([["PR-CUT-03", "must"]]);
  const md = matrixMarkdown([profile, real], levels);
  assert.match(md, /expected-fail: failed as the ledger lists/);
  assert.match(md, /\| PR-CUT-03 cut \| MUST \| pass \| FAIL \|/);
  const html = matrixHtml([profile, { ...real, traces: "../v4.0.1/traces" }], levels);
  assert.match(html, /<th>level<\/th><th>pika-4\.0 profile<\/th><th>v4\.0\.1<\/th>/);
  // A verdict of a column with traces links to that scenario's trace; one without does not.
  assert.match(
    html,
    /<td><b>PR-CUT-03<\/b> cut<\/td><td>MUST<\/td><td[^>]*>pass<\/td><td[^>]*><a href="\.\.\/v4\.0\.1\/traces\/PR-CUT-03\.ndjson"[^>]*>FAIL<\/a><\/td>/,
  );
});

test("a column spec is a label and the kit's settings", () => {
  assert.deepEqual(parseColumn("v4.0.1:PIKA_TARGET=binary,PIKA_BIN=/x/pika"), {
    label: "v4.0.1",
    env: { PIKA_TARGET: "binary", PIKA_BIN: "/x/pika" },
  });
  assert.deepEqual(parseColumn("reference"), { label: "reference", env: {} });
  assert.throws(() => parseColumn("x:PIKA_TARGET=binary,junk"), /"junk" is not KEY=VALUE/);
});
