/**
 * Run directories and the leftovers of killed runs (harness/targets/run-dir.ts, leftovers.ts): a
 * run directory names its owner; a later run removes the directories of dead owners with the node
 * processes they recorded, and leaves live runs, foreign directories and recycled pids alone.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { ownerAlive, ownerId } from "../harness/owner";
import { clearLeftovers } from "../harness/targets/leftovers";
import { makeRunDir, OWNER_FILE, PID_FILE, TMP_PREFIX } from "../harness/targets/run-dir";
import { alive, sleeper, until } from "./support/processes";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "targets-run-dir-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A process that runs until killed, in its own group, as a node of a killed run would. */

/** A run directory whose owner has exited, as a SIGKILLed run leaves it. */
async function deadRunDir(tmp: string): Promise<string> {
  const dir = makeRunDir("bin", tmp);
  const deadOwner = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => deadOwner.once("exit", r));
  assert.ok(deadOwner.pid !== undefined, "the dead owner ran");
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${ownerId(deadOwner.pid)}\n`);
  return dir;
}

/** Records `id` as the process of a node `name` of the run directory. */
function recordNode(dir: string, name: string, id: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, PID_FILE), `${id}\n`);
}

describe("run directories", () => {
  test("a run directory is new, under the kit's prefix, and names this process as its owner", () => {
    const a = makeRunDir("bin", scratch);
    const b = makeRunDir("bin", scratch);
    assert.notEqual(a, b);
    assert.equal(path.dirname(a), scratch);
    assert.ok(path.basename(a).startsWith(`${TMP_PREFIX}bin-`), a);
    assert.equal(fs.readFileSync(path.join(a, OWNER_FILE), "utf8"), `${ownerId()}\n`);
  });
});

describe("leftovers of killed runs", () => {
  test("a run dir whose owner is gone is removed with the node processes it recorded", async () => {
    const tmp = fs.mkdtempSync(path.join(scratch, "tmp-"));
    const dead = await deadRunDir(tmp);
    const node = sleeper();
    recordNode(dead, "master-10001", ownerId(node));
    const live = makeRunDir("bin", tmp); // ours: this process is alive
    const foreign = path.join(tmp, `${TMP_PREFIX}other`);
    fs.mkdirSync(foreign); // no owner file: not ours to judge
    const removed = clearLeftovers(tmp);
    assert.deepEqual(removed, [`process ${node}`, dead]);
    assert.ok(!fs.existsSync(dead));
    assert.ok(fs.existsSync(live) && fs.existsSync(foreign));
    await until(() => !alive(node));
  });

  test("a recycled pid is not killed: the start time must match", async () => {
    const me = ownerId();
    assert.ok(ownerAlive(me));
    assert.ok(!ownerAlive(`${process.pid} 1`));
    assert.ok(!ownerAlive("nonsense"));
    // A live process whose pid a dead run's node once had: its start time differs.
    const tmp = fs.mkdtempSync(path.join(scratch, "tmp-"));
    const dead = await deadRunDir(tmp);
    const other = sleeper();
    try {
      recordNode(dead, "master-10001", `${other} 1`);
      assert.deepEqual(clearLeftovers(tmp), [dead]);
      assert.ok(!fs.existsSync(dead), "the directory goes all the same");
      assert.ok(alive(other), "the process that got the pid again is left alone");
    } finally {
      process.kill(-other, "SIGKILL");
    }
  });

  test("a temp directory that cannot be read leaves nothing to remove", () => {
    assert.deepEqual(clearLeftovers(path.join(scratch, "no-such-dir")), []);
  });
});
