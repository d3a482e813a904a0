/**
 * A reference node in this process within a scenario of any target, on the target's own clock
 * and ports: the conformant reference, paired with the node under test to show that the two
 * implementations stream the same binlog (rule DS-MIX), or one of the reference's profiles,
 * standing in for another Pika release (pika-3.5 for Pika 3.5.5, which the kit has no binary
 * of: rule PR-VER, docs/PROTOCOL.md R40). Its schema is its profile's.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { behaviourOf, PROFILES } from "../reference/behaviour";
import type { SchemaVersion } from "../wire/proto";
import { writeNodeConf } from "./pikaconf";
import { ReferenceSutNode } from "./reference";
import { makeRunDir } from "./run-dir";
import type { NodeOptions, SutNode, Target } from "./target";

export interface ProfileNode {
  node: SutNode;
  /** Stops the node and removes its directory; its port goes back with the target's. */
  dispose(): Promise<void>;
}

/**
 * Starts `name` as a reference node on `target`'s clock and ports: of `profile` (a key of
 * PROFILES), or the conformant reference when it is undefined; speaking `schema` when given
 * instead of the profile's (the conformant reference paired with a 3.5 build speaks 3.5).
 */
export async function startProfileNode(
  target: Target,
  name: string,
  profile: string | undefined,
  options: NodeOptions = {},
  schema?: SchemaVersion,
): Promise<ProfileNode> {
  if (profile !== undefined && !PROFILES[profile])
    throw new Error(`"${profile}" is not a profile of the reference (${Object.keys(PROFILES).join(", ")})`);
  const port = await target.allocatePort();
  const dir = makeRunDir("profile");
  const nodeDir = path.join(dir, `${name}-${port}`);
  fs.mkdirSync(nodeDir, { recursive: true });
  const conf = writeNodeConf(nodeDir, port, options, undefined);
  const node = new ReferenceSutNode(name, port, options, conf, target.clock, {
    ...behaviourOf(profile),
    ...(schema && { schema }),
  });
  const dispose = async () => {
    await node.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await node.start();
  } catch (err) {
    await dispose();
    throw err;
  }
  return { node, dispose };
}
