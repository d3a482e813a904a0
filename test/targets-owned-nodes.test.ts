/**
 * The nodes of a real target's scenario (harness/targets/owned-nodes.ts): the version check every
 * started node passes, and the one teardown both the binary and the container driver use, which
 * kills every node, releases the ports and removes the rest before it reports the kills that
 * failed, in one error naming each node.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { CLAIM_DIR, LOOPBACK } from "../harness/net";
import { ownerId } from "../harness/owner";
import type { Admin } from "../harness/targets/admin";
import type { Info } from "../harness/targets/info";
import { OwnedNodes } from "../harness/targets/owned-nodes";
import type { SutNode } from "../harness/targets/target";

/** A node whose kill succeeds or fails as told, and whose INFO server reports `version`. */
class FakeNode implements SutNode {
  readonly host = LOOPBACK;
  readonly options = {};
  killed = false;
  constructor(
    readonly name: string,
    readonly port: number,
    private readonly killError?: Error,
    private readonly version = "4.0.1",
  ) {}
  get replPort(): number {
    return this.port + 2000;
  }
  async admin(): Promise<Admin> {
    const info = { pikaVersion: this.version, fields: new Map() } as unknown as Info;
    return { info: async () => info, close: () => {} } as unknown as Admin;
  }
  async info(): Promise<Info> {
    return (await this.admin()).info();
  }
  async restart(): Promise<void> {}
  async kill(): Promise<void> {
    await new Promise((r) => setTimeout(r, 10)); // the others are not waiting for this one
    this.killed = true;
    if (this.killError) throw this.killError;
  }
  died(): string | undefined {
    return undefined;
  }
  logs(): string {
    return `log of ${this.name}`;
  }
}

/** Whether this process has given up its claim on `port` (another run may hold it by now). */
function released(port: number): boolean {
  try {
    return fs.readFileSync(path.join(CLAIM_DIR, String(port)), "utf8") !== ownerId();
  } catch {
    return true;
  }
}

describe("the nodes of a real target's scenario", () => {
  test("the teardown kills every node, releases the ports and removes the rest before it reports failed kills", async () => {
    let removedWhenKilled: boolean[] = [];
    const nodes: OwnedNodes<FakeNode> = new OwnedNodes({
      source: "bin/pika",
      remove: () => {
        removedWhenKilled = all.map((n) => n.killed);
      },
    });
    const p1 = await nodes.allocatePort();
    const p2 = await nodes.allocatePort();
    const all = [
      nodes.add(new FakeNode("master", p1, new Error("EPERM"))),
      nodes.add(new FakeNode("slave", p2)),
      nodes.add(new FakeNode("slave", p2 + 1, new Error("container gone"))),
    ];
    assert.ok(!released(p1) && !released(p2), "the ports are the scenario's until the teardown");
    await assert.rejects(nodes.tearDown(), (e: Error) => {
      assert.equal(
        e.message,
        `could not kill every node of the scenario: node master (port ${p1}): EPERM; node slave (port ${p2 + 1}): container gone`,
      );
      return true;
    });
    assert.deepEqual(
      all.map((n) => n.killed),
      [true, true, true],
    );
    assert.deepEqual(removedWhenKilled, [true, true, true], "removal comes after every kill");
    assert.ok(released(p1) && released(p2), "the scenario's ports are released");
  });

  test("a teardown whose kills all succeed throws nothing", async () => {
    let removed = 0;
    const nodes = new OwnedNodes<FakeNode>({ source: "bin/pika", remove: () => removed++ });
    const n = nodes.add(new FakeNode("master", await nodes.allocatePort()));
    await nodes.tearDown();
    assert.ok(n.killed);
    assert.equal(removed, 1);
  });

  test("the version check: any build before the build under test is known, then only that build", async () => {
    const unknown = new OwnedNodes<FakeNode>({ source: "bin/pika" });
    await unknown.check(new FakeNode("master", 1, undefined, "3.5.0"));
    await unknown.tearDown();
    const known = new OwnedNodes<FakeNode>({ build: { version: "4.0.1" }, source: "image pika:4.0.1" });
    await known.check(new FakeNode("master", 1));
    await assert.rejects(known.check(new FakeNode("slave", 2, undefined, "3.5.0")), (e: Error) => {
      assert.match(e.message, /^node slave \(image pika:4\.0\.1\) reports pika_version 3\.5\.0/);
      assert.match(e.message, /log of slave$/, "with the node's log");
      return true;
    });
    await known.tearDown();
  });
});
