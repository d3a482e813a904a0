/**
 * The verdict formatter (harness/report/verdict-formatter.ts) rewrites one scenario's messages
 * to show the ledger's verdict; the CLI tests check the reports it writes end to end.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Envelope } from "@cucumber/messages";
import type { Judged } from "../harness/report/outcome";
import { rewrite } from "../harness/report/verdict-formatter";

const T = { seconds: 0, nanos: 0 };
const started = (step: string): Envelope => ({
  testStepStarted: { testCaseStartedId: "c", testStepId: step, timestamp: T },
});
const finished = (step: string, status: string, message?: string): Envelope => ({
  testStepFinished: {
    testCaseStartedId: "c",
    testStepId: step,
    timestamp: T,
    testStepResult: {
      status: status as never,
      duration: T,
      message,
      exception: message ? { type: "ConformanceError", message } : undefined,
    },
  },
});
/** A scenario whose second step failed, the third skipped, then an After hook that passed. */
const failing: Envelope[] = [
  { testCaseStarted: { id: "c", testCaseId: "tc", attempt: 0, timestamp: T } },
  started("s1"),
  finished("s1", "PASSED"),
  started("s2"),
  finished("s2", "FAILED", "Expected: kOk"),
  started("s3"),
  finished("s3", "SKIPPED"),
  started("hook"),
  finished("hook", "PASSED"),
  { testCaseFinished: { testCaseStartedId: "c", timestamp: T, willBeRetried: false } },
];
const judged = (verdict: Judged["verdict"], note?: string): Judged => ({
  id: "MS-DUP-01",
  name: "n",
  uri: "u",
  tags: [],
  status: verdict === "pass" || verdict === "stale" ? "passed" : "failed",
  verdict,
  note,
});
const statuses = (b: Envelope[]) =>
  b.flatMap((m) =>
    m.testStepFinished
      ? [`${m.testStepFinished.testStepId}:${m.testStepFinished.testStepResult.status}`]
      : [],
  );
const notes = (b: Envelope[]) => b.flatMap((m) => (m.attachment ? [m.attachment.body] : []));

test("an expected failure: the failed step passes with a note, the steps it kept from running are left out", () => {
  const out = rewrite(failing, judged("expected-fail", "Pika #2291: kOther"), "4.0.1");
  assert.deepEqual(statuses(out), ["s1:PASSED", "s2:PASSED", "hook:PASSED"]);
  assert.ok(!out.some((m) => m.testStepStarted?.testStepId === "s3"), "s3 did not run");
  assert.deepEqual(notes(out), [
    "expected failure (ledger 4.0.1): Pika #2291: kOther\n\nThe step failed: Expected: kOk",
  ]);
});

test("an expected failure for JUnit: the failed step is skipped, its message saying why", () => {
  const out = rewrite(failing, judged("expected-fail", "Pika #2291: kOther"), "4.0.1", "SKIPPED");
  assert.deepEqual(statuses(out), ["s1:PASSED", "s2:SKIPPED", "hook:PASSED"]);
  const r = out.find((m) => m.testStepFinished?.testStepId === "s2")?.testStepFinished?.testStepResult;
  assert.equal(
    r?.message,
    "expected failure (ledger 4.0.1): Pika #2291: kOther\n\nThe step failed: Expected: kOk",
  );
  assert.equal(r?.exception, undefined, "no stack in place of the reason");
});

test("a SHOULD failure without --strict: the failed step is skipped, with a note", () => {
  const out = rewrite(failing, judged("non-strict"), "4.0.1");
  assert.deepEqual(statuses(out), ["s1:PASSED", "s2:SKIPPED", "s3:SKIPPED", "hook:PASSED"]);
  assert.match(notes(out)[0] ?? "", /^SHOULD failure, counted as skipped/);
});

test("a stale entry: the last passed step fails, saying the ledger is out of date", () => {
  const passing = failing.filter((m) => !m.testStepFinished || m.testStepFinished.testStepId === "s1");
  const out = rewrite(passing, judged("stale", "passed, but the ledger 4.0.1 says it fails"), "4.0.1");
  assert.deepEqual(statuses(out), ["s1:FAILED"]);
  const r = out.find((m) => m.testStepFinished)?.testStepFinished?.testStepResult;
  assert.equal(r?.exception?.message, "STALE ledger entry: passed, but the ledger 4.0.1 says it fails");
});

test("a pass and a plain failure are left as they are", () => {
  assert.equal(rewrite(failing, judged("fail"), "4.0.1"), failing);
  assert.equal(rewrite(failing, judged("pass"), undefined), failing);
});
