/**
 * Run directories: `<tmp>/pika-conformance-<kind>-XXXXXX`, one per scenario target, each with an
 * owner file naming the kit process that made it (pid and start time, harness/owner.ts), and a pid
 * file in each node's directory while its process runs. Those two files are all a later run has to
 * tell what a killed run left behind (leftovers.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ownerId } from "../owner";

export const TMP_PREFIX = "pika-conformance-";
/** In a run directory: the owner id of the kit process that made it. */
export const OWNER_FILE = "owner";
/** In a node's directory (`<run>/<node>/`): the owner id of the node's process while it runs. */
export const PID_FILE = "node.pid";

/** A fresh directory `<tmp>/pika-conformance-<kind>-XXXXXX` owned by this process. */
export function makeRunDir(kind: string, tmp = os.tmpdir()): string {
  const dir = fs.mkdtempSync(path.join(tmp, `${TMP_PREFIX}${kind}-`));
  fs.writeFileSync(path.join(dir, OWNER_FILE), `${ownerId()}\n`);
  return dir;
}
