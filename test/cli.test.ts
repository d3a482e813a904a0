/**
 * The pika-conformance command end to end, on the embedded reference: the ledger decides, a
 * stale entry fails the run, and the closing line is the last line.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { countJunit } from "../harness/report/junit";

const CLI = path.resolve(__dirname, "../bin/pika-conformance.js");

const cli = (...args: string[]) => cliWith({}, ...args);

function cliWith(extra: NodeJS.ProcessEnv, ...args: string[]) {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), "pika-cli-test-"));
  const env: NodeJS.ProcessEnv = { ...process.env, PIKA_TRACE_DIR: path.join(reports, "traces"), ...extra };
  delete env.PIKA_REFERENCE_VARIANT;
  const p = spawnSync(process.execPath, [CLI, "--report-dir", reports, ...args], {
    encoding: "utf8",
    env,
    timeout: 60_000,
  });
  const read = (f: string) => fs.readFileSync(path.join(reports, f), { encoding: "utf8", flag: "a+" });
  const [junit, html] = [read("cucumber-junit.xml"), read("cucumber.html")];
  fs.rmSync(reports, { recursive: true, force: true });
  const lines = p.stdout.trim().split("\n");
  return { status: p.status, out: p.stdout, err: p.stderr, last: lines[lines.length - 1], junit, html };
}

test("--list shows the selected scenarios with ID, level and role, and runs nothing", () => {
  const r = cli("--list", "--id", "MS-DUP-*", "--must-only");
  assert.equal(r.status, 0);
  assert.match(r.out, /^MS-DUP-01 +must +master +The same MetaSync again/m);
  assert.equal(r.last, "5 scenario(s)");
});

test("a scenario the ledger lists, failing as listed, is an expected failure and the run passes", () => {
  const r = cli("--variant", "pika-4.0", "--ledger", "4.0.1", "--id", "MS-DUP-01", "--id", "MS-REG-01");
  assert.equal(r.status, 0, r.out + r.err);
  assert.match(
    r.err,
    /NOTE: judging the build under test \(pika_version 4\.0\.0, no git sha\) by the ledger 4\.0\.1, as --ledger asks/,
  );
  assert.match(r.out, /Expected failures, counted as passed \(1\):\n {2}MS-DUP-01/);
  assert.match(r.out, /\] xfail +MS-DUP-01 /);
  assert.equal(r.last, "2 passed, 0 failed, 0 skipped");
  // cucumber's own reports: the HTML report a pass with the ledger's reason; its JUnit, which
  // has no expected failure, a <skipped> that says so (as pytest writes an xfail), never red.
  assert.match(r.html, /expected failure \(ledger 4\.0\.1\): Pika #2291/);
  assert.deepEqual(countJunit(r.junit), { passed: 1, failed: 0, skipped: 1, failures: [] });
  assert.match(
    r.junit,
    /<skipped>\s*<!\[CDATA\[expected failure \(ledger 4\.0\.1\): Pika #2291[^\]]*The step failed: /,
  );
  assert.match(r.junit, /<testsuite [^>]*failures="0"/);
});

test("a scenario the ledger lists that passes is a stale entry and fails the run", () => {
  const r = cli("--ledger", "4.0.1", "--id", "MS-DUP-01");
  assert.equal(r.status, 1);
  assert.match(r.out, /STALE ledger entries[^\n]*\n {2}MS-DUP-01/);
  assert.match(r.out, /\] STALE +MS-DUP-01 /);
  assert.equal(r.last, "0 passed, 1 failed, 0 skipped");
  const junit = countJunit(r.junit);
  assert.equal(junit.failed, 1, r.junit);
  assert.match(junit.failures[0] ?? "", /STALE ledger entry: passed, but the ledger 4\.0\.1 says it fails/);
});

test("a failing scenario prints the rule, Expected and Actual, and exits 1", () => {
  const r = cli("--variant", "dup-kother", "--id", "MS-DUP-02");
  assert.equal(r.status, 1);
  assert.match(
    r.out,
    /ConformanceError: MS-DUP-02 violates MS-DUP: A master MUST[\s\S]*Expected: [\s\S]*Actual: [\s\S]*Slave AlreadyExist/,
  );
  assert.equal(r.last, "0 passed, 1 failed, 0 skipped");
});

test("bad options, unknown ledgers and versions that do not describe the build are refused clearly", () => {
  assert.match(cli("--repeat", "zero").err, /--repeat needs an integer of at least 1/);
  const r = cli("--pika-version", "4.0.1", "--variant", "pika-4.0");
  assert.equal(r.status, 2);
  assert.match(r.err, /--pika-version 4\.0\.1 does not describe the build under test[\s\S]*--ledger 4\.0\.1/);
  const l = cli("--ledger", "0.0.1");
  assert.equal(l.status, 2);
  assert.match(l.err, /no deviation ledger 0\.0\.1[\s\S]*Known ledgers/);
  assert.match(cli("--id", "NOPE-*").err, /no scenario ID matches NOPE-\*/);
});

test("bad settings and report directories are one paragraph and exit 2, before any node starts", () => {
  const refused = (r: ReturnType<typeof cli>, paragraph: RegExp) => {
    assert.equal(r.status, 2, r.out + r.err);
    assert.match(r.err, paragraph);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  };
  refused(
    cliWith({ PIKA_SEED: "abc" }, "--id", "MS-REG-01"),
    /PIKA_SEED="abc" is not a seed: give a whole number/,
  );
  refused(
    cliWith({ PIKA_TRACE: "bogus" }, "--id", "MS-REG-01"),
    /PIKA_TRACE="bogus" is not a setting: PIKA_TRACE=all/,
  );
  refused(
    cli("--id", "MS-REG-01", "--report-dir", "/proc/pika-x"),
    /--report-dir \/proc\/pika-x: cannot create/,
  );
  refused(
    cli("--id", "MS-REG-01", "--report-dir", "/etc/hostname/x"),
    /--report-dir \/etc\/hostname\/x: \/etc\/hostname is not a directory/,
  );
  refused(cli("--parallel", "0"), /--parallel needs an integer of at least 1/);
  refused(cli("--profile", "binary"), /--profile is cucumber-js's.*--target binary\|container\|external/);
});

test("a run in which every scenario was skipped fails unless --allow-empty", () => {
  const r = cliWith({ PIKA_SLOW: "0" }, "--id", "KA-IDLE-01");
  assert.equal(r.status, 1, r.out + r.err);
  assert.match(r.out, /No scenario ran: all 1 were skipped/);
  assert.equal(r.last, "0 passed, 0 failed, 1 skipped");
  const allowed = cliWith({ PIKA_SLOW: "0" }, "--id", "KA-IDLE-01", "--allow-empty");
  assert.equal(allowed.status, 0, allowed.out + allowed.err);
});

test("cucumber's --name, --format (a path of the caller's), --dry-run and anything after -- pass through", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "pika-cli-format-"));
  try {
    const json = path.relative(process.cwd(), path.join(out, "run.json"));
    const r = cli("--name", "^The same MetaSync again", "--format", `json:${json}`);
    assert.equal(r.status, 0, r.out + r.err);
    assert.match(r.out, /\] ok +MS-DUP-01 /);
    assert.equal(r.last, "1 passed, 0 failed, 0 skipped");
    const doc = JSON.parse(fs.readFileSync(path.join(out, "run.json"), "utf8"));
    assert.equal(doc[0].elements.length, 1);
    // Anything after -- is cucumber-js's, read by its own parser; what runs stays the kit's.
    const rest = cli("--", "--world-parameters", '{"x":1}', "--name", "^The same MetaSync again");
    assert.equal(rest.status, 0, rest.out + rest.err);
    assert.equal(rest.last, "1 passed, 0 failed, 0 skipped");
    const bogus = cli("--", "--bogus");
    assert.equal(bogus.status, 2);
    assert.match(bogus.err, /unknown option '--bogus'[\s\S]*cucumber-js refused the options after --/);
    assert.match(cli("--", "--tags", "@x").err, /--tags cannot follow --: use --tags/);
    assert.match(cli("--", "features/x.feature").err, /feature paths cannot follow --/);
    const dry = cli("--dry-run", "--id", "MS-DUP-*");
    assert.equal(dry.status, 0, dry.out + dry.err);
    assert.equal(dry.last, "0 passed, 0 failed, 5 skipped");
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
