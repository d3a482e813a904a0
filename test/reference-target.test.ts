/** The reference target's nodes on the virtual clock (harness/targets/reference.ts). */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ReferenceTarget } from "../harness/targets/reference";

test("an open admin connection is seen by the virtual clock: 180 s pass while it is open and used", async () => {
  await using t = new ReferenceTarget(5);
  const node = await t.startNode("master", { requirepass: "pw" });
  const admin = await node.admin();
  try {
    const started = Date.now();
    await t.clock.during(180);
    assert.equal((await admin.info("replication")).role, "master");
    await t.clock.during(60);
    assert.ok(Date.now() - started < 5000, `the virtual waits took ${Date.now() - started} ms of real time`);
  } finally {
    admin.close();
  }
});
