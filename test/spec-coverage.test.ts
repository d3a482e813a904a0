/** The coverage of docs/PROTOCOL.md by the specification (harness/spec/coverage.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkCitations,
  checkCoverage,
  coverageOf,
  PROTOCOL_FILE,
  readProtocol,
  readUncovered,
  UNCOVERED_FILE,
} from "../harness/spec/coverage";
import { type FeatureEntry, readFeature } from "../harness/spec/model";

const protocol = (text: string) => readProtocol({ file: PROTOCOL_FILE, text });
const uncovered = (text: string) => readUncovered({ file: UNCOVERED_FILE, text });
const lines = (vs: { line: number; message: string }[]) => vs.map((v) => `${v.line}: ${v.message}`);

/** A feature with one Rule per entry: its ID, its protocol clause, whether it has a scenario. */
function feature(rules: [id: string, protocol: string, scenario: boolean][], file = "features/a.feature") {
  const text = [
    "Feature: F",
    "  Why; see PROTOCOL.md §2.",
    ...rules.map(
      ([id, p, scenario]) =>
        `  Rule: ${id}: A master MUST\n    ${p}\n${scenario ? `    @${id}-01 @must @master\n    Scenario: s\n` : ""}`,
    ),
  ].join("\n");
  const r = readFeature({ file, text });
  assert.ok(r.feature);
  return r.feature;
}

test("PROTOCOL.md: numbered rules with their titles, section anchors, and its mistakes", () => {
  const { doc, violations } = protocol(
    '<a id="sec-2"></a><a id="sec-11-4"></a>\n<a id="r1"></a>**R1 Frames.** x\n<a id="r2"></a>**R3 Typo.**\n<a id="r1"></a>**R1 Again.**\n',
  );
  assert.deepEqual([...doc.rules], [[1, "Frames"]]);
  assert.deepEqual([...doc.sections], ["2", "11.4"]);
  assert.deepEqual(lines(violations), ["3: anchor r2 is followed by R3", "4: R1 is defined twice"]);
  assert.match(lines(protocol("# no rules\n").violations).join(), /^1: defines no numbered rule/);
});

test("uncovered-rules.yaml: one line of reason per R<n>, and what is wrong with it", () => {
  assert.deepEqual(
    [...uncovered('R4: "later"\nR7: soon\n').reasons],
    [
      [4, "later"],
      [7, "soon"],
    ],
  );
  assert.deepEqual(uncovered("# nothing yet\n").violations, []);
  assert.deepEqual(lines(uncovered('X1: "a"\nR2: ""\nR3: [a]\n').violations), [
    '1: key "X1" is not a protocol rule (R<n>)',
    "2: R2: the reason must be one non-empty line",
    "3: R3: the reason must be one non-empty line",
  ]);
  assert.deepEqual(lines(uncovered("- R1\n").violations), [
    "1: must be a mapping of R<n> to a one-line reason",
  ]);
  assert.match(lines(uncovered("R1: [\n").violations).join(), /^1: is not valid YAML/);
});

test("coverage counts Rules with scenarios, in ID order, the first of a repeated ID only", () => {
  const a = feature([
    ["MS-ZED", "Protocol: R1, R2", true],
    ["MS-ABC", "Protocol: R1", true],
    ["MS-NONE", "Protocol: R3", false],
  ]);
  const b = feature([["MS-ABC", "Protocol: R4", true]], "features/b.feature");
  const coverage = coverageOf([a, b]);
  assert.deepEqual(coverage.get(1), ["MS-ABC", "MS-ZED"]);
  assert.deepEqual(coverage.get(2), ["MS-ZED"]);
  assert.equal(coverage.has(3), false, "a Rule without scenarios covers nothing");
  assert.equal(coverage.has(4), false, "the second MS-ABC does not count");
});

test("what the features cite must exist in PROTOCOL.md", () => {
  const f: FeatureEntry = feature([["MS-ABC", "Protocol: R1, R9. See PROTOCOL.md §7.", true]]);
  const doc = protocol('<a id="sec-2"></a>\n<a id="r1"></a>**R1 Frames.**\n').doc;
  assert.deepEqual(lines(checkCitations([f], doc)), [
    "3: Rule MS-ABC cites R9, which docs/PROTOCOL.md does not define",
    "1: cites docs/PROTOCOL.md §7, which has no such section",
  ]);
});

test("every protocol rule is covered or explained, and an explanation goes when its gap does", () => {
  const doc = protocol('<a id="r1"></a>**R1 A.**\n<a id="r2"></a>**R2 B.**\n<a id="r3"></a>**R3 C.**\n').doc;
  const coverage = coverageOf([feature([["MS-ABC", "Protocol: R1", true]])]);
  const text = 'R1: "stale"\nR3: "later"\nR8: "no such rule"\n';
  const { reasons } = uncovered(text);
  assert.deepEqual(lines(checkCoverage(doc, coverage, reasons, { file: UNCOVERED_FILE, text })), [
    "1: R1 is now covered by MS-ABC; delete its entry",
    '0: R2 has no scenario and no reason here; add "R2: <why not yet>" or a scenario that covers it',
    "3: R8 is not a rule of docs/PROTOCOL.md",
  ]);
});
