/** docs/SPEC.md's Markdown (harness/spec/render.ts), from a model read from a small feature. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { coverageOf, PROTOCOL_FILE, readProtocol } from "../harness/spec/coverage";
import { readFeature } from "../harness/spec/model";
import { firstDifference, formatMarkdown, renderSpec } from "../harness/spec/render";

const FEATURE = `Feature: Pipes | and quotes
  First paragraph, #2291 and [#12] already a link.

  Second paragraph, PROTOCOL.md §1.

  Rule: MS-DUP: A master MUST answer a | b
    Protocol: R1

    @MS-DUP-01 @must @master
    Scenario: with a | pipe
      Given a step
`;

function render(): string {
  const { feature } = readFeature({ file: "features/a.feature", text: FEATURE });
  assert.ok(feature);
  const protocol = readProtocol({
    file: PROTOCOL_FILE,
    text: '<a id="r1"></a>**R1 Frames.**\n<a id="r2"></a>**R2 Zero.**\n',
  });
  return renderSpec([feature], protocol.doc, coverageOf([feature]), new Map([[2, "later | maybe"]]));
}

test("a feature's description is one quote block, its citations made links", () => {
  const md = render();
  assert.ok(
    md.includes(
      "> First paragraph, [#2291](https://github.com/OpenAtomFoundation/pika/issues/2291) and [#12] already a link.\n" +
        ">\n> Second paragraph, [PROTOCOL.md §1](PROTOCOL.md#sec-1).\n\n#### ",
    ),
    md,
  );
});

test("table cells escape pipes; an uncovered rule shows its reason", () => {
  const md = render();
  assert.match(md, /\| \[MS-DUP\]\(#rule-ms-dup\) \| must \| master \| A master MUST answer a \\\| b \|/);
  assert.match(md, /\| MS-DUP-01 \| with a \\\| pipe \| must \| master \| {2}\|/);
  assert.match(md, /\| \[R2\]\(PROTOCOL\.md#r2\) Zero \| — \| 0 \| later \\\| maybe \|/);
  assert.match(md, /Protocol rules with at least one scenario: 1 of 2\*\* \(R1–R2\)/);
  assert.ok(md.endsWith("|\n"), "one final newline");
});

test("biome pads the tables and changes no content", () => {
  const md = "| a | bb |\n|---|---|\n| ccc | d |\n";
  const formatted = formatMarkdown(md, "docs/x.md");
  assert.equal(formatted, "| a   | bb  |\n| --- | --- |\n| ccc | d   |\n");
  assert.equal(firstDifference(md, formatted), "only the formatting differs");
});

test("a stale file is described by its first changed line, not by table padding", () => {
  assert.equal(
    firstDifference("| a   | b |\n| --- | - |\n| x   | y |\n", "| a | b |\n| - | - |\n| x | y |\n"),
    "only the formatting differs",
  );
  assert.equal(
    firstDifference("| a | b |\n| x  | y |\n", "| a  | b |\n| xz | y |\n"),
    "first difference at line 2:\n  committed: | x | y |\n  generated: | xz | y |",
  );
  assert.match(firstDifference("a", "a\nb"), /line 2:\n {2}committed: \(end of file\)/);
});
