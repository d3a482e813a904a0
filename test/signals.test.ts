/**
 * Every way a run is stopped (issue 14, item 1): SIGINT, SIGTERM and SIGHUP sent to each process
 * of a run started as a user starts it, `npx --no-install pika-conformance` with two parallel
 * workers on the binary target (bin/pika-reference-server): to npm itself, to the kit's CLI and to
 * a cucumber worker. Within 2 s of the signal no process of the run may be left (npm, its sh, the
 * CLI, the workers, the nodes), and no temp directory or port claim of the run.
 *
 * One combination cannot be handled by the kit and is skipped, saying so: SIGINT to npm alone
 * under npm's default script-shell. npm forwards it to its `sh -c` wrapper, Debian's dash, which
 * catches it and waits for its child; the kit never receives it (Ctrl-C in a terminal signals the
 * whole process group, the kit included, and works). With script-shell bash, which execs a single
 * command in place of itself, npm's child is the kit and SIGINT reaches it: that case is tested.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";

const ROOT = path.join(__dirname, "..");

/** Every process whose ancestry leads to `root`, with its command line. */
function descendants(root: number): { pid: number; cmd: string }[] {
  const parent = new Map<number, number>();
  const cmd = new Map<number, string>();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
      cmd.set(Number(name), fs.readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // gone meanwhile
    }
  }
  const isUnder = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  return [...parent.keys()].filter(isUnder).map((pid) => ({ pid, cmd: cmd.get(pid) ?? "" }));
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
};

async function until<T>(what: string, get: () => T | undefined, ms: number, out: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`no ${what} within ${ms} ms:\n${out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TARGETS = {
  npm: (p: { cmd: string }) => p.cmd.startsWith("npm exec"),
  CLI: (p: { cmd: string }) => /node \S*\.bin\/pika-conformance /.test(p.cmd),
  worker: (p: { cmd: string }) => p.cmd.includes("run_worker.js"),
} as const;

/** `scriptShell`: npm's script-shell for the run (npm's default is sh, Debian's dash). */
async function stopRun(
  which: keyof typeof TARGETS,
  signal: NodeJS.Signals,
  scriptShell?: string,
): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "signals-test-"));
  let out = "";
  // detached: a process group of its own, so that the cleanup below can reach all of it.
  const child: ChildProcess = spawn(
    "npx",
    [
      "--no-install",
      "pika-conformance",
      "--target",
      "binary",
      "--pika-bin",
      "bin/pika-reference-server",
    ].concat([
      "--id",
      "KA-PING-01",
      "--id",
      "KA-RECV-01",
      "--parallel",
      "2",
      "--report-dir",
      path.join(tmp, "r"),
    ]),
    {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: tmp, ...(scriptShell ? { npm_config_script_shell: scriptShell } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const root = child.pid;
  assert.ok(root !== undefined, "npx started");
  let seen: number[] = [];
  try {
    // Both scenarios' nodes are up: two reference-server processes under the run.
    const nodes = await until(
      "two running nodes",
      () => {
        const n = descendants(root).filter((p) => p.cmd.includes("pika-reference-server.js"));
        return n.length >= 2 ? n : undefined;
      },
      60_000,
      () => out,
    );
    const all = [root, ...descendants(root).map((p) => p.pid)];
    seen = all;
    const victim = which === "npm" ? root : descendants(root).find(TARGETS[which])?.pid;
    assert.ok(
      victim,
      `no ${which} process in the run:\n${descendants(root)
        .map((p) => p.cmd)
        .join("\n")}`,
    );
    process.kill(victim, signal);
    const sent = Date.now();
    await until(
      "end of every process of the run",
      () => (all.some(alive) ? undefined : true),
      2_000,
      () =>
        [
          out,
          ...all
            .filter(alive)
            .map(
              (p) =>
                `still running: ${p} ${fs.readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ")}`,
            ),
        ].join("\n"),
    );
    const claims = path.join(tmp, "pika-conformance-ports");
    await until(
      "removal of the run's files",
      () => {
        const dirs = fs
          .readdirSync(tmp)
          .filter((n) => n.startsWith("pika-conformance-") && n !== "pika-conformance-ports");
        const held = fs.existsSync(claims) ? fs.readdirSync(claims) : [];
        return dirs.length === 0 && held.length === 0 ? true : undefined;
      },
      Math.max(0, 2_000 - (Date.now() - sent)),
      () => `${out}\nleft in ${tmp}: ${fs.readdirSync(tmp).join(", ")}`,
    );
    assert.ok(nodes.every((n) => !alive(n.pid)));
  } finally {
    // Whatever the outcome, nothing of this run outlives the test: the nodes run in process
    // groups of their own, so each process seen is killed by its pid, then the run's group.
    for (const pid of [...seen, ...descendants(root).map((p) => p.pid)].reverse())
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    try {
      process.kill(-root, "SIGKILL");
    } catch {
      // already gone
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe("a run started with npx stops within 2 s, leaving nothing, whichever process gets the signal", () => {
  for (const which of ["npm", "CLI", "worker"] as const)
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
      test(`${signal} to ${which}`, { timeout: 90_000 }, async (t) => {
        if (which === "npm" && signal === "SIGINT") {
          const why =
            "SIGINT to npm alone is forwarded to npm's sh -c wrapper (dash), which waits for the kit: the kit never " +
            "receives it (with npm's script-shell bash it does: the next test)";
          console.error(`\n*** SKIPPED ${signal} to ${which}: ${why}\n`);
          return t.skip(why);
        }
        await stopRun(which, signal);
      });
  test(
    "SIGINT to npm, with npm's script-shell bash (which runs the kit in its own place)",
    { timeout: 90_000 },
    () => stopRun("npm", "SIGINT", "/bin/bash"),
  );
});
