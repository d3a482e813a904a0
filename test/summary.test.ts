import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { main as summary } from "../bin/summary";
import { countJunit, junitXml } from "../harness/report/junit";

test("countJunit counts passed, failed, errored and skipped test cases, at any depth", () => {
  const xml = `<?xml version="1.0"?><testsuites><testsuite>
    <testcase name="a"/>
    <testcase name="b"><failure message="x&lt;1&#10;second line"/></testcase>
    <testsuite><testcase name="c"><error>y</error></testcase></testsuite>
    <testcase name="d"><skipped/></testcase>
    <testcase name="e"></testcase>
    <testcase name="f &amp; g"><failure/></testcase>
  </testsuite></testsuites>`;
  const c = countJunit(xml);
  assert.deepEqual(
    { ...c, failures: c.failures.sort() },
    {
      passed: 2,
      failed: 3,
      skipped: 1,
      failures: ["b: x<1", "c: y", "f & g"],
    },
  );
});

test("countJunit of a document without test cases is all zero", () => {
  assert.deepEqual(countJunit("<testsuites/>"), { passed: 0, failed: 0, skipped: 0, failures: [] });
});

test("countJunit refuses a document that is not XML (a control character, a cut-off file)", () => {
  assert.throws(() => countJunit(`<testsuite><testcase name="a\u0001"/></testsuite>`), /not well-formed/);
  assert.throws(() => countJunit(`<testsuite><testcase name="a">`), /not well-formed/);
});

test("what the kit's JUnit writer writes, control characters included, its reader reads back", () => {
  const xml = junitXml("s", [
    { classname: "c", name: "a\u0001", failure: { message: 'm<&"\u0000', text: "t" } },
    { classname: "c", name: "b", skipped: "why" },
    { classname: "c", name: "d" },
  ]);
  assert.deepEqual(countJunit(xml), { passed: 1, failed: 1, skipped: 1, failures: ['a\ufffd: m<&"\ufffd'] });
});

test("a CI step that exited non-zero is listed by name and counted as one failed check", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "summary-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, "a.xml");
  fs.writeFileSync(file, junitXml("s", [{ classname: "c", name: "a" }]));
  const lines: string[] = [];
  t.mock.method(console, "log", (line: string) => lines.push(line));
  const step = "binlog streaming throughput";
  assert.equal(summary([file]), 0);
  assert.equal(summary(["--failed-step", step, "--failed-step", step, file]), 1);
  assert.deepEqual(lines.slice(-3), [
    "steps that exited non-zero, one failed check each:",
    `  failed: ${step}`,
    "1 passed, 1 failed, 0 skipped",
  ]);
});
