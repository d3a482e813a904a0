import assert from "node:assert/strict";
import { test } from "node:test";
import { verdictJunit } from "../harness/report/junit";
import { ledgerVersions, loadLedger, parseLedger } from "../harness/report/ledger";
import { closingLine, outcome, report, type ScenarioResult } from "../harness/report/outcome";

const r = (id: string, status: ScenarioResult["status"], level = "@must"): ScenarioResult => ({
  id,
  name: `scenario ${id}`,
  uri: "features/x.feature",
  tags: [`@${id}`, level, "@master"],
  status,
  ...(status === "failed" ? { error: { type: "ConformanceError", message: "Expected: a\nActual: b" } } : {}),
});

const ledger = parseLedger(
  `pika_version: "9.9"\ndeviations:\n  - id: MS-DUP-01\n    reference: "#2291"\n    reason: kOther\n    verified: true\n  - id: MS-DUP-02\n    reference: "#2291"\n    reason: kOther\n    verified: false\n`,
  "9.9",
);

test("a listed scenario that fails is an expected failure, counted as passed", () => {
  const o = outcome([r("MS-DUP-01", "failed"), r("MS-REG-01", "passed")], ledger, false);
  assert.deepEqual([o.passed, o.failed, o.skipped, o.ok], [2, 0, 0, true]);
  assert.equal(o.judged[0].verdict, "expected-fail");
  assert.match(report(o).join("\n"), /Expected failures, counted as passed \(1\):\n {2}MS-DUP-01/);
});

test("a listed scenario that passes is a stale entry and fails the run", () => {
  const o = outcome([r("MS-DUP-02", "passed")], ledger, false);
  assert.deepEqual([o.passed, o.failed, o.ok], [0, 1, false]);
  assert.match(report(o).join("\n"), /STALE ledger entries/);
});

test("a SHOULD failure is skipped unless strict; a MUST failure always fails", () => {
  const results = [r("SL-SAME-01", "failed", "@should"), r("MS-REG-01", "failed")];
  assert.equal(closingLine(outcome(results, undefined, false)), "0 passed, 1 failed, 1 skipped");
  assert.equal(closingLine(outcome(results, undefined, true)), "0 passed, 2 failed, 0 skipped");
});

test("without a ledger every failure is a failure", () => {
  assert.equal(outcome([r("MS-DUP-01", "failed")], undefined, false).ok, false);
});

test("the verdict JUnit counts expected failures as passes and escapes text", () => {
  const o = outcome(
    [r("MS-DUP-01", "failed"), r("SL-SAME-01", "failed", "@should"), r("MS-REG-01", "failed")],
    ledger,
    false,
  );
  const xml = verdictJunit(o);
  assert.match(xml, /tests="3" failures="1" skipped="1"/);
  assert.match(xml, /<failure message="ConformanceError">Expected: a\nActual: b<\/failure>/);
  assert.doesNotMatch(xml, /<failure[^>]*>[^<]*MS-DUP-01/);
});

test("ledger problems are listed together", () => {
  assert.throws(
    () => parseLedger(`pika_version: "1.0"\ndeviations:\n  - id: bad\n    verified: maybe\n`, "2.0"),
    /pika_version is "1.0", expected "2.0"[\s\S]*id must be a scenario ID[\s\S]*reference is missing[\s\S]*verified must be true or false/,
  );
});

test("the shipped ledgers load, and an unknown version names the known ones", () => {
  const versions = ledgerVersions();
  assert.ok(versions.includes("4.0.1") && versions.includes("3.3.4"));
  for (const v of versions)
    assert.ok(loadLedger(v).deviations.has("MS-DUP-01"), `${v} lists the #2291 duplicate`);
  assert.throws(
    () => loadLedger("0.0.1"),
    /no deviation ledger for Pika 0\.0\.1[\s\S]*Known versions: 3\.3\.4/,
  );
});
