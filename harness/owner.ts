/**
 * Process identity: "pid start-time", which tells a live process from a dead one whose pid was
 * recycled. Run directories, node pid files, container labels and port claims record it, so a
 * later run can tell what a killed run left behind.
 */
import * as fs from "node:fs";

/** The start time of a process (clock ticks since boot), to tell a pid from a recycled one. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** "pid start" of this process: what owner files and container labels record. */
export function ownerId(pid = process.pid): string {
  return `${pid} ${processStart(pid) ?? "?"}`;
}

/** Whether the process an owner id names is still the same running process. */
export function ownerAlive(id: string): boolean {
  const [pidText, start] = id.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (!pidAlive(pid)) return false;
  const now = processStart(pid);
  return start === undefined || start === "?" || now === undefined || now === start;
}
