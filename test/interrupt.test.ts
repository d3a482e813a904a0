/**
 * Interruption (issue 4, item 9): cucumber runs no After hook on Ctrl-C, so the kit's own
 * SIGINT handler must stop what the run started. These tests run cucumber on a 30-s scenario
 * (KA-PING-01) against a real target, send SIGINT once the scenario's node answers, and then
 * look for anything left: the node's process, its container, the run's temp directories.
 *
 * The binary target (bin/pika-reference-server) always runs. The container target runs when
 * PIKA_IMAGE names an image and a container engine answers (.ci/run builds one); otherwise it
 * is skipped with the reason, or fails when REQUIRE_CONTAINERS=1.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { ownerAlive, ownerId } from "../harness/owner";
import { REFERENCE_VERSION } from "../harness/reference/node";
import { probeOnce } from "../harness/targets/readiness";

const ROOT = path.join(__dirname, "..");
const CUCUMBER = path.join(ROOT, "node_modules", "@cucumber", "cucumber", "bin", "cucumber.js");

interface Run {
  child: ChildProcess;
  tmp: string;
  output: () => string;
  exit: Promise<number | null>;
}

/** Starts cucumber on KA-PING-01 with its own TMPDIR and report locations. */
function startRun(env: NodeJS.ProcessEnv): Run {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "interrupt-test-"));
  const config = path.join(tmp, "cucumber.config.js");
  fs.writeFileSync(
    config,
    `module.exports = { default: ${JSON.stringify({
      requireModule: ["ts-node/register"],
      require: [path.join(ROOT, "steps", "**", "*.ts")],
      paths: [path.join(ROOT, "features", "keepalive", "timers.feature")],
      tags: "@KA-PING-01",
      format: ["progress"],
    })} };\n`,
  );
  let out = "";
  const child = spawn(process.execPath, [CUCUMBER, "--config", path.relative(ROOT, config)], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      TMPDIR: tmp,
      PIKA_TRACE_DIR: path.join(tmp, "traces"),
      TS_NODE_TRANSPILE_ONLY: "true",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { stdout, stderr } = child;
  assert.ok(stdout && stderr, "the run's stdout and stderr are piped");
  stdout.on("data", (d) => {
    out += d;
  });
  stderr.on("data", (d) => {
    out += d;
  });
  const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, tmp, output: () => out, exit };
}

async function until<T>(
  what: string,
  run: Run,
  get: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  let done = false;
  void run.exit.then(() => {
    done = true;
  });
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (done) throw new Error(`the run ended before ${what}:\n${run.output()}`);
    if (Date.now() > end) throw new Error(`no ${what} in ${ms} ms:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Run directories left in the run's TMPDIR (the port claims' directory stays; claims do not). */
const leftoverDirs = (tmp: string) =>
  fs.readdirSync(tmp).filter((n) => n.startsWith("pika-conformance-") && n !== "pika-conformance-ports");
const heldClaims = (tmp: string) => {
  const dir = path.join(tmp, "pika-conformance-ports");
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

/** Interrupts the run and checks its exit; returns what it printed. */
async function interrupt(run: Run): Promise<string> {
  run.child.kill("SIGINT");
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 30_000);
  const code = await run.exit;
  clearTimeout(timer);
  assert.equal(code, 130, `cucumber should exit 130 after SIGINT:\n${run.output()}`);
  assert.match(run.output(), /SIGINT: stopping the nodes/);
  return run.output();
}

describe("SIGINT during a run", () => {
  test("binary target: no node process and no temp directory is left", async () => {
    const run = startRun({
      PIKA_TARGET: "binary",
      PIKA_BIN: path.join(ROOT, "bin", "pika-reference-server"),
      PIKA_VERSION: REFERENCE_VERSION,
    });
    try {
      // The scenario's master: its pid file, then PONG on its port.
      const node = await until("master node process", run, () => {
        for (const d of leftoverDirs(run.tmp)) {
          for (const n of fs.readdirSync(path.join(run.tmp, d)).filter((x) => x.startsWith("master-"))) {
            const f = path.join(run.tmp, d, n, "node.pid");
            if (fs.existsSync(f))
              return { id: fs.readFileSync(f, "utf8").trim(), port: Number(n.slice("master-".length)) };
          }
        }
        return undefined;
      });
      await until("PONG from the master", run, async () =>
        (await probeOnce(node.port)) === undefined ? true : undefined,
      );
      assert.ok(ownerAlive(node.id));
      await interrupt(run);
      assert.ok(!ownerAlive(node.id), `the node process ${node.id} is still running`);
      assert.deepEqual(leftoverDirs(run.tmp), [], "temp directories left behind");
      assert.deepEqual(heldClaims(run.tmp), [], "port claims left behind");
      assert.notEqual(await probeOnce(node.port), undefined, "the node's port still answers");
    } finally {
      run.child.kill("SIGKILL");
      fs.rmSync(run.tmp, { recursive: true, force: true });
    }
  });

  test("container target: no container and no temp directory is left", async (t) => {
    const image = process.env.PIKA_IMAGE;
    const required = process.env.REQUIRE_CONTAINERS === "1";
    if (!image) {
      if (required) assert.fail("REQUIRE_CONTAINERS=1 but PIKA_IMAGE is not set");
      return t.skip("PIKA_IMAGE is not set: no image to interrupt a container run with");
    }
    const { engineProblem, LABEL } = await import("../harness/targets/container");
    const problem = await engineProblem();
    if (problem) {
      if (required) assert.fail(`REQUIRE_CONTAINERS=1 but no container engine answers: ${problem}`);
      return t.skip(`no container engine: ${problem}`);
    }
    const { getContainerRuntimeClient } = await import("testcontainers");
    const client = await getContainerRuntimeClient();
    const run = startRun({
      PIKA_TARGET: "container",
      PIKA_IMAGE: image,
      PIKA_VERSION: process.env.PIKA_VERSION || REFERENCE_VERSION,
    });
    const pid = run.child.pid;
    assert.ok(pid !== undefined, "the run has a process id");
    const owner = ownerId(pid); // taken while the run lives: its start time is in it
    const ours = async () => (await client.container.list()).filter((c) => c.Labels?.[LABEL.owner] === owner);
    try {
      const port = await until("master container", run, async () => {
        const node = (await ours()).map((x) => x.Labels?.[LABEL.node]).find((n) => n?.startsWith("master-"));
        return node ? Number(node.slice("master-".length)) : undefined;
      });
      await until("PONG from the master container", run, async () =>
        (await probeOnce(port)) === undefined ? true : undefined,
      );
      await interrupt(run);
      assert.deepEqual(
        (await ours()).map((c) => `${c.Id.slice(0, 12)} ${c.State}`),
        [],
        "containers left behind",
      );
      assert.deepEqual(leftoverDirs(run.tmp), [], "temp directories left behind");
      assert.deepEqual(heldClaims(run.tmp), [], "port claims left behind");
    } finally {
      run.child.kill("SIGKILL");
      for (const c of await ours())
        await client.container
          .getById(c.Id)
          .remove({ force: true })
          .catch(() => {});
      fs.rmSync(run.tmp, { recursive: true, force: true });
    }
  });
});
