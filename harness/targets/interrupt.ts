/**
 * Interruption: cucumber runs no After hook on Ctrl-C, so the kit stops what a run started itself.
 * SIGINT, SIGTERM or SIGHUP (and, in a parallel worker, losing the coordinator; under npm, losing
 * the npm process) kill every node process at once and run the registered cleanups (each target's
 * teardown, each scenario's disposal) before the process exits.
 */
import * as fs from "node:fs";
import { killAllNow } from "./node-process";

const cleanups = new Set<() => unknown>();
let installed = false;

/** Registers a cleanup to run if the process is interrupted; returns its unregistration. */
export function onInterrupt(fn: () => unknown): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
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
    await runCleanups(graceMs);
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

/** Runs every registered cleanup at once; resolves when all have settled, or after `graceMs`. */
async function runCleanups(graceMs: number): Promise<void> {
  const all = Promise.allSettled([...cleanups].map((fn) => Promise.resolve().then(fn)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((r) => {
    timer = setTimeout(r, graceMs);
  });
  await Promise.race([all, late]);
  clearTimeout(timer);
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
