/**
 * Node processes (harness/targets/node-process.ts): the pid file while a process runs, its output
 * in files, stop's SIGTERM then SIGKILL after the grace, a kill that takes the process's whole
 * group, killAllNow, and the log tails reports show.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { ownerId } from "../harness/owner";
import { describeExit, killAllNow, NodeProcess, tailDir } from "../harness/targets/node-process";
import { PID_FILE } from "../harness/targets/run-dir";
import { until } from "./support/processes";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "targets-node-process-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
const nodeDir = () => fs.mkdtempSync(path.join(scratch, `node-${dirs++}-`));

/** A shell node: `script` under /bin/sh, in a directory of its own. */
const sh = (script: string) => NodeProcess.start("/bin/sh", ["-c", script], nodeDir());

/** Whether a process has ended: gone from /proc, or a zombie its new parent has not reaped yet. */
function ended(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

describe("node processes", () => {
  test("records its pid while it runs, keeps its output in files, and says how it exited", async () => {
    const p = sh("echo out; echo err >&2; exec sleep 30");
    assert.ok(p.pid !== undefined);
    const pidFile = path.join(p.dir, PID_FILE);
    assert.equal(fs.readFileSync(pidFile, "utf8"), `${ownerId(p.pid)}\n`);
    await until(() => /\nerr\n/.test(p.output()));
    p.killNow();
    const exit = await p.exited;
    assert.equal(describeExit(exit), "killed by SIGKILL");
    assert.equal(p.exit, exit);
    assert.ok(!fs.existsSync(pidFile), "the pid file goes with the process");
    assert.match(p.output(), /^--- stdout \(\S+stdout\.log\)\nout\n\n--- stderr \(\S+stderr\.log\)\nerr\n$/);
    assert.equal(describeExit({ code: 3, signal: null }), "exited with status 3");
  });

  test("stop sends SIGTERM, and SIGKILL once the grace is over", async () => {
    const polite = sh("trap 'exit 7' TERM; while :; do sleep 0.05; done");
    await until(() => fs.existsSync(path.join(polite.dir, PID_FILE)));
    await new Promise((r) => setTimeout(r, 200)); // the trap is set
    assert.deepEqual(await polite.stop(5000), { code: 7, signal: null });
    const stubborn = sh("trap '' TERM; while :; do sleep 0.05; done");
    await new Promise((r) => setTimeout(r, 200));
    const start = Date.now();
    assert.equal(describeExit(await stubborn.stop(300)), "killed by SIGKILL");
    assert.ok(Date.now() - start >= 250, "it had its grace");
  });

  test("a kill takes the node's whole process group: no child outlives it", async () => {
    const p = sh("sleep 30 & echo $! > child.pid; wait");
    const file = path.join(p.dir, "child.pid");
    await until(() => fs.existsSync(file) && fs.readFileSync(file, "utf8").endsWith("\n"));
    const child = Number(fs.readFileSync(file, "utf8"));
    assert.ok(!ended(child), "the child runs");
    await p.stop(0);
    await until(() => ended(child));
  });

  test("killAllNow SIGKILLs every node process still running", async () => {
    const ps = [sh("exec sleep 30"), sh("exec sleep 30")];
    killAllNow();
    for (const p of ps) assert.equal(describeExit(await p.exited), "killed by SIGKILL");
  });

  test("a binary that cannot start exits 127 with the reason in its stderr", async () => {
    const p = NodeProcess.start(path.join(scratch, "no-such-binary"), [], nodeDir());
    assert.deepEqual(await p.exited, { code: 127, signal: null });
    assert.match(p.output(), /cannot start \S+no-such-binary: spawn \S+ ENOENT/);
  });
});

describe("log tails", () => {
  test("every file of a directory, in name order, each cut to its last bytes", () => {
    const dir = nodeDir();
    fs.writeFileSync(path.join(dir, "b.log"), "0123456789");
    fs.writeFileSync(path.join(dir, "a.log"), "short");
    fs.mkdirSync(path.join(dir, "sub")); // not a file: left out
    assert.equal(
      tailDir(dir, 4),
      `--- ${path.join(dir, "a.log")}\n[...]\nhort\n--- ${path.join(dir, "b.log")}\n[...]\n6789`,
    );
    assert.equal(
      tailDir(dir),
      `--- ${path.join(dir, "a.log")}\nshort\n--- ${path.join(dir, "b.log")}\n0123456789`,
    );
    assert.equal(tailDir(path.join(dir, "missing")), "");
  });
});
