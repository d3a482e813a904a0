/** Findings pages from real runs (harness/report/findings.ts). */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { collectFindings, findingPage, findingsIndex, ruleOf } from "../harness/report/findings";
import { type Deviation, loadLedger } from "../harness/report/ledger";
import type { VerdictFile } from "../harness/report/outcome";
import type { TraceEvent } from "../harness/trace/trace";

const SHA = "23d9bf6f4a400f3648be514d5f674bd9b8ae632f";
const message =
  "MS-DUP-01 violates MS-DUP: A master MUST answer a MetaSync from an already registered ip:port with kOk\n" +
  '  Expected: the MetaSync reply is kOk\n  Actual:   kMetaSync kOther "Slave AlreadyExist"\n  Last frames:\n    ...';
const run = (sha: string | undefined, ledger: string): VerdictFile => ({
  build: sha ? { version: "4.0.0", sha } : { version: "4.0.0" },
  ledger,
  workers: 12,
  wallSeconds: 190,
  scenarios: [
    {
      id: "MS-DUP-01",
      name: "The same MetaSync again",
      verdict: "expected-fail",
      seconds: 1,
      seed: "7",
      error: { type: "ConformanceError", message },
    },
    { id: "MS-REG-01", name: "First MetaSync", verdict: "pass", seconds: 1, seed: null },
    {
      id: "SY-ANS-01",
      name: "DBSync for an unknown database",
      verdict: "expected-fail",
      seconds: 1,
      seed: null,
      died: "a node of the system under test died during the scenario: master (port 10031) died: killed by SIGSEGV",
    },
  ],
});
const events: TraceEvent[] = [
  {
    t: 0,
    from: "probe-slave",
    to: "master",
    conn: "A",
    kind: "frame",
    summary: "kMetaSync node=127.0.0.1:40000 auth=none",
  },
  {
    t: 1,
    from: "master",
    to: "probe-slave",
    conn: "A",
    kind: "frame",
    summary: 'kMetaSync kOther "Slave AlreadyExist"',
  },
];
const dev: Deviation = {
  id: "MS-DUP-01",
  reference: "Pika #2291",
  reason: "kOther to a duplicate",
  kind: "assertion",
  verified: SHA,
};

test("only expected and SHOULD failures of builds with a git sha are findings, one per scenario", () => {
  const findings = collectFindings(
    [
      { verdicts: run(SHA, "4.0.1"), trace: () => events },
      { verdicts: run("218b68bbf9f2258c9f233d97c2ae064ba6f46994", "unstable-218b68bb"), trace: () => events },
      { verdicts: run(undefined, "4.0.1"), trace: () => events },
    ],
    () => dev,
  );
  assert.deepEqual(
    findings.map((f) => [f.id, f.sightings.map((s) => s.ledger)]),
    [
      ["MS-DUP-01", ["4.0.1", "unstable-218b68bb"]],
      ["SY-ANS-01", ["4.0.1", "unstable-218b68bb"]],
    ],
  );
});

test("a finding's page has the rule, the builds, Expected/Actual, the frames and the diagram", () => {
  const [f] = collectFindings([{ verdicts: run(SHA, "4.0.1"), trace: () => events }], () => dev);
  assert.ok(f);
  const page = findingPage(f);
  assert.match(page, /^# MS-DUP-01: The same MetaSync again$/m);
  assert.match(page, /\*\*Rule\*\* MS-DUP: A master MUST answer a MetaSync/);
  assert.match(page, /Pika 4\.0\.1: pika_version 4\.0\.0, git sha 23d9bf6f/);
  assert.match(page, /Expected: the MetaSync reply is kOk\n {2}Actual: {3}kMetaSync kOther/);
  assert.doesNotMatch(page, /Last frames/, "the frames come from the trace, once");
  assert.match(page, /kMetaSync kOther "Slave AlreadyExist"/);
  assert.match(page, /!\[sequence diagram of MS-DUP-01\]\(MS-DUP-01\.svg\)/);
  assert.match(
    findingsIndex([f]),
    /\| \[MS-DUP-01\]\(MS-DUP-01\.md\) \| The same MetaSync again \| assertion \| 4\.0\.1 \|/,
  );
  assert.equal(ruleOf("no rule here"), "(no conformance assertion: see the failure below)");
  const crash = collectFindings([{ verdicts: run(SHA, "4.0.1"), trace: () => events }], () => dev)[1];
  assert.ok(crash);
  assert.match(
    findingPage(crash),
    /\*\*Then\*\* a node of the system under test died[^\n]*killed by SIGSEGV/,
  );
});

test("every ledger entry verified on a build at hand has its findings page, naming that build", () => {
  const dir = path.join(__dirname, "..", "docs", "findings");
  for (const name of ["4.0.1", "unstable-218b68bb"])
    for (const d of loadLedger(name).deviations.values()) {
      if (!d.verified) continue;
      const page = path.join(dir, `${d.id}.md`);
      assert.ok(fs.existsSync(page), `${d.id} is verified on ${name} but has no docs/findings/${d.id}.md`);
      assert.match(
        fs.readFileSync(page, "utf8"),
        new RegExp(`git sha ${d.verified}`),
        `${d.id}.md names ${name}'s build`,
      );
    }
});
