/** The spec's name grammar (harness/spec/ids.ts), which every reader of IDs and titles uses. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { idOfTags, isScenarioId, parseRuleTitle } from "../harness/spec/ids";

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
