/** Helpers of the tests that start and watch processes (targets, run directories, node processes). */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { ownerAlive, ownerId } from "../../harness/owner";

/** Whether process `pid` (the same process, not a recycled pid) is still running. */
export const alive = (pid: number) => ownerAlive(ownerId(pid));

/** Polls `cond` every 20 ms until it holds; an Error after `ms`. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A detached process that runs until killed; its pid. */
export function sleeper(): number {
  const p = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
    detached: true,
    stdio: "ignore",
  });
  p.unref();
  assert.ok(p.pid !== undefined, "the sleeper started");
  return p.pid;
}
