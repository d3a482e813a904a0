/** The spec's name grammar (harness/spec/ids.ts), which every reader of IDs and titles uses. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { idOfTags, isScenarioId, isScenarioIdOf, looksLikeId, parseRuleTitle } from "../harness/spec/ids";

test("a scenario ID is a rule ID and two digits", () => {
  for (const ok of ["MS-DUP-01", "PR-RESTART-02", "FR-HB-10"]) assert.ok(isScenarioId(ok), ok);
  for (const bad of ["MS-DUP-1", "MS-DUP-001", "ms-dup-01", "MS-DUP", "MSDUP-01", "MS-DUP-01x"])
    assert.ok(!isScenarioId(bad), bad);
  assert.equal(idOfTags(["@must", "@MS-DUP-01", "@master"]), "MS-DUP-01");
  assert.equal(idOfTags(["must", "MS-DUP-1"]), undefined);
});

test("a rule title is its ID, a colon and its sentence", () => {
  assert.deepEqual(parseRuleTitle("MS-DUP: A master MUST answer kOk"), {
    id: "MS-DUP",
    sentence: "A master MUST answer kOk",
  });
  assert.equal(parseRuleTitle("MS-DUP A master MUST"), undefined);
  assert.equal(parseRuleTitle("MS-DUP:"), undefined);
});

test("an ID-like tag is what an author meant as an ID, valid or not; the grammar decides validity", () => {
  for (const meant of ["@MS-DUP-01", "@MS-DUP-1", "@MS-DUP", "@X2-Y", "FR-BAD-001"])
    assert.ok(looksLikeId(meant), meant);
  for (const plain of ["@must", "@slow", "@MS", "@ms-dup-01", "@MS_DUP", "@-MS-DUP"])
    assert.ok(!looksLikeId(plain), plain);
  assert.ok(isScenarioIdOf("MS-DUP-01", "MS-DUP"));
  assert.ok(!isScenarioIdOf("MS-DUP-01", "MS-DU"), "the rule's whole ID, not a prefix");
  assert.ok(!isScenarioIdOf("MS-DUP-1", "MS-DUP"), "two digits");
  assert.ok(!isScenarioIdOf("XX-OTHER-04", "MS-DUP"));
});
