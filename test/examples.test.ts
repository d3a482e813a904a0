/**
 * The workflow Pika can copy (examples/github-actions) must keep working: it is valid YAML, its
 * run step calls the kit's run-kit.sh with the arguments the script takes, and .ci/run calls the
 * same script, so a change that breaks the example breaks this kit's CI first.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { kitPath } from "../harness/root";

const SCRIPT = "examples/github-actions/run-kit.sh";

test("the example workflow's run step calls run-kit.sh with a kit, a binary and a report dir", () => {
  const wf = parse(fs.readFileSync(kitPath("examples", "github-actions", "pika-conformance.yml"), "utf8"));
  const steps: { run?: string }[] = wf.jobs.conformance.steps;
  const calls = steps.flatMap((s) => (s.run ?? "").split("\n")).filter((l) => l.includes("run-kit.sh"));
  assert.equal(calls.length, 1, "one step runs the kit");
  const [script, ...args] = (calls[0] as string).trim().split(/\s+/);
  assert.ok(script?.endsWith(SCRIPT), script);
  assert.equal(args.length, 3, `kit, binary, report dir: ${args.join(" ")}`);
  assert.ok(fs.statSync(kitPath(SCRIPT)).mode & 0o111, "run-kit.sh is executable");
  assert.match(
    fs.readFileSync(kitPath(".ci", "run"), "utf8"),
    /^(PIKA_SLOW=0 )?capped examples\/github-actions\/run-kit\.sh /m,
  );
});

test("run-kit.sh refuses missing arguments and a missing binary with a message and exit 2", () => {
  const usage = spawnSync(kitPath(SCRIPT), [], { encoding: "utf8" });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: run-kit\.sh/);
  const nobin = spawnSync(kitPath(SCRIPT), [kitPath(), "/nonexistent/pika", "/tmp/x"], { encoding: "utf8" });
  assert.equal(nobin.status, 2);
  assert.match(nobin.stderr, /\/nonexistent\/pika is not an executable Pika binary/);
});
