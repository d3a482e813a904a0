/** The conformance matrix (harness/report/matrix.ts) and its column specs (bin/matrix.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseColumn } from "../bin/matrix";
import { loadLedgers, parseLedger } from "../harness/report/ledger";
import {
  type Column,
  columnDifferences,
  familyLedgers,
  ledgerColumn,
  matrixHtml,
  matrixMarkdown,
} from "../harness/report/matrix";

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

const SHA = "2".repeat(40);
const ledgerText = (name: string, deviations: string[], passes: string[]) =>
  `ledger: "${name}"\npika_version: "${name}"\nbuilds: ["${SHA}"]\ncoverage: complete\ndeviations:${deviations.length ? "\n" : " []\n"}` +
  deviations
    .map((id) => `  - id: ${id}\n    reference: r\n    reason: fails\n    verified: false\n`)
    .join("") +
  `passes:${passes.length ? "\n" : " []\n"}${passes.map((id) => `  - id: ${id}\n    reason: passes\n    verified: "${SHA}"\n`).join("")}`;

test("each release family's newest release ledger is its column; branch ledgers never stand in", () => {
  const ledgers = ["3.3.4", "3.3.6", "3.4.1", "3.5.0", "3.5.5", "4.0.0", "4.0.1", "unstable-218b68bb"].map(
    (n) => parseLedger(ledgerText(n, [], []), n),
  );
  assert.deepEqual(
    familyLedgers(ledgers).map(({ family, ledger }) => `${family}=${ledger.name}`),
    ["3.3=3.3.6", "3.4=3.4.1", "3.5=3.5.5", "4.0=4.0.1"],
  );
  assert.deepEqual(
    familyLedgers(loadLedgers()).map(({ family, ledger }) => `${family}=${ledger.name}`),
    ["3.3=3.3.6", "3.4=3.4.1", "3.5=3.5.5", "4.0=4.0.1"],
    "the shipped ledgers: one column per family",
  );
});

test("a ledger's column predicts expected-fail for a deviation and pass for a pass, labelled as no run", () => {
  const ledger = parseLedger(ledgerText("3.5.5", ["MS-DUP-01"], ["MS-REG-01"]), "3.5.5");
  const col = ledgerColumn(ledger, "3.5", new Map([["MS-DUP-01", "dup"]]));
  assert.equal(col.label, "3.5 (ledger 3.5.5): from the ledger, not a run");
  assert.equal(col.predicted, true);
  assert.deepEqual(col.judged, [
    { id: "MS-DUP-01", name: "dup", verdict: "expected-fail" },
    { id: "MS-REG-01", name: "MS-REG-01", verdict: "pass" },
  ]);
  const partial = parseLedger(ledgerText("3.3.6", [], []).replace("complete", "partial"), "3.3.6");
  assert.match(
    ledgerColumn(partial, "3.3", new Map()).label,
    /^3\.3 \(ledger 3\.3\.6, partial\): from the ledger/,
  );
  // Beside a run: the run's column unchanged, the ledger's after it; a scenario it lacks is "-".
  const md = matrixMarkdown([real, col]);
  assert.match(
    md,
    /\| scenario \| level \| v4\.0\.1 \| 3\.5 \(ledger 3\.5\.5\): from the ledger, not a run \|/,
  );
  assert.match(md, /\| MS-DUP-01 dup \| {2}\| expected-fail \| expected-fail \|/);
  assert.match(md, /\| KA-IDLE-01 idle \| {2}\| pass \| - \|/);
  assert.match(
    md,
    /"from the ledger, not a run" is what that release family's newest release's ledger predicts/,
  );
  assert.doesNotMatch(
    matrixMarkdown([real]),
    /from the ledger, not a run/,
    "no such legend without such a column",
  );
  assert.match(
    matrixHtml([real, col]),
    /<td style="background:#ffe8a3;font-style:italic">expected-fail<\/td>/,
  );
  // --same compares runs; a predicted column differs from a run only where they disagree.
  assert.deepEqual(columnDifferences(real, col), [
    { id: "KA-IDLE-01", a: "pass", b: "-" },
    { id: "PR-CUT-03", a: "fail", b: "-" },
  ]);
});
