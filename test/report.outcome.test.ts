import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { junitXml, verdictJunit, xmlEscape } from "../harness/report/junit";
import {
  type Build,
  chooseLedger,
  LedgerChoiceError,
  ledgerNames,
  loadLedger,
  parseLedger,
  versionMismatch,
} from "../harness/report/ledger";
import {
  closingLine,
  failureKind,
  judge,
  outcome,
  report,
  type ScenarioResult,
  type Verdict,
  type VerdictFile,
  verdictChanges,
} from "../harness/report/outcome";

const r = (id: string, status: ScenarioResult["status"], level = "@must"): ScenarioResult => ({
  id,
  name: `scenario ${id}`,
  uri: "features/x.feature",
  tags: [`@${id}`, level, "@master"],
  status,
  ...(status === "failed"
    ? { error: { type: "ConformanceError", message: `${id} violates X: y\nExpected: a\nActual: b` } }
    : {}),
});

const SHA = "1".repeat(40);
const ledger = parseLedger(
  `ledger: "9.9.9"\npika_version: "9.9.0"\nbuilds: ["${SHA}"]\ndeviations:\n` +
    `  - id: MS-DUP-01\n    reference: "#2291"\n    reason: kOther\n    verified: "${SHA}"\n` +
    `  - id: MS-DUP-02\n    reference: "#2291"\n    reason: kOther\n    verified: false\n` +
    `  - id: SY-ANS-01\n    kind: crash\n    reference: "#2290"\n    reason: null db\n    verified: false\n`,
  "9.9.9",
);

test("a listed scenario that fails is an expected failure, counted as passed", () => {
  const o = outcome([r("MS-DUP-01", "failed"), r("MS-REG-01", "passed")], ledger, false);
  assert.deepEqual([o.passed, o.failed, o.skipped, o.ok], [2, 0, 0, true]);
  assert.equal(o.judged[0]?.verdict, "expected-fail");
  assert.match(report(o).join("\n"), /Expected failures, counted as passed \(1\):\n {2}MS-DUP-01/);
});

test("a scenario met the same way in several runs (--repeat) is listed once with its count", () => {
  const o = outcome(
    [r("MS-DUP-01", "skipped"), r("MS-DUP-01", "skipped"), r("MS-REG-01", "skipped")],
    undefined,
    false,
  );
  assert.deepEqual(report(o), [
    "Skipped (3):",
    "  MS-DUP-01  scenario MS-DUP-01  (x2)",
    "  MS-REG-01  scenario MS-REG-01",
  ]);
});

test("a listed scenario that passes is a stale entry and fails the run", () => {
  const o = outcome([r("MS-DUP-02", "passed")], ledger, false);
  assert.deepEqual([o.passed, o.failed, o.ok], [0, 1, false]);
  assert.match(report(o).join("\n"), /STALE ledger entries/);
});

test("a SHOULD failure is skipped unless strict; a MUST failure always fails", () => {
  const results = [r("SL-SAME-01", "failed", "@should"), r("MS-REG-01", "failed")];
  assert.equal(closingLine(outcome(results, undefined, false)), "0 passed, 1 failed, 1 skipped");
  assert.equal(closingLine(outcome(results, undefined, true)), "0 passed, 2 failed, 0 skipped");
});

test("without a ledger every failure is a failure", () => {
  assert.equal(outcome([r("MS-DUP-01", "failed")], undefined, false).ok, false);
});

test("the verdict JUnit counts expected failures as passes and escapes text", () => {
  const o = outcome(
    [r("MS-DUP-01", "failed"), r("SL-SAME-01", "failed", "@should"), r("MS-REG-01", "failed")],
    ledger,
    false,
  );
  const xml = verdictJunit(o);
  assert.match(xml, /tests="3" failures="1" skipped="1"/);
  assert.match(
    xml,
    /<failure message="ConformanceError">MS-REG-01 violates X: y\nExpected: a\nActual: b<\/failure>/,
  );
  assert.doesNotMatch(xml, /<failure[^>]*>[^<]*MS-DUP-01/);
});

test("an expected failure must be of the kind the ledger names; a kit error never is", () => {
  const died = { type: "NodeDiedError", message: "a node of the system under test died" };
  const own = { type: "ConformanceError", message: "SY-ANS-01 violates SY-ANS: ..." };
  const crash: ScenarioResult = { ...r("SY-ANS-01", "failed"), errors: [own, died] };
  assert.equal(failureKind(crash), "crash");
  assert.equal(judge(crash, ledger, false).verdict, "expected-fail");
  const noCrash: ScenarioResult = { ...r("SY-ANS-01", "failed"), errors: [own] };
  assert.equal(judge(noCrash, ledger, false).verdict, "fail");
  assert.match(judge(noCrash, ledger, false).note ?? "", /expects a node of the system under test dying/);
  const kit: ScenarioResult = {
    ...r("MS-DUP-01", "failed"),
    errors: [{ type: "TypeError", message: "x is undefined" }],
  };
  assert.equal(failureKind(kit), "kit");
  assert.equal(judge(kit, ledger, false).verdict, "fail");
  const timeout = {
    type: "Error",
    message: "function timed out, ensure the promise resolves within 240000 milliseconds",
  };
  assert.equal(judge({ ...r("MS-DUP-01", "failed"), errors: [timeout] }, ledger, false).verdict, "fail");
  const other = { type: "ConformanceError", message: "MS-DUP-02 violates MS-DUP: ..." };
  assert.equal(
    failureKind({ ...r("MS-DUP-01", "failed"), errors: [other] }),
    "kit",
    "another scenario's assertion",
  );
  const should: ScenarioResult = { ...r("SL-SAME-01", "failed", "@should"), errors: [timeout] };
  assert.equal(
    judge(should, undefined, false).verdict,
    "fail",
    "a kit error in a SHOULD scenario is not forgiven",
  );
});

test("ledger problems are listed together", () => {
  assert.throws(
    () =>
      parseLedger(
        `ledger: "1.0"\nbuilds: [abc]\ndeviations:\n  - id: bad\n    kind: maybe\n    verified: true\n`,
        "2.0",
      ),
    /ledger is "1\.0", expected "2\.0"[\s\S]*pika_version[\s\S]*builds must be a list of 40-character git shas[\s\S]*id must be a scenario ID[\s\S]*reference is missing[\s\S]*kind must be assertion or crash[\s\S]*verified must be false or the 40-character git sha/,
  );
  assert.throws(
    () =>
      parseLedger(
        `ledger: "1.0.0"\npika_version: "1.0.0"\ndeviations:\n  - id: MS-DUP-01\n    reference: x\n    reason: y\n    verified: "${SHA}"\n`,
        "1.0.0",
      ),
    /verified names 1{40}, which is not one of this ledger's builds/,
  );
});

test("the shipped ledgers load; each lists the #2291 duplicate", () => {
  const names = ledgerNames();
  assert.ok(names.includes("4.0.1") && names.includes("3.3.4") && names.includes("unstable-218b68bb"));
  assert.deepEqual(names.slice(0, 2), ["3.3.4", "3.3.5"], "releases in version order, branch builds last");
  for (const v of names)
    assert.ok(loadLedger(v).deviations.has("MS-DUP-01"), `${v} lists the #2291 duplicate`);
  assert.throws(() => loadLedger("0.0.1"), /no deviation ledger 0\.0\.1[\s\S]*Known ledgers: 3\.3\.4/);
});

describe("which ledger judges a build", () => {
  const V401 = "23d9bf6f4a400f3648be514d5f674bd9b8ae632f";
  const UNSTABLE = "218b68bbf9f2258c9f233d97c2ae064ba6f46994";
  const pick = (build: Build, opts: { requested?: string; ledger?: string } = {}) =>
    chooseLedger(build, opts);

  test("a build is known by its git sha whatever its version string", () => {
    assert.equal(pick({ version: "4.0.0", sha: V401 }).ledger?.name, "4.0.1");
    assert.equal(pick({ version: "4.0.0", sha: V401 }, { requested: "4.0.1" }).ledger?.name, "4.0.1");
    assert.equal(pick({ version: "4.0.0", sha: V401 }, { requested: "4.0.0" }).ledger?.name, "4.0.1");
    assert.equal(pick({ version: "4.0.0", sha: UNSTABLE }).ledger?.name, "unstable-218b68bb");
  });

  test("--pika-version that does not describe the build is one paragraph with a way through", () => {
    assert.throws(
      () => pick({ version: "4.0.0" }, { requested: "4.0.1" }),
      (e: Error) =>
        e instanceof LedgerChoiceError &&
        /--pika-version 4\.0\.1 does not describe the build under test \(pika_version 4\.0\.0, no git sha\): the 4\.0\.1 ledger is for the builds with git sha 23d9bf6f/.test(
          e.message,
        ) &&
        /Give --pika-version 4\.0\.0 \(or leave it out\)[\s\S]*--ledger 4\.0\.1 to judge it by the 4\.0\.1 ledger anyway/.test(
          e.message,
        ),
    );
    assert.throws(
      () => pick({ version: "3.5.5" }, { requested: "4.0.0" }),
      /the 4\.0\.0 ledger is for builds reporting pika_version 4\.0\.0/,
    );
    assert.throws(
      () => pick({ version: "3.5.5" }, { requested: "9.9.9" }),
      /it reports pika_version 3\.5\.5/,
    );
  });

  test("an unknown sha of a known version is judged by that release's ledger, said loudly", () => {
    const c = pick({ version: "4.0.0", sha: "f".repeat(40) });
    assert.equal(c.ledger?.name, "4.0.0");
    assert.ok(c.loud);
    assert.equal(pick({ version: "4.0.0" }).loud, false, "a build without a sha has nothing more to match");
  });

  test("a version with no ledger takes the nearest older release's, loudly; none or a file by --ledger", () => {
    const c = pick({ version: "4.1.2", sha: "e".repeat(40) });
    assert.equal(c.ledger?.name, "4.0.1");
    assert.ok(c.loud);
    assert.match(c.why, /nearest older release's ledger, 4\.0\.1[\s\S]*--ledger none/);
    assert.equal(pick({ version: "3.0.0" }).ledger, undefined);
    assert.equal(pick({ version: "reference-0.1.0" }).ledger, undefined);
    assert.equal(pick({ version: "reference-0.1.0" }).loud, false);
    assert.equal(pick({ version: "4.0.0", sha: V401 }, { ledger: "none" }).ledger, undefined);
    const forced = pick({ version: "4.0.0" }, { ledger: "4.0.1" });
    assert.equal(forced.ledger?.name, "4.0.1");
    assert.ok(forced.loud);
    assert.match(forced.why, /as --ledger asks; that ledger is for the builds with git sha 23d9bf6f/);
    assert.equal(
      pick({ version: "4.0.0" }, { ledger: "fixtures/deviations/3.5.5.yaml" }).ledger?.name,
      "3.5.5",
    );
  });

  test("versionMismatch accepts what the build reports, or a ledger that lists its sha", () => {
    assert.equal(versionMismatch("4.0.0", { version: "4.0.0" }), undefined);
    assert.equal(versionMismatch("v4.0.0", { version: "4.0.0" }), undefined);
    assert.equal(versionMismatch("4.0.1", { version: "4.0.0", sha: V401 }), undefined);
    assert.match(
      versionMismatch("4.0.1", { version: "4.0.0", sha: UNSTABLE }) ?? "",
      /ledger is for the builds/,
    );
  });
});

test("verdictChanges names every scenario whose verdict differs between runs", () => {
  const run = (verdicts: Record<string, Verdict>): VerdictFile => ({
    build: { version: "4.0.0" },
    ledger: "4.0.1",
    workers: 12,
    wallSeconds: 1,
    scenarios: Object.entries(verdicts).map(([id, verdict]) => ({
      id,
      name: id,
      verdict,
      seconds: 1,
      seed: null,
    })),
  });
  const a = run({ "MS-DUP-01": "expected-fail", "PR-STORM-02": "expected-fail", "MS-REG-01": "pass" });
  const b = run({ "MS-DUP-01": "expected-fail", "PR-STORM-02": "stale", "MS-REG-01": "pass" });
  const c = run({ "MS-DUP-01": "expected-fail", "PR-STORM-02": "expected-fail" });
  assert.deepEqual(verdictChanges([a, b, c]), [
    { id: "MS-REG-01", verdicts: ["pass", "pass", "absent"] },
    { id: "PR-STORM-02", verdicts: ["expected-fail", "stale", "expected-fail"] },
  ]);
  assert.deepEqual(verdictChanges([a, a]), []);
});

test("JUnit text carries no character XML 1.0 forbids, whatever a system under test replied", () => {
  assert.equal(xmlEscape('a\u0000b\u0001<c>&"d\u001b[31m'), "a\ufffdb\ufffd&lt;c&gt;&amp;&quot;d\ufffd[31m");
  const xml = junitXml("s", [
    { classname: "x", name: "n", failure: { message: "m\u0000", text: "reply \u0001" } },
  ]);
  assert.ok(
    [...xml].every((ch) => ch >= " " || ch === "\n"),
    "no control character but the newline",
  );
  assert.match(xml, /tests="1" failures="1" skipped="0"/);
});
