/**
 * Node processes of the binary target: `bin args...` spawned in a process group of its own (so a
 * kill leaves no orphan behind), its stdout and stderr in files of its directory, its pid in the
 * directory's pid file while it runs (run-dir.ts), stopped with SIGTERM and then SIGKILL after at
 * most the grace given. Every process still running can be SIGKILLed at once (interrupt.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ownerId } from "../owner";
import { PID_FILE } from "./run-dir";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(e: Exit): string {
  return e.signal ? `killed by ${e.signal}` : `exited with status ${e.code}`;
}

/** The node processes of this process that have not exited yet. */
const running = new Set<NodeProcess>();

/** SIGKILLs every node process this process started, synchronously. */
export function killAllNow(): void {
  for (const p of running) p.killNow();
}

/** The last `bytes` of a file ("[...]" first when it is longer); "" when it cannot be read. */
function tail(file: string, bytes = 16_384): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, bytes);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return (size > len ? "[...]\n" : "") + buf.toString("utf8");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "";
  }
}

/** The last part of every file in a directory (a node's log directory), for reports. */
export function tailDir(dir: string, bytes = 16_384): string {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return "";
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile())
    .map((f) => `--- ${f}\n${tail(f, bytes)}`)
    .join("\n");
}

/**
 * One node process: `bin args...` in its own process group, stdout and stderr in files of
 * `dir`, its pid in `dir/node.pid` while it runs.
 */
export class NodeProcess {
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly child: ChildProcess;
  readonly stdoutFile: string;
  readonly stderrFile: string;

  private constructor(
    readonly bin: string,
    readonly args: string[],
    readonly dir: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.stdoutFile = path.join(dir, "stdout.log");
    this.stderrFile = path.join(dir, "stderr.log");
    const out = fs.openSync(this.stdoutFile, "a");
    const err = fs.openSync(this.stderrFile, "a");
    try {
      this.child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", out, err], detached: true });
    } finally {
      fs.closeSync(out);
      fs.closeSync(err);
    }
    running.add(this);
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once("error", (e) => {
        fs.appendFileSync(this.stderrFile, `cannot start ${bin}: ${e.message}\n`);
        this.finish({ code: 127, signal: null }, resolve);
      });
      this.child.once("exit", (code, signal) => this.finish({ code, signal }, resolve));
    });
    if (this.child.pid !== undefined)
      fs.writeFileSync(path.join(dir, PID_FILE), `${ownerId(this.child.pid)}\n`);
  }

  private finish(e: Exit, resolve: (e: Exit) => void): void {
    if (this.exit) return;
    this.exit = e;
    running.delete(this);
    fs.rmSync(path.join(this.dir, PID_FILE), { force: true });
    resolve(e);
  }

  static start(bin: string, args: string[], dir: string, env: NodeJS.ProcessEnv = process.env): NodeProcess {
    return new NodeProcess(bin, args, dir, env);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private signal(sig: NodeJS.Signals): void {
    if (this.exit || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, sig); // the whole group: no orphan survives the node
    } catch {
      try {
        this.child.kill(sig);
      } catch {}
    }
  }

  /** SIGKILL now, without waiting (interruption). */
  killNow(): void {
    this.signal("SIGKILL");
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 1000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((r) => {
      timer = setTimeout(() => {
        this.signal("SIGKILL");
        r();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }

  /** The last part of stdout and stderr. */
  output(bytes = 16_384): string {
    return [
      `--- stdout (${this.stdoutFile})\n${tail(this.stdoutFile, bytes)}`,
      `--- stderr (${this.stderrFile})\n${tail(this.stderrFile, bytes)}`,
    ].join("\n");
  }
}
