/** Helpers of the tests that pair reference nodes in this process (data plane, full sync). */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { VirtualClock } from "../../harness/clock";
import { ports } from "../../harness/net";
import { CONFORMANT } from "../../harness/reference/behaviour";
import { PikaConf } from "../../harness/reference/conf";
import { ReferenceNode } from "../../harness/reference/node";
import type { Reply } from "../../harness/reference/resp";

/** The replication-id the nodes share unless a test gives them another (or ""). */
export const RID = "a".repeat(50);

/** A started reference node with pika.conf `keys` (replication-id RID by default), stopped after the test. */
export async function startNode(
  t: TestContext,
  clock: VirtualClock,
  keys: Record<string, string | number> = {},
  behaviour = CONFORMANT,
): Promise<ReferenceNode> {
  const port = await ports.allocate();
  const conf = new PikaConf(undefined, PikaConf.render({ port, "replication-id": RID, ...keys }));
  const node = new ReferenceNode(conf, clock, behaviour);
  await node.start();
  t.after(() => node.stop());
  return node;
}

/** Runs one command line (words split on spaces) on db0 of a node. */
export function run(node: ReferenceNode, line: string): Reply {
  const [name = "", ...args] = line.split(" ");
  return node.command(name.toLowerCase(), args, { db: 0 });
}

/** Every key of db0 with its value (a list as JSON) and TTL, sorted. */
export function dump(node: ReferenceNode): [string, string | null, number][] {
  const scan = run(node, "scan 0 count 100000");
  assert.ok("multi" in scan);
  const keys = (scan.multi[1] as { array: string[] }).array;
  return keys.map((k) => {
    const type = run(node, `get ${k}`);
    const v =
      "error" in type ? JSON.stringify(run(node, `lrange ${k} 0 -1`)) : (type as { bulk: string }).bulk;
    const ttl = run(node, `ttl ${k}`) as { int: number };
    return [k, v, ttl.int];
  });
}

/** The two dumps agree: keys and values equal, TTLs within a second (the binlog keeps whole seconds). */
export const same = (a: ReturnType<typeof dump>, b: ReturnType<typeof dump>): boolean =>
  a.length === b.length &&
  a.every(([k, v, ttl], i) => {
    const [k2, v2, ttl2] = b[i] ?? [];
    return k === k2 && v === v2 && ttl2 !== undefined && Math.abs(ttl - ttl2) <= 1 && ttl * ttl2 > 0;
  });
