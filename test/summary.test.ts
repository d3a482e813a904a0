import assert from "node:assert/strict";
import { test } from "node:test";
import { countJunit } from "../bin/summary";

test("countJunit counts passed, failed, errored and skipped test cases", () => {
  const xml = `<testsuites><testsuite>
    <testcase name="a"/>
    <testcase name="b"><failure message="x"/></testcase>
    <testcase name="c"><error message="y"/></testcase>
    <testcase name="d"><skipped/></testcase>
    <testcase name="e"></testcase>
  </testsuite></testsuites>`;
  assert.deepEqual(countJunit(xml), { passed: 2, failed: 2, skipped: 1 });
});

test("countJunit of a document without test cases is all zero", () => {
  assert.deepEqual(countJunit("<testsuites/>"), { passed: 0, failed: 0, skipped: 0 });
});
