/**
 * What the real-target drivers share about processes and cleanup:
 *
 * - process identity (harness/owner.ts) marks what each run owns;
 * - run directories under the OS temp directory, named `pika-conformance-*`, each with an
 *   owner file (pid and start time of the kit process that made it), so a later run can tell
 *   what a killed run left behind;
 * - node processes: spawned in a process group of their own with their output in files, stopped
 *   with SIGTERM, then SIGKILL after at most 1 s of grace, their pid recorded while they run;
 * - readiness: PING on P (and a connect to P+2000), raced against the process's exit;
 * - interruption: SIGINT/SIGTERM/SIGHUP (and, in a parallel worker, losing the coordinator; under
 *   npm, losing the npm process)
 *   stop every node at once and run the registered cleanups before the process exits;
 * - leftovers: a run first kills the processes and removes the directories of dead owners.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { LOOPBACK, REPL_SHIFT } from "../net";
import { ownerAlive, ownerId } from "../owner";

export const TMP_PREFIX = "pika-conformance-";
const OWNER_FILE = "owner";
const PID_FILE = "node.pid";

// --- run directories -------------------------------------------------------------------------

/** A fresh directory `<tmp>/pika-conformance-<kind>-XXXXXX` owned by this process. */
export function makeRunDir(kind: string, tmp = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${TMP_PREFIX}${kind}-`));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${ownerId()}\n`);
  return dir;
}

// --- interruption ----------------------------------------------------------------------------

const cleanups = new Set<() => unknown>();
const running = new Set<NodeProcess>();
let installed = false;

/** Registers a cleanup to run if the process is interrupted; returns its unregistration. */
export function onInterrupt(fn: () => unknown): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** SIGKILLs every node process this process started, synchronously. */
export function killAllNow(): void {
  for (const p of running) p.killNow();
}

/**
 * Installs the handlers once per process: on SIGINT, SIGTERM or SIGHUP (passed on to the
 * coordinator when a parallel worker gets it), or when the coordinator goes away (in a worker)
 * or the npm process that started the run does (under npx), every node process is killed at
 * once, the registered cleanups run (at most `graceMs`), and the process exits 130/143/129. On
 * any exit, node processes still running are killed.
 */
export function installInterruptHandlers(
  graceMs = 15_000,
  log = (s: string) => process.stderr.write(s),
): void {
  if (installed) return;
  installed = true;
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log(`\npika-conformance: ${why}: stopping the nodes and removing this run's files\n`);
    killAllNow();
    const all = Promise.allSettled([...cleanups].map((fn) => Promise.resolve().then(fn)));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => {
      timer = setTimeout(r, graceMs);
    });
    await Promise.race([all, late]);
    clearTimeout(timer);
    process.exit(code);
  };
  const codes: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [sig, code] of Object.entries(codes))
    process.on(sig, () => {
      // A signal to one cucumber worker stops the whole run: the coordinator gets it too.
      if (process.send && process.connected) process.kill(process.ppid, sig);
      void stop(sig, code);
    });
  if (process.send) {
    process.once("disconnect", () => void stop("the cucumber coordinator went away", 1));
    // cucumber's worker may still report a step to a coordinator that is gone; that error must
    // not end the process before the cleanup above has removed its nodes and files.
    process.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "ERR_IPC_CHANNEL_CLOSED") throw err;
    });
  } else if (process.env.npm_command) {
    // Started by npm (npx, npm exec, npm run): npm exits on SIGTERM without waiting for this
    // process, which would run on orphaned; its going away stops the run like a SIGTERM.
    onParentGone(() => void stop("the npm process that started this run went away", 143));
  }
  process.on("exit", killAllNow);
}

/** The parent of process `pid` (Linux /proc), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    // The fields after the command (which may hold spaces) start after its last ")".
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) || undefined;
  } catch {
    return undefined;
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Calls `fn` once this process's parent or grandparent has exited (checked every 200 ms, never
 * keeping the process alive). Under npx the parent is npm's `sh -c` wrapper and the grandparent
 * npm itself: either going away leaves this process orphaned.
 */
export function onParentGone(fn: () => void, everyMs = 200): void {
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  const watched = grandparent && grandparent > 1 ? [grandparent] : [];
  const timer = setInterval(() => {
    if (process.ppid === parent && watched.every(alive)) return;
    clearInterval(timer);
    fn();
  }, everyMs);
  timer.unref();
}

// --- node processes --------------------------------------------------------------------------

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(e: Exit): string {
  return e.signal ? `killed by ${e.signal}` : `exited with status ${e.code}`;
}

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

// --- readiness -------------------------------------------------------------------------------

/** A RESP command as bytes. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/**
 * One readiness probe: PING on P (after AUTH when there is a password), then a connect to
 * P+2000. Resolves undefined when both answer, or what went wrong.
 */
export function probeOnce(port: number, password?: string, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    const sockets: net.Socket[] = [];
    const done = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const x of sockets) x.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer on ${port} in ${timeoutMs} ms`), timeoutMs);
    const replies = password ? 2 : 1;
    let got = "";
    const s = net.connect({ host: LOOPBACK, port });
    sockets.push(s);
    s.once("error", (e) => done(`P=${port}: ${e.message}`));
    s.once("close", () =>
      done(`P=${port} closed the connection${got ? ` after ${JSON.stringify(got)}` : ""}`),
    );
    s.once("connect", () => s.write((password ? resp("AUTH", password) : "") + resp("PING")));
    s.on("data", (d) => {
      got += d.toString("latin1");
      const lines = got.split("\r\n").slice(0, -1);
      if (lines.length < replies) return;
      if (lines[replies - 1] !== "+PONG")
        return done(`PING on ${port} answered ${JSON.stringify(lines.join(" | "))}`);
      const r = net.connect({ host: LOOPBACK, port: port + REPL_SHIFT });
      sockets.push(r);
      r.once("connect", () => done(undefined));
      r.once("error", (e) => done(`P+2000=${port + REPL_SHIFT}: ${e.message}`));
    });
  });
}

/**
 * Waits until the node answers PING on P and accepts connections on P+2000, or fails at once
 * when `exited` settles first (the process died), or after `budgetMs`.
 */
export async function waitReady(opts: {
  port: number;
  password?: string;
  budgetMs: number;
  /** Settles with the reason when the node is gone (exit status, container stopped). */
  gone?: Promise<string>;
  what: string;
}): Promise<void> {
  const deadline = Date.now() + opts.budgetMs;
  let gone: string | undefined;
  void opts.gone?.then((why) => {
    gone = why;
  });
  let last = "not tried";
  for (;;) {
    if (gone !== undefined) throw new Error(`${opts.what} exited before answering PING: ${gone}`);
    const why = await probeOnce(
      opts.port,
      opts.password,
      Math.max(100, Math.min(2000, deadline - Date.now())),
    );
    if (why === undefined) return;
    last = why;
    if (Date.now() >= deadline)
      throw new Error(`${opts.what} did not answer PING within ${opts.budgetMs / 1000} s (last: ${last})`);
    // The next attempt, or the process's exit, whichever comes first.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      opts.gone ?? new Promise(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, 25);
      }),
    ]);
    clearTimeout(timer);
  }
}

// --- leftovers of killed runs -----------------------------------------------------------------

function readOwner(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Node pid files under a run directory (two levels: <run>/<node>/node.pid). */
function pidFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      const f = path.join(dir, e.name, PID_FILE);
      if (fs.existsSync(f)) out.push(f);
    }
  }
  return out;
}

/**
 * Removes what killed runs left in `tmp`: for every `pika-conformance-*` directory whose owner
 * process is gone, SIGKILLs the node processes it recorded (checked by start time, so a
 * recycled pid is left alone) and deletes the directory. Directories of live runs, and
 * directories without an owner file, are not touched. Returns what was removed.
 */
export function clearLeftovers(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync(tmp).filter((n) => n.startsWith(TMP_PREFIX));
  } catch {
    return removed;
  }
  for (const name of entries) {
    const dir = path.join(tmp, name);
    const owner = readOwner(path.join(dir, OWNER_FILE));
    if (owner === undefined || ownerAlive(owner)) continue;
    try {
      for (const f of pidFiles(dir)) {
        const id = readOwner(f);
        if (id && ownerAlive(id)) {
          const pid = Number(id.split(/\s+/)[0]);
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            try {
              process.kill(pid, "SIGKILL");
            } catch {}
          }
          removed.push(`process ${pid}`);
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // another run is clearing the same directory
    }
  }
  return removed;
}
