/**
 * Leftovers of killed runs: a run that was SIGKILLed (or lost its machine's power) ran no
 * cleanup, so the next run removes what it left: for every run directory whose owner process is
 * gone, the node processes it recorded and the directory itself (run-dir.ts says what they hold).
 * Containers are found by their labels instead (container.ts, clearContainerLeftovers).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ownerAlive } from "../owner";
import { OWNER_FILE, PID_FILE, TMP_PREFIX } from "./run-dir";

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

/** SIGKILLs a recorded node's process group (or the process alone, if it leads none). */
function killRecorded(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
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
          killRecorded(pid);
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
