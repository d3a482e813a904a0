/**
 * A ledger that says `coverage: complete` accounts for every scenario of the spec exactly once:
 * each scenario ID of features/**\/*.feature is listed either as a deviation or as a pass, none
 * twice, and no ledger names an ID the spec does not have (harness/report/ledger.ts
 * coverageProblems, parseLedger).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { coverageProblems, ledgerNames, loadLedger, parseLedger } from "../harness/report/ledger";
import { loadScenarios } from "../harness/spec/scenarios";

let specIds: string[] = [];
before(async () => {
  specIds = (await loadScenarios()).flatMap((s) => (s.id ? [s.id] : []));
});

const SHA = "3".repeat(40);
const dev = (id: string) => `  - id: ${id}\n    reference: r\n    reason: fails\n    verified: false\n`;
const pass = (id: string) => `  - id: ${id}\n    reason: passes\n    verified: "${SHA}"\n`;
const list = (entries: string[]) => (entries.length ? `\n${entries.join("")}` : " []\n");
const ledgerText = (coverage: string, deviations: string[], passes: string[]) =>
  `ledger: "9.9.9"\npika_version: "9.9.9"\nbuilds: ["${SHA}"]\ncoverage: ${coverage}\n` +
  `deviations:${list(deviations.map(dev))}passes:${list(passes.map(pass))}`;

describe("the shipped ledgers", () => {
  for (const name of ledgerNames())
    test(`${name}: its account of the spec's scenarios is right`, () => {
      const ledger = loadLedger(name);
      assert.ok(specIds.length > 0, "the spec has scenarios");
      assert.deepEqual(coverageProblems(ledger, specIds), []);
    });

  test("every release from 3.3.4 to 4.0.1, and each branch build, is complete", () => {
    const partial = ledgerNames().filter((n) => loadLedger(n).coverage !== "complete");
    assert.deepEqual(partial, [], "ledgers still coverage: partial");
  });
});

describe("coverageProblems", () => {
  const ids = ["MS-DUP-01", "MS-REG-01", "SY-ANS-01"];

  test("a complete ledger that lists every scenario once has none", () => {
    const l = parseLedger(ledgerText("complete", ["MS-DUP-01", "SY-ANS-01"], ["MS-REG-01"]), "9.9.9");
    assert.deepEqual(coverageProblems(l, ids), []);
    assert.equal(l.passes.get("MS-REG-01")?.verified, SHA);
  });

  test("a complete ledger that misses a scenario names it", () => {
    const l = parseLedger(ledgerText("complete", ["MS-DUP-01"], []), "9.9.9");
    assert.deepEqual(coverageProblems(l, ids), [
      "ledger 9.9.9 says coverage: complete, but lists neither as a deviation nor as a pass: MS-REG-01, SY-ANS-01",
    ]);
  });

  test("a partial ledger may miss scenarios", () => {
    const l = parseLedger(ledgerText("partial", ["MS-DUP-01"], []), "9.9.9");
    assert.deepEqual(coverageProblems(l, ids), []);
    assert.equal(
      parseLedger(ledgerText("partial", [], []).replace("coverage: partial\n", ""), "9.9.9").coverage,
      "partial",
    );
  });

  test("an ID that is no scenario of the spec is named, in any ledger", () => {
    const l = parseLedger(ledgerText("partial", ["MS-DUP-09"], ["XX-YY-01"]), "9.9.9");
    assert.deepEqual(coverageProblems(l, ids), [
      "ledger 9.9.9: deviations names MS-DUP-09, which is no scenario of the spec",
      "ledger 9.9.9: passes names XX-YY-01, which is no scenario of the spec",
    ]);
  });

  test("an ID listed twice is refused, saying where both are", () => {
    assert.throws(
      () => parseLedger(ledgerText("complete", ["MS-DUP-01"], ["MS-REG-01", "MS-DUP-01"]), "9.9.9"),
      /passes\[1\]: MS-DUP-01 is listed twice \(also at deviations\[0\]\)/,
    );
    assert.throws(
      () => parseLedger(ledgerText("complete", [], ["MS-REG-01", "MS-REG-01"]), "9.9.9"),
      /passes\[1\]: MS-REG-01 is listed twice \(also at passes\[0\]\)/,
    );
  });

  test("a pass needs a reason and a verified of false or one of the ledger's builds; coverage is complete or partial", () => {
    assert.throws(
      () =>
        parseLedger(
          `${ledgerText("sometimes", [], []).replace("passes: []", "passes:")}  - id: MS-REG-01\n    verified: "${"4".repeat(40)}"\n`,
          "9.9.9",
        ),
      /passes\[0\]\.reason is missing[\s\S]*passes\[0\]\.verified names 4{40}, which is not one of this ledger's builds[\s\S]*coverage must be complete or partial/,
    );
  });
});
