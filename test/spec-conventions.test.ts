/** The conventions of the specification (harness/spec/conventions.ts), checked on its model. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkFeature, checkUniqueIds } from "../harness/spec/conventions";
import { type FeatureEntry, readFeature } from "../harness/spec/model";

function feature(text: string, file = "features/a.feature"): FeatureEntry {
  const r = readFeature({ file, text });
  assert.ok(r.feature, r.violations.map((v) => v.message).join("\n"));
  return r.feature;
}

const messages = (f: FeatureEntry) => checkFeature(f).map((v) => `${v.line}: ${v.message}`);

const GOOD = `Feature: Good
  Why it matters.

  Rule: MS-DUP: A master MUST answer kOk
    Protocol: R1

    @MS-DUP-01 @must @master
    Scenario: s
      Given a step
`;

test("a feature that follows every convention has no violation", () => {
  assert.deepEqual(messages(feature(GOOD)), []);
});

test("each convention of a scenario is its own violation, at the scenario's line", () => {
  const swap = (from: string, to: string) => messages(feature(GOOD.replace(from, to)));
  assert.deepEqual(swap("@MS-DUP-01 ", ""), ['8: scenario "s": has no ID tag (expected @MS-DUP-NN)']);
  assert.deepEqual(swap("@MS-DUP-01", "@MS-DUP-001"), [
    `8: scenario "s": ID tag @MS-DUP-001 must be its Rule's ID and a two-digit number (@MS-DUP-NN)`,
  ]);
  assert.deepEqual(swap("@MS-DUP-01", "@MS-TWO-01"), [
    `8: scenario "s": ID tag @MS-TWO-01 must be its Rule's ID and a two-digit number (@MS-DUP-NN)`,
  ]);
  assert.deepEqual(swap("@must", "@should"), [
    `8: scenario "s": is tagged @should but the rule's sentence has no SHOULD or MAY`,
  ]);
  assert.deepEqual(swap("MUST answer", "SHOULD answer"), [
    `8: scenario "s": is tagged @must but the rule's sentence has no MUST`,
  ]);
  assert.deepEqual(swap("@must ", ""), ['8: scenario "s": has no level tag (@must or @should)']);
  assert.deepEqual(swap("@master", "@master @pair"), [
    '8: scenario "s": has several role tags (@master @pair); exactly one is allowed',
  ]);
  assert.deepEqual(
    messages(feature(`@slave\n${GOOD}`)),
    ['9: scenario "s": has several role tags (@slave @master); exactly one is allowed'],
    "an inherited role tag counts",
  );
});

test("the conventions of features and rules", () => {
  const swap = (from: string, to: string) => messages(feature(GOOD.replace(from, to)));
  assert.deepEqual(swap("  Why it matters.\n", ""), [
    '1: Feature "Good" has no description paragraph saying why the behaviour matters',
  ]);
  assert.deepEqual(swap("Feature:", "@MS-X\nFeature:"), ["2: ID tag @MS-X belongs on a scenario"]);
  assert.deepEqual(swap("    Protocol: R1\n", ""), [
    '4: Rule MS-DUP: its description names no protocol rules (a line "Protocol: R<n>, ...")',
  ]);
  assert.deepEqual(swap("MUST answer", "answers"), [
    "4: Rule MS-DUP: its sentence has no MUST, SHOULD or MAY",
    `8: scenario "s": is tagged @must but the rule's sentence has no MUST`,
  ]);
  assert.deepEqual(swap("  Rule:", "  @MS-R\n  Rule:"), [
    "5: Rule MS-DUP: ID tag @MS-R belongs on a scenario",
  ]);
  assert.deepEqual(swap("MS-DUP: A", "A"), [
    '4: Rule "A master MUST answer kOk" has no ID; its title must read "AREA-TOPIC: <normative sentence>"',
  ]);
  const empty = feature("Feature: E\n  Why.\n\n  Rule: MS-NONE: A master MUST\n    Protocol: R1\n");
  assert.deepEqual(messages(empty), ["4: Rule MS-NONE has no scenario"]);
  const loose = feature("Feature: L\n  Why.\n\n  Scenario: loose\n    Given a\n");
  assert.deepEqual(messages(loose), [
    '4: scenario "loose" is outside any Rule; every scenario belongs to a Rule',
  ]);
});

test("an ID used twice is a violation where it is used again, naming the first use", () => {
  const a = feature(GOOD, "features/a.feature");
  const b = feature(GOOD.replace("Scenario: s", "Scenario: t"), "features/b.feature");
  assert.deepEqual(
    checkUniqueIds([a, b]).map((v) => `${v.file}:${v.line}: ${v.message}`),
    [
      "features/b.feature:4: Rule ID MS-DUP is already used at features/a.feature:4",
      "features/b.feature:8: scenario ID MS-DUP-01 is already used at features/a.feature:8",
    ],
  );
  assert.deepEqual(checkUniqueIds([a, feature(GOOD.replace(/MS-DUP/g, "MS-TWO"), "features/b.feature")]), []);
});
