import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { main } from "../bin/spec";
import { buildSpec, type SpecInput } from "../harness/spec/build";
import { PROTOCOL_FILE, UNCOVERED_FILE } from "../harness/spec/coverage";
import { readFeature, type SourceFile } from "../harness/spec/model";
import { SPEC_FILE } from "../harness/spec/render";

const FEATURE = `@area
Feature: Duplicate MetaSync
  Why it matters: Pika answers kOther (#2291).

  Rule: MS-DUP: A master MUST answer a repeated MetaSync with kOk
    Protocol: R1, R2. See also #2316 and docs/PROTOCOL.md §1.

    @MS-DUP-01 @must @master
    Scenario: The same MetaSync again
      Given a master under test

    @MS-DUP-02 @must @master @destructive @slow
    Scenario: A new connection
      Given a master under test

  Rule: SL-SAME: A slave SHOULD restart after SLAVEOF to the same master
    Protocol: R3

    @SL-SAME-01 @should @slave
    Scenario: SLAVEOF the same master
      Given a slave under test
`;

const PROTOCOL = `# Notes
<a id="sec-1"></a>
## 1. Transport
<a id="r1"></a>**R1 Frames.** Text.
<a id="r2"></a>**R2 Zero length.** Text.
<a id="r3"></a>**R3 Same master.** Text.
<a id="r4"></a>**R4 Slave limit.** Text.
`;

const UNCOVERED = `R4: "not written yet"\n`;

const src = (file: string, text: string): SourceFile => ({ file, text });

function input(features: SourceFile[], uncovered = UNCOVERED, protocol = PROTOCOL): SpecInput {
  return { features, protocol: src(PROTOCOL_FILE, protocol), uncovered: src(UNCOVERED_FILE, uncovered) };
}

/** The violation messages of a build, as "file:line: message". */
function violations(spec: SpecInput): string[] {
  return buildSpec(spec).violations.map((v) => `${v.file}:${v.line}: ${v.message}`);
}

test("a feature is read with gherkin: rules, sentence, levels, roles, issues, protocol rules and scenarios", () => {
  const { feature, violations: found } = readFeature(src("features/a.feature", FEATURE));
  assert.deepEqual(found, []);
  assert.ok(feature);
  assert.equal(feature.name, "Duplicate MetaSync");
  assert.deepEqual(feature.description, ["Why it matters: Pika answers kOther (#2291)."]);
  const [dup, same] = feature.rules;
  assert.ok(dup && same, "two rules read");
  assert.equal(dup.id, "MS-DUP");
  assert.equal(dup.sentence, "A master MUST answer a repeated MetaSync with kOk");
  assert.deepEqual(dup.protocol, [1, 2]);
  assert.deepEqual(dup.issues, [2291, 2316], "issues from the feature and the rule description");
  assert.deepEqual(
    dup.description,
    ["See also #2316 and docs/PROTOCOL.md §1."],
    "the Protocol clause is not a note",
  );
  assert.deepEqual(
    dup.scenarios.map((s) => [s.id, s.name, s.level, s.role, s.flags, s.line]),
    [
      ["MS-DUP-01", "The same MetaSync again", "must", "master", ["@area"], 9],
      ["MS-DUP-02", "A new connection", "must", "master", ["@area", "@destructive", "@slow"], 13],
    ],
  );
  assert.equal(same.id, "SL-SAME");
  assert.deepEqual(same.protocol, [3]);
  assert.deepEqual(same.issues, [2291]);
  assert.deepEqual(
    same.scenarios.map((s) => [s.id, s.level, s.role]),
    [["SL-SAME-01", "should", "slave"]],
  );
});

test("the generated index lists rules, scenarios and the protocol coverage with reasons", () => {
  const result = buildSpec(input([src("features/a.feature", FEATURE)]));
  assert.deepEqual(result.violations, []);
  const md = result.markdown;
  assert.match(
    md,
    /\| \[MS-DUP\]\(#rule-ms-dup\) \| must \| master \| A master MUST answer a repeated MetaSync/,
  );
  assert.match(md, /\| MS-DUP-02 \| A new connection \| must \| master \| `@area` `@destructive` `@slow` \|/);
  assert.match(md, /\[#2291\]\(https:\/\/github\.com\/OpenAtomFoundation\/pika\/issues\/2291\)/);
  assert.match(md, /\| \[R3\]\(PROTOCOL\.md#r3\) Same master \| \[SL-SAME\]\(#rule-sl-same\) \| 1 \|/);
  assert.match(md, /\| \[R4\]\(PROTOCOL\.md#r4\) Slave limit \| — \| 0 \| not written yet \|/);
  assert.match(md, /Protocol rules with at least one scenario: 3 of 4\*\*/);
  assert.match(md, /\[docs\/PROTOCOL\.md §1\]\(PROTOCOL\.md#sec-1\)/);
  assert.doesNotMatch(md, /\d{4}-\d\d-\d\dT/, "no timestamps");
  assert.deepEqual(result.coverage.get(1), ["MS-DUP"]);
});

test("the output does not depend on the order in which feature files are found", () => {
  const other = FEATURE.replace(/MS-DUP/g, "MS-TWO")
    .replace(/SL-SAME/g, "SL-TWO")
    .replace("R1, R2", "R4");
  const a = buildSpec(input([src("features/a.feature", FEATURE), src("features/b.feature", other)], ""));
  const b = buildSpec(input([src("features/b.feature", other), src("features/a.feature", FEATURE)], ""));
  assert.deepEqual(a.violations, []);
  assert.equal(a.markdown, b.markdown);
});

test("violations of the conventions are reported with file and line", () => {
  const bad = `Feature: No description

  Scenario: outside a rule
    Given a step

  Rule: no id here, MUST something
    Protocol: R1

    @must @master
    Scenario: untagged

  Rule: FR-BAD: a rule without a level keyword
    Protocol: R1

    @FR-BAD-1 @must @master
    Scenario: one-digit number

    @FR-BAD-02 @FR-BAD-03 @should @slave @master
    Scenario: two IDs, two roles, should under a MUST-less sentence

    @XX-OTHER-04 @master
    Scenario: wrong prefix, no level

  Rule: FR-NOP: A master MUST have a protocol line

    @FR-NOP-01 @must @pair
    Scenario: fine
`;
  const found = violations(input([src("features/bad.feature", bad)], ""));
  const expected = [
    'features/bad.feature:1: Feature "No description" has no description paragraph saying why the behaviour matters',
    'features/bad.feature:3: scenario "outside a rule" is outside any Rule; every scenario belongs to a Rule',
    'features/bad.feature:6: Rule "no id here, MUST something" has no ID; its title must read "AREA-TOPIC: <normative sentence>"',
    "features/bad.feature:12: Rule FR-BAD: its sentence has no MUST, SHOULD or MAY",
    'features/bad.feature:16: scenario "one-digit number": ID tag @FR-BAD-1 must be its Rule\'s ID and a two-digit number (@FR-BAD-NN)',
    'features/bad.feature:16: scenario "one-digit number": is tagged @must but the rule\'s sentence has no MUST',
    'features/bad.feature:19: scenario "two IDs, two roles, should under a MUST-less sentence": has 2 ID tags (@FR-BAD-02 @FR-BAD-03); exactly one is allowed',
    'features/bad.feature:19: scenario "two IDs, two roles, should under a MUST-less sentence": has several role tags (@slave @master); exactly one is allowed',
    'features/bad.feature:19: scenario "two IDs, two roles, should under a MUST-less sentence": is tagged @should but the rule\'s sentence has no SHOULD or MAY',
    'features/bad.feature:22: scenario "wrong prefix, no level": ID tag @XX-OTHER-04 must be its Rule\'s ID and a two-digit number (@FR-BAD-NN)',
    'features/bad.feature:22: scenario "wrong prefix, no level": has no level tag (@must or @should)',
    'features/bad.feature:24: Rule FR-NOP: its description names no protocol rules (a line "Protocol: R<n>, ...")',
  ];
  for (const line of expected)
    assert.ok(found.includes(line), `missing: ${line}\nfound:\n${found.join("\n")}`);
});

test("an ID used twice, a rule PROTOCOL.md lacks, a missing section and gherkin syntax errors are violations", () => {
  const copy = FEATURE.replace("R1, R2", "R1, R9").replace("§1", "§7.3");
  const broken =
    "Feature: x\n  Why.\n\n  Rule: AB-CD: A MUST\n    Protocol: R1\n\n    @AB-CD-01 @must @master\n    Scenario: s\n      Given a\n    not a step\n";
  const found = violations(
    input([
      src("features/a.feature", FEATURE),
      src("features/b.feature", copy),
      src("features/c.feature", broken),
    ]),
  );
  const expected = [
    "features/b.feature:5: Rule ID MS-DUP is already used at features/a.feature:5",
    "features/b.feature:9: scenario ID MS-DUP-01 is already used at features/a.feature:9",
    "features/b.feature:5: Rule MS-DUP cites R9, which docs/PROTOCOL.md does not define",
    "features/b.feature:1: cites docs/PROTOCOL.md §7.3, which has no such section",
  ];
  for (const line of expected)
    assert.ok(found.includes(line), `missing: ${line}\nfound:\n${found.join("\n")}`);
  assert.ok(
    found.some((v) => v.startsWith("features/c.feature:10: Gherkin does not parse")),
    found.join("\n"),
  );
});

test("every uncovered protocol rule needs a reason, and a reason for a covered rule is stale", () => {
  const found = violations(input([src("features/a.feature", FEATURE)], 'R1: "stale"\nR7: "no such rule"\n'));
  assert.deepEqual(found, [
    `${UNCOVERED_FILE}:0: R4 has no scenario and no reason here; add "R4: <why not yet>" or a scenario that covers it`,
    `${UNCOVERED_FILE}:1: R1 is now covered by MS-DUP; delete its entry`,
    `${UNCOVERED_FILE}:2: R7 is not a rule of docs/PROTOCOL.md`,
  ]);
  const list = violations(input([src("features/a.feature", FEATURE)], "R4: [a, b]\n"));
  assert.ok(list.includes(`${UNCOVERED_FILE}:1: R4: the reason must be one non-empty line`), list.join("\n"));
});

/**
 * A throwaway repository with a cucumber.js, one feature, the protocol notes and the reasons
 * file. A draft outside cucumber.js's paths breaks every convention: the index must not read it.
 */
function tempRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pika-spec-"));
  fs.mkdirSync(path.join(root, "features/metasync"), { recursive: true });
  fs.mkdirSync(path.join(root, "features/drafts"));
  fs.mkdirSync(path.join(root, "docs"));
  fs.writeFileSync(
    path.join(root, "cucumber.js"),
    'module.exports = { cli: { paths: ["features/metasync/**/*.feature"] } };\n',
  );
  fs.writeFileSync(path.join(root, "features/metasync/a.feature"), FEATURE);
  fs.writeFileSync(
    path.join(root, "features/drafts/b.feature"),
    "Feature: d\n\n  Scenario: s\n    Given a\n",
  );
  fs.writeFileSync(path.join(root, PROTOCOL_FILE), PROTOCOL);
  fs.writeFileSync(path.join(root, UNCOVERED_FILE), UNCOVERED);
  return root;
}

async function run(argv: string[], root: string): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(argv, root, { log: (l) => out.push(l), error: (l) => err.push(l) });
  return { status, out: out.join("\n"), err: err.join("\n") };
}

test("--check fails while docs/SPEC.md is missing or stale, and passes once it is regenerated", async (t) => {
  const root = tempRepo();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const spec = path.join(root, SPEC_FILE);

  let r = await run(["--check"], root);
  assert.equal(r.status, 1);
  assert.match(r.err, /docs\/SPEC\.md does not exist/);
  assert.equal(fs.existsSync(spec), false, "--check writes nothing");

  r = await run([], root);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /wrote docs\/SPEC\.md \(2 rules, 3 scenarios/);
  assert.equal((await run(["--check"], root)).status, 0);
  assert.match((await run([], root)).out, /unchanged/);

  fs.writeFileSync(
    path.join(root, "features/metasync/a.feature"),
    FEATURE.replace("Scenario: A new connection", "Scenario: A new connection, renamed"),
  );
  const before = fs.readFileSync(spec, "utf8");
  r = await run(["--check"], root);
  assert.equal(r.status, 1);
  assert.match(r.err, /docs\/SPEC\.md is out of date/);
  assert.match(r.err, /generated: .*A new connection, renamed/);
  assert.match(r.err, /Run `npm run spec` and commit docs\/SPEC\.md/);
  assert.equal(fs.readFileSync(spec, "utf8"), before, "--check leaves the stale file alone");

  assert.equal((await run([], root)).status, 0);
  assert.equal((await run(["--check"], root)).status, 0);
});

test("violations fail both modes without writing, and unknown arguments are refused", async (t) => {
  const root = tempRepo();
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, "features/metasync/a.feature"), FEATURE.replace("@MS-DUP-02 ", ""));
  for (const argv of [[], ["--check"]]) {
    const r = await run(argv, root);
    assert.equal(r.status, 1);
    assert.match(r.err, /1 violation\(s\)/);
    assert.match(
      r.err,
      /features\/metasync\/a\.feature:13: scenario "A new connection": has no ID tag \(expected @MS-DUP-NN\)/,
    );
  }
  assert.equal(fs.existsSync(path.join(root, SPEC_FILE)), false);
  assert.equal((await run(["--write"], root)).status, 2);
});
