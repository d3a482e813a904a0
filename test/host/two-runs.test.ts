/**
 * Two runs on one host never share a port: two whole suites at once, each with --parallel 4 (ten
 * processes allocating node and probe ports from the same range), five rounds, and every scenario
 * of both must pass. Without the claims of harness/net.ts both runs' allocators start at the same
 * port and race between checking a port and binding it. It takes about a minute, so `npm test`
 * leaves it out and .ci/run runs it as a step of its own.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

const CLI = path.resolve(__dirname, "../../bin/pika-conformance.js");
const ROUNDS = 5;

function run(reports: string): Promise<{ status: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PIKA_TRACE_DIR: path.join(reports, "traces") };
  delete env.PIKA_REFERENCE_VARIANT;
  const p = spawn(process.execPath, [CLI, "--quiet", "--parallel", "4", "--report-dir", reports], { env });
  let out = "";
  p.stdout.on("data", (d) => {
    out += d;
  });
  p.stderr.on("data", (d) => {
    out += d;
  });
  return new Promise((resolve) => p.on("close", (status) => resolve({ status, out })));
}

test(`two suites at once, --parallel 4 each, ${ROUNDS} rounds: every scenario of both passes`, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-two-runs-"));
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const start = Date.now();
      const runs = await Promise.all(["a", "b"].map((r) => run(path.join(dir, `${round}${r}`))));
      for (const r of runs) {
        const last = r.out.trim().split("\n").pop() ?? "";
        const m = /^(\d+) passed, (\d+) failed, (\d+) skipped$/.exec(last);
        assert.ok(m && r.status === 0 && m[2] === "0" && Number(m[1]) > 0, `round ${round}:\n${r.out}`);
      }
      console.log(`round ${round}: ${((Date.now() - start) / 1000).toFixed(1)} s, both runs passed`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
