/** The model of the specification (harness/spec/model.ts): features read as written, unjudged. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { issueRefs, parseGherkin, protocolRefs, readFeature, sectionRefs } from "../harness/spec/model";

const MISPLACED = `@area @MS-FEAT
Feature: Misplaced things

  Scenario: loose
    Given a step

  Rule: no id here
    Protocol: R1

    Scenario: under an untitled rule
      Given a step

  @MS-RULE
  Rule: MS-DUP: A master MUST answer
    Protocol: R1

    @MS-DUP-01 @MS-DUP-02 @must @should @master
    Scenario: too many tags
      Given a step
`;

test("reading keeps what the tags and titles say, also when it breaks a convention", () => {
  const { feature, violations } = readFeature({ file: "features/m.feature", text: MISPLACED });
  assert.deepEqual(violations, [], "reading judges nothing");
  assert.ok(feature);
  assert.deepEqual(feature.idTags, ["@MS-FEAT"]);
  assert.equal(feature.line, 2);
  assert.deepEqual(feature.looseScenarios, [{ name: "loose", line: 4 }]);
  assert.deepEqual(feature.untitledRules, [{ name: "no id here", line: 7 }]);
  assert.deepEqual(
    feature.rules.map((r) => r.id),
    ["MS-DUP"],
    "an untitled rule is not a rule of the model",
  );
  const [rule] = feature.rules;
  assert.ok(rule);
  assert.deepEqual(rule.idTags, ["@MS-RULE"]);
  const [s] = rule.scenarios;
  assert.ok(s);
  assert.deepEqual(s.idTags, ["@MS-DUP-01", "@MS-DUP-02"], "only its own tags can be its ID");
  assert.equal(s.id, undefined, "two IDs are no ID");
  assert.deepEqual(s.levelTags, ["@must", "@should"]);
  assert.equal(s.level, undefined, "two levels are no level");
  assert.equal(s.role, "master");
  assert.deepEqual(s.flags, ["@MS-FEAT", "@MS-RULE", "@area"], "inherited ID-like tags are plain tags here");
});

test("a file that does not parse, or has no Feature, says so with its line", () => {
  const broken = readFeature({
    file: "f.feature",
    text: "Feature: x\n  Scenario: s\n    Given a\n  not a step\n",
  });
  assert.equal(broken.feature, undefined);
  assert.equal(broken.violations.length, 1);
  assert.equal(broken.violations[0]?.line, 4);
  assert.match(broken.violations[0]?.message ?? "", /^Gherkin does not parse: expected: /);
  assert.doesNotMatch(broken.violations[0]?.message ?? "", /\(\d+:\d+\)/, "the location is not repeated");
  assert.deepEqual(readFeature({ file: "e.feature", text: "# only a comment\n" }).violations, [
    { file: "e.feature", line: 1, message: "has no Feature" },
  ]);
});

test("a *.feature.md file is read as Markdown Gherkin, as cucumber reads it", () => {
  const md = "# Feature: In Markdown\n\n## Rule: MS-MD: A master MUST\n\n### Scenario: s\n\n* Given a step\n";
  assert.equal(parseGherkin({ file: "x.feature", text: md }).doc?.feature, undefined, "not classic Gherkin");
  const { feature } = readFeature({ file: "x.feature.md", text: md });
  assert.equal(feature?.name, "In Markdown");
  assert.deepEqual(
    feature?.rules.map((r) => r.id),
    ["MS-MD"],
  );
});

test("protocol references accept lists and ranges; issue and section references are found in prose", () => {
  assert.deepEqual(protocolRefs("Protocol: R14, R17. Pika #2291."), [14, 17]);
  assert.deepEqual(protocolRefs("Protocol: R2-R4 and R9"), [2, 3, 4, 9]);
  assert.deepEqual(protocolRefs("Protocol: R7."), [7]);
  assert.equal(protocolRefs("Budget: 15 s"), undefined);
  assert.deepEqual(issueRefs("Pika #2291, PR #2316, #2291 again; not a#12 or &#123;"), [2291, 2316]);
  assert.deepEqual(sectionRefs("see PROTOCOL.md §11.4 and docs/PROTOCOL.md § 2, not §3"), ["11.4", "2"]);
});
