/**
 * Feature discovery through cucumber's API (harness/spec/sources.ts) and the scenarios listed
 * from it (harness/spec/scenarios.ts): the files are those cucumber.js configures, no others.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { loadScenarios, scenariosOf, tagsForIds } from "../harness/spec/scenarios";
import { featureFiles, loadInput } from "../harness/spec/sources";

const OUTLINE = `@metasync
Feature: Outline
  Why.

  Rule: MS-OUT: A master MUST answer
    Protocol: R1

    @MS-OUT-01 @must @master
    Scenario Outline: answers <what>
      Given a step <what>

      Examples:
        | what |
        | one  |
        | two  |

    @MS-OUT-02 @should @slave @slow
    Scenario: plain
      Given a step
`;

/** A directory with a cucumber.js and feature files, removed after the test. */
function tempKit(
  t: { after: (fn: () => void) => void },
  config: string,
  files: Record<string, string>,
): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pika-sources-"));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.writeFileSync(path.join(root, "cucumber.js"), `module.exports = ${config};\n`);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

test("discovery takes the configured paths of the profile, sorted, broken files included", async (t) => {
  const root = tempKit(t, '{ cli: { paths: ["spec/**/*.feature", "features/one.feature"] } }', {
    "spec/b/z.feature": OUTLINE,
    "spec/a.feature": OUTLINE.replace(/MS-OUT/g, "MS-AAA"),
    "spec/broken.feature": "Feature: x\n  Scenario: s\n    Given a\n  not a step\n",
    "features/one.feature": OUTLINE.replace(/MS-OUT/g, "MS-ONE"),
    "features/ignored.feature": OUTLINE.replace(/MS-OUT/g, "MS-IGN"),
  });
  assert.deepEqual(await featureFiles(root), [
    "features/one.feature",
    "spec/a.feature",
    "spec/b/z.feature",
    "spec/broken.feature",
  ]);
  await assert.rejects(featureFiles(root, "nope"), /profile "nope"/, "an unknown profile is an error");
  const input = await loadInput(root);
  assert.equal(input.features[2]?.text, OUTLINE, "the files are read");
  assert.equal(input.protocol.text, "", "a missing docs/PROTOCOL.md reads as empty; the index says so");
});

test("the profile's tag filter does not hide files: discovery is not selection", async (t) => {
  const root = tempKit(t, '{ cli: { paths: ["features/**/*.feature"], tags: "@nothing" } }', {
    "features/a.feature": OUTLINE,
  });
  assert.deepEqual(await featureFiles(root), ["features/a.feature"]);
});

test("the scenarios are cucumber's pickles: one per example row, with inherited tags", async (t) => {
  const root = tempKit(t, '{ cli: { paths: ["features"] } }', { "features/x/a.feature": OUTLINE });
  const scenarios = await loadScenarios(root);
  assert.deepEqual(
    scenarios.map((s) => [s.id, s.name, s.level, s.role, s.uri]),
    [
      ["MS-OUT-01", "answers one", "must", "master", "features/x/a.feature"],
      ["MS-OUT-01", "answers two", "must", "master", "features/x/a.feature"],
      ["MS-OUT-02", "plain", "should", "slave", "features/x/a.feature"],
    ],
  );
  assert.deepEqual(scenarios[2]?.tags, ["@metasync", "@MS-OUT-02", "@should", "@slave", "@slow"]);
  assert.throws(
    () =>
      scenariosOf({
        file: "features/b.feature",
        text: "Feature: x\n  Scenario: s\n    Given a\n  not a step\n",
      }),
    /^Error: features\/b\.feature:4: Gherkin does not parse/,
  );
});

test("IDs are selected by glob, and a glob that matches none is an error", () => {
  const scenarios = scenariosOf({ file: "features/a.feature", text: OUTLINE });
  assert.equal(tagsForIds(["MS-OUT-0*"], scenarios), "(@MS-OUT-01 or @MS-OUT-01 or @MS-OUT-02)");
  assert.equal(tagsForIds(["MS-OUT-02", "NOPE"], scenarios), "(@MS-OUT-02)");
  assert.throws(
    () => tagsForIds(["MS.OUT-*"], scenarios),
    /no scenario ID matches MS\.OUT-\*/,
    "a dot is a dot",
  );
});

test("the kit's own configuration names its feature files", async () => {
  const files = await featureFiles();
  assert.ok(files.includes("features/metasync/duplicate.feature"), files.join("\n"));
  for (const f of files) assert.match(f, /^features\/.+\.feature$/);
});
