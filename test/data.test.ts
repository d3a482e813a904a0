/**
 * The data-plane checks (harness/data.ts): a write load, and what finds a write lost or applied
 * twice, on a reference node over the Redis protocol.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Mismatch } from "../harness/check";
import {
  binlogOffsetWithin,
  dataset,
  datasetDifference,
  describeHeld,
  describeOutcome,
  heldOnce,
  linkState,
  noSilentDivergenceDuring,
  noWritesHeldDuring,
  purgeBinlogsBeforeCurrent,
  ranges,
  sameDataWithin,
  WriteLoad,
  writeOwn,
  writesOnceWithin,
} from "../harness/data";
import { behaviourOf } from "../harness/reference/behaviour";
import { parseInfo } from "../harness/targets/info";
import { ReferenceTarget } from "../harness/targets/reference";
import type { SutNode } from "../harness/targets/target";

test("sequence numbers print as ranges, shortened past a limit", () => {
  assert.equal(ranges([3, 4, 5, 9]), "3-5, 9");
  assert.equal(ranges([]), "");
  assert.equal(ranges([1, 3, 5, 7], 2), "1, 3, ... (4 ranges)");
});

test("what a slave holds is told as lost writes and writes applied twice", () => {
  const seq = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
  const whole = { missing: [], counter: 5, log: seq(5) };
  assert.equal(describeHeld(whole, 5), "5 writes: none lost; counter 5; log of 5: none applied twice");
  assert.ok(heldOnce(whole, 5));
  const bad = { missing: [4, 5], counter: 3, log: [1, 2, 2, 3, 3] };
  assert.equal(
    describeHeld(bad, 5),
    "5 writes: 2 lost (4-5); counter 3; log of 5: 2 applied twice (2-3), 2 missing (4-5)",
  );
  assert.ok(!heldOnce(bad, 5));
  const shuffled = { missing: [], counter: 3, log: [1, 3, 2] };
  assert.match(describeHeld(shuffled, 3), /none applied twice, out of order$/);
  assert.ok(!heldOnce(shuffled, 3));
});

test("two datasets differ by keys missing, keys extra and values", () => {
  const m = new Map([
    ["a", "1"],
    ["b", "2"],
    ["c", "3"],
  ]);
  assert.equal(datasetDifference(m, new Map(m)), "");
  const s = new Map([
    ["a", "1"],
    ["b", "9"],
    ["z", "0"],
  ]);
  assert.equal(
    datasetDifference(m, s),
    "1 keys missing on the slave (c); 1 keys only on the slave (z); 1 keys with other values (b)",
  );
});

test("on a node: the load is found whole, and a lost write or a second INCR is caught", async () => {
  await using t = new ReferenceTarget(1);
  const node = await t.startNode("master");
  const other = await t.startNode("slave");
  const load = new WriteLoad();
  await load.write(node, 1200); // more than one MGET batch
  assert.equal(load.written, 1200);
  await writesOnceWithin(t.clock, node, load, 1);
  await sameDataWithin(t.clock, node, node, 1);
  assert.equal((await dataset(node)).size, 1202);

  const admin = await node.admin();
  await admin.call("DEL", load.seqKey(700));
  await admin.call("RPUSH", load.logKey, "1200"); // write 1200 applied a second time
  admin.close();
  await assert.rejects(writesOnceWithin(t.clock, node, load, 1), (err: Error) => {
    assert.ok(err instanceof Mismatch);
    assert.match(err.message, /1 lost \(700\); counter 1200; log of 1201: 1 applied twice \(1200\)/);
    return true;
  });
  // A node that has none of it: every key missing (the log a list, its value shown as its type).
  await assert.rejects(sameDataWithin(t.clock, node, other, 1), /1201 keys missing on the slave/);
});

test("a comparison scoped to a scenario's keys ignores the other keys of nodes with a history", async () => {
  await using t = new ReferenceTarget(1);
  const [master, slave] = [await t.startNode("master"), await t.startNode("slave")];
  const [mine, earlier] = [new WriteLoad("wa1b2c3"), new WriteLoad("wffffff")];
  for (const node of [master, slave]) await new WriteLoad(mine.prefix).write(node, 30);
  await earlier.write(master, 5); // an earlier scenario's keys, on the master only
  await sameDataWithin(t.clock, master, slave, 1, mine.pattern);
  assert.equal((await dataset(master, mine.pattern)).size, 32);
  await assert.rejects(
    sameDataWithin(t.clock, master, slave, 1),
    /same keys and values as master[\s\S]*7 keys missing on the slave \(wffffff:/,
  );
  const admin = await slave.admin();
  await admin.call("SET", mine.seqKey(3), "changed");
  admin.close();
  await assert.rejects(
    sameDataWithin(t.clock, master, slave, 1, mine.pattern),
    /same keys matching wa1b2c3:\* and values[\s\S]*32 keys matching wa1b2c3:\* on master: 1 keys with other values \(wa1b2c3:seq:3\)/,
  );
});

test("a write the node refuses stops the load, saying which write and why", async () => {
  await using t = new ReferenceTarget(1);
  const node = await t.startNode("master");
  const admin = await node.admin();
  await admin.call("SET", "w:count", "not a number");
  admin.close();
  const load = new WriteLoad();
  await assert.rejects(load.write(node, 5), /master did not take write 1: SET answered OK, INCR ERR/);
  assert.equal(load.written, 0);
});

test("purging before the current binlog file: PURGELOGSTO of the file before it, refused with one file", async () => {
  await using t = new ReferenceTarget(1);
  const node = await t.startNode("master", { extra: { "binlog-file-size": "1024" } });
  await assert.rejects(purgeBinlogsBeforeCurrent(node, "db0"), /master db0 has one binlog file \(0 0\)/);
  await new WriteLoad().write(node, 30);
  const before = (await node.info("replication")).binlogOffsets.get("db0") ?? "";
  const filenum = Number(before.split(" ")[0]);
  assert.ok(filenum >= 2, `30 writes of ~80 bytes fill several 1 KiB files: ${before}`);
  assert.equal(await purgeBinlogsBeforeCurrent(node, "db0"), `write2file${filenum - 1}`);
  assert.equal((await node.info("replication")).binlogOffsets.get("db0"), before, "the current file stays");
});

test("a node that holds none of the writes passes noWritesHeldDuring; one write held fails it", async () => {
  await using t = new ReferenceTarget(1);
  const [master, other] = [await t.startNode("master"), await t.startNode("slave")];
  const load = new WriteLoad();
  await load.write(master, 3);
  await noWritesHeldDuring(t.clock, other, load, 1);
  const admin = await other.admin();
  await admin.call("SET", load.seqKey(2), "2");
  admin.close();
  await assert.rejects(
    noWritesHeldDuring(t.clock, other, load, 1),
    /slave holds none of the 3 writes after 1 s[\s\S]*2 lost \(1, 3\)/,
  );
});

/** SLAVEOF `master` on `slave`, answered OK. */
async function slaveOf(slave: SutNode, master: SutNode): Promise<void> {
  const admin = await slave.admin();
  try {
    assert.equal(await admin.call("SLAVEOF", "127.0.0.1", String(master.port)), "OK");
  } finally {
    admin.close();
  }
}

/** A master with 100 writes and a slave with 50 of its own, ids as given; the slave told SLAVEOF. */
async function divergedPair(t: ReferenceTarget, masterId: string, slaveId: string) {
  const master = await t.startNode("master", { replicationId: masterId });
  const slave = await t.startNode("slave", { replicationId: slaveId });
  const load = new WriteLoad();
  await load.write(master, 100);
  await writeOwn(slave, load, 50);
  await binlogOffsetWithin(t.clock, master, slave, "db0", "behind", 1);
  await slaveOf(slave, master);
  return { master, slave };
}

test("a slave's binlog position is told ahead of or behind its master's, from INFO", async () => {
  await using t = new ReferenceTarget(1);
  const [master, slave] = [await t.startNode("master"), await t.startNode("slave")];
  const load = new WriteLoad();
  await load.write(master, 5);
  await writeOwn(slave, load, 10);
  await binlogOffsetWithin(t.clock, master, slave, "db0", "ahead of", 1);
  await assert.rejects(binlogOffsetWithin(t.clock, master, slave, "db0", "behind", 1), (err: Error) => {
    assert.ok(err instanceof Mismatch);
    assert.match(err.message, /behind master's[\s\S]*slave db0:binlog_offset=0 \d+, master 0 \d+/);
    return true;
  });
  await assert.rejects(binlogOffsetWithin(t.clock, master, slave, "db1", "ahead of", 1), /\(absent\)/);
});

test("a slave that refuses a foreign replication_id keeps its link down: refused, with its state", async () => {
  await using t = new ReferenceTarget(1);
  const { master, slave } = await divergedPair(t, "a".repeat(50), "b".repeat(50));
  const outcome = await noSilentDivergenceDuring(t.clock, master, slave, 10, 1);
  assert.deepEqual(outcome, {
    kind: "refused",
    state: "master_link_status:down, db_repl_state:(db0:NoConnect)",
  });
  assert.equal(
    describeOutcome("slave", outcome),
    "slave refused: its link stayed down (master_link_status:down, db_repl_state:(db0:NoConnect))",
  );
});

test("a slave that goes on with a foreign replication_id reports up with its own keys: a Mismatch", async () => {
  await using t = new ReferenceTarget(1, behaviourOf("slave-ignores-replid-mismatch"));
  const { master, slave } = await divergedPair(t, "a".repeat(50), "b".repeat(50));
  await assert.rejects(noSilentDivergenceDuring(t.clock, master, slave, 10, 1), (err: Error) => {
    assert.ok(err instanceof Mismatch);
    assert.match(
      err.expected,
      /slave reports master_link_status:up only holding the same keys and values as master/,
    );
    assert.match(err.actual, /50 keys missing on the slave \(w:seq:1,.*52 keys only on the slave \(x:count/);
    return true;
  });
});

test("a slave that comes up holding exactly the master's data is synced, with when and how many keys", async () => {
  await using t = new ReferenceTarget(1);
  const id = "c".repeat(50);
  const master = await t.startNode("master", { replicationId: id });
  const slave = await t.startNode("slave");
  await new WriteLoad().write(master, 20);
  await slaveOf(slave, master); // no replication_id: a full sync
  const outcome = await noSilentDivergenceDuring(t.clock, master, slave, 10, 1);
  assert.equal(outcome.kind, "synced");
  assert.equal(outcome.kind === "synced" && outcome.keys, 22);
  assert.match(
    describeOutcome("slave", outcome),
    /^slave linked after \d+\.\d s and holds the master's 22 keys/,
  );
});

test("a slave's link state is told from INFO's master_link_status and db_repl_state", () => {
  assert.equal(linkState(undefined), "no INFO read");
  assert.equal(linkState(parseInfo("role:master\r\n")), "no master_link_status");
  assert.equal(
    linkState(
      parseInfo(
        "master_link_status:down\r\nrepl_connect_status:\r\ndb0:error\r\ndb_repl_state:(db0:Error)\r\n",
      ),
    ),
    "master_link_status:down, db_repl_state:(db0:Error)",
  );
});
