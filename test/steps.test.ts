/**
 * The step vocabulary is closed (steps/parameters.ts): a feature with a misspelled message type,
 * reply code, cut, connection label or duration does not run, it fails as undefined steps,
 * instead of passing because a misspelled value matched nothing.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");

test("a feature with misspelled parameters fails with every typo as an undefined step", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-typo-"));
  const feature = path.join(dir, "typos.feature");
  const typos = [
    "the probe master receives no MetaSnyc",
    "the proxy drops the first TrySnyc response",
    "connection A receives a MetaSync reply kOK within 1 s",
    "the proxy cuts the replication connection with FINN",
    "connection a receives a MetaSync reply kOk within 1 s",
    "within 20 sec INFO on the slave shows master_link_status:up",
    "the TrySync reply on connection A is kSyncPointLager within 1 s",
    "a probe slave announcing 127.0.0.1:forty",
    "the probe slave sends TrySnyc for db0 on connection A",
    "the probe master answers MetaSync with kOther 2 time, then kOk",
  ];
  fs.writeFileSync(
    feature,
    `Feature: typos\n\n  Scenario: every step misspelled\n${typos.map((t, i) => `    ${i === 0 ? "Given" : "And"} ${t}\n`).join("")}`,
  );
  try {
    const p = spawnSync(
      process.execPath,
      [
        path.join(ROOT, "node_modules/@cucumber/cucumber/bin/cucumber.js"),
        "--profile",
        "report_test",
        "--name",
        "^every step misspelled$",
        feature,
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
    );
    assert.notEqual(p.status, 0, "the run must fail");
    assert.match(p.stdout, /^1 scenario \(1 undefined\)$/m);
    assert.match(p.stdout, new RegExp(`^${typos.length} steps \\(${typos.length} undefined\\)$`, "m"));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("every step body is at most 3 lines: the logic lives in the World or harness/", () => {
  const long: string[] = [];
  let steps = 0;
  for (const file of fs.readdirSync(path.join(ROOT, "steps")).filter((f) => f.endsWith("_steps.ts"))) {
    const text = fs.readFileSync(path.join(ROOT, "steps", file), "utf8");
    const src = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      const [pattern, fn] =
        ts.isCallExpression(node) && node.expression.getText(src) === "step" ? node.arguments : [];
      if (pattern && fn && (ts.isFunctionExpression(fn) || ts.isArrowFunction(fn))) {
        steps++;
        const body = fn.body
          .getText(src)
          .split("\n")
          .slice(1, -1)
          .filter((l) => l.trim() !== "");
        if (body.length > 3) long.push(`${file}: ${pattern.getText(src)} (${body.length} lines)`);
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
  }
  assert.ok(steps > 50, `found only ${steps} step definitions: is the scan broken?`);
  assert.deepEqual(long, []);
});
