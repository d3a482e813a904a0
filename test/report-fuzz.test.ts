/**
 * Reports stay valid whatever the system under test sends: property tests of the report writers
 * with arbitrary texts (any UTF-16, lone surrogates and every control character included) as
 * scenario names, error messages and reply texts, each document checked by a real XML parser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { countJunit, type JunitCase, junitXml, verdictJunit } from "../harness/report/junit";
import { outcome, type ScenarioResult } from "../harness/report/outcome";
import { Redactor } from "../harness/trace/redact";

const anyText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  // Runs of the characters that matter most to XML and terminals, so that they meet often.
  fc.string({
    unit: fc.constantFrom("]", ">", "<", "&", "\u0000", "\u001b", "\ufffe", "\ud800", "x"),
    maxLength: 40,
  }),
);
/** What XML 1.0 cannot carry, and what would steer a terminal. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters looked for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u;

test("junitXml: for any texts a parser accepts the document and reads back every case", () => {
  const aCase = fc.record({
    classname: anyText,
    name: anyText,
    kind: fc.constantFrom("pass", "fail", "skip", "out"),
    message: anyText,
    text: anyText,
  });
  fc.assert(
    fc.property(anyText, fc.array(aCase, { maxLength: 6 }), (suite, cases) => {
      const junit = cases.map(({ classname, name, kind, message, text }): JunitCase => {
        if (kind === "fail") return { classname, name, failure: { message, text } };
        if (kind === "skip") return { classname, name, skipped: message };
        return kind === "out" ? { classname, name, out: text } : { classname, name };
      });
      const counts = countJunit(junitXml(suite, junit)); // throws on a document that is not XML
      const n = (k: string) => cases.filter((c) => c.kind === k).length;
      assert.equal(counts.failed, n("fail"));
      assert.equal(counts.skipped, n("skip"));
      assert.equal(counts.passed, n("pass") + n("out"));
    }),
    { numRuns: 400 },
  );
});

test("the verdict JUnit of an outcome with arbitrary names and errors is a document a parser accepts", () => {
  const result = fc.record({
    id: fc.option(anyText, { nil: undefined }),
    name: anyText,
    uri: anyText,
    status: fc.constantFrom("passed", "failed", "skipped"),
    message: anyText,
  });
  fc.assert(
    fc.property(fc.array(result, { maxLength: 6 }), (rs) => {
      const results: ScenarioResult[] = rs.map(({ message, ...r }) => ({
        ...r,
        tags: [],
        ...(r.status === "failed" ? { error: { type: "ConformanceError", message } } : {}),
      }));
      const counts = countJunit(verdictJunit(outcome(results, undefined, false)));
      assert.equal(counts.failed, rs.filter((r) => r.status === "failed").length);
    }),
    { numRuns: 300 },
  );
});

test("Redactor.text: whatever a reply text holds, what it gives can go into XML and onto a terminal", () => {
  fc.assert(
    fc.property(anyText, anyText, (text, secret) => {
      const out = new Redactor([secret]).text(text);
      assert.doesNotMatch(out, UNSAFE, JSON.stringify(out));
      if (secret && text.includes(secret)) assert.ok(out.includes("<redacted>"));
      // cucumber's JUnit writer puts a message in CDATA and splits only its first "]]>".
      assert.ok(!out.includes("]]>"), out);
      countJunit(
        `<testsuite><testcase name="x"><failure><![CDATA[${out}]]></failure></testcase></testsuite>`,
      );
    }),
    { numRuns: 1000 },
  );
});
