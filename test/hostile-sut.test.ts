/**
 * A hostile system under test cannot leak a password through the kit nor break its reports: one
 * that puts its requirepass and masterauth, control characters, ANSI escapes and markup into
 * every text it sends (the reference server's hostile-texts behaviour: replication reply texts,
 * Redis error replies, an INFO field, its log) runs through the binary target with every trace
 * attached, and the password is found nowhere in what the run printed or wrote (console, both
 * JUnit files, the messages and the HTML report, verdicts, traces, diagrams, node logs), except
 * where the reports quote the spec itself (the feature source, its steps and their arguments:
 * with requirepass "s3cret").
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { countJunit } from "../harness/report/junit";

const ROOT = path.resolve(__dirname, "..");
/** Controls but newline and tab, and what XML cannot carry. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters looked for
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/u;
const SECRET = "s3cret"; // the password of features/metasync/auth.feature and features/slave/handshake.feature

/** Every file below `dir`, as text. */
function filesBelow(dir: string): { file: string; text: string }[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => {
    if (!e.isFile()) return [];
    const file = path.join(e.parentPath, e.name);
    return [{ file, text: fs.readFileSync(file, "utf8") }];
  });
}

/** Messages that carry the spec itself (feature source, pickles, step arguments), not what the run saw. */
const SPEC_MESSAGES = ["source", "gherkinDocument", "pickle", "testCase"];

/** The cucumber messages of a report (ndjson, or the array the HTML report embeds), without the spec's. */
function runMessages(file: string, text: string): string | undefined {
  let list: Record<string, unknown>[];
  if (file.endsWith("cucumber-messages.ndjson"))
    list = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
  else if (file.endsWith(".html")) {
    const start = text.indexOf("window.CUCUMBER_MESSAGES = [");
    const end = text.indexOf("];", start);
    if (start < 0 || end < 0) return undefined;
    const array = text
      .slice(start + "window.CUCUMBER_MESSAGES = ".length, end + 1)
      .replace(/\\x3C/g, "\\u003c");
    list = JSON.parse(array);
    return (
      text.slice(0, start) +
      JSON.stringify(list.filter((m) => !SPEC_MESSAGES.some((k) => k in m))) +
      text.slice(end + 2)
    );
  } else return undefined;
  return JSON.stringify(list.filter((m) => !SPEC_MESSAGES.some((k) => k in m)));
}

/** JUnit's step lists quote the spec's steps that set or send the password; those are not leaks. */
function withoutSpecSteps(text: string): string {
  let out = text;
  for (const key of ["requirepass", "auth"]) // "auth" also ends "masterauth"
    for (const q of ['"', "&quot;"])
      out = out.split(`${key} ${q}${SECRET}${q}`).join(`${key} ${q}(spec)${q}`);
  return out;
}

test("a system under test echoing its password, controls and markup everywhere: no report carries the password or breaks", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-redaction-test-"));
  try {
    const reports = path.join(dir, "reports");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PIKA_TRACE: "all",
      PIKA_TRACE_DIR: path.join(reports, "traces"),
      PIKA_REFERENCE_VARIANT: "hostile-texts",
    };
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "bin/pika-conformance.js"),
        ...["--target", "binary", "--pika-bin", path.join(ROOT, "bin/pika-reference-server")],
        ...["--id", "MS-AUTH-01", "--id", "MS-AUTH-02", "--id", "SL-FIRST-02", "--id", "SY-REG-02"],
        ...["--parallel", "2", "--report-dir", reports],
      ],
      { cwd: dir, encoding: "utf8", env, timeout: 120_000 },
    );
    const outputs = [
      { file: "stdout", text: run.stdout },
      { file: "stderr", text: run.stderr },
      ...filesBelow(dir),
    ];
    // The echo reached the reports (so the check below is not vacuous): a scenario failed on it,
    // and the reports show where the password was.
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /FAIL +MS-AUTH-01 /);
    const redacted = outputs.filter((o) => /(<|&lt;|\\u003c|\\x3C)redacted(>|&gt;|\\u003e)/.test(o.text));
    for (const want of [
      "stdout",
      "pika-conformance-junit.xml",
      "cucumber-junit.xml",
      "cucumber.html",
      ".ndjson",
    ])
      assert.ok(
        redacted.some((o) => o.file.endsWith(want)),
        `no redacted password in ${want}: ${redacted.map((o) => o.file).join(", ")}`,
      );
    // Nothing it sent steers the terminal or breaks a document: no control character but newline
    // and tab in what was printed or written as text, and both JUnit files are XML a parser reads.
    for (const o of outputs.filter((o) => !o.file.endsWith(".html")))
      assert.doesNotMatch(o.text, UNSAFE, `${o.file} carries a character it must show as an escape`);
    for (const f of ["cucumber-junit.xml", "pika-conformance-junit.xml"])
      assert.equal(countJunit(fs.readFileSync(path.join(reports, f), "utf8")).failed, 1, f);
    for (const o of outputs) {
      const text = runMessages(o.file, o.text) ?? withoutSpecSteps(o.text);
      const at = text.indexOf(SECRET);
      assert.equal(
        at,
        -1,
        `${o.file} carries the password: ...${text.slice(Math.max(0, at - 80), at + 40)}...`,
      );
    }
  } finally {
    if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
});
