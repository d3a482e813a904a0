/**
 * The reference slave's state machine (harness/reference/slave.ts), driven by a probe master on
 * loopback and a virtual clock: every transition of docs/PROTOCOL.md §4 the reference makes.
 */
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { ports } from "../harness/net";
import { type MetaSyncAnswer, ProbeMaster } from "../harness/probe/master";
import { type Behaviour, behaviourOf, CONFORMANT } from "../harness/reference/behaviour";
import { SlaveSide } from "../harness/reference/slave";
import { Trace } from "../harness/trace/trace";
import { MsgType } from "../harness/wire";

const ID = "a".repeat(50);
let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function setup(opts: { localId?: string; behaviour?: Behaviour; databases?: number } = {}) {
  const clock = new VirtualClock(new Rng(42));
  const dbs = opts.databases ?? 2;
  const pm = await ProbeMaster.start(clock, new Trace(clock), {
    port: await ports.allocate(),
    databases: dbs,
    dbInstanceNum: 3,
    replicationId: ID,
    runId: "r".repeat(40),
  });
  let localId = opts.localId ?? ID;
  const slave = new SlaveSide(clock, {
    port: 19999,
    databases: Array.from({ length: dbs }, (_, i) => `db${i}`),
    dbInstanceNum: 3,
    masterauth: () => "",
    replicationId: () => localId,
    adoptReplicationId: (id) => {
      localId = id;
    },
    behaviour: opts.behaviour ?? CONFORMANT,
  });
  cleanup.push(async () => {
    slave.shutdown();
    await pm.close();
  });
  const states = () => [...slave.dbs.values()].map((d) => d.state).join(",");
  return { clock, pm, slave, states, localId: () => localId };
}

test("SLAVEOF: NoConnect → ShouldMetaSync, MetaSync at once, then TrySync per database → Connected", async () => {
  const { clock, pm, slave, states } = await setup();
  assert.equal(slave.state, "NoConnect");
  slave.setMaster("127.0.0.1", pm.port, false);
  assert.equal(slave.state, "ShouldMetaSync");
  await clock.within(0.1, () => pm.received(MsgType.kMetaSync).length === 1);
  await clock.within(1, () => slave.linkUp);
  assert.equal(slave.state, "MetaSyncDone");
  assert.equal(states(), "Connected,Connected");
  assert.equal(pm.received(MsgType.kTrySync).length, 2);
  assert.equal(pm.received(MsgType.kDBSync).length, 0);
  assert.equal(pm.probes.length, 1, "one probe of P before the MetaSync");
});

test("an empty local replication_id adopts the master's and asks for DBSync → WaitDBSync", async () => {
  const { clock, pm, slave, states, localId } = await setup({ localId: "" });
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => states() === "WaitDBSync,WaitDBSync");
  assert.equal(localId(), ID);
  assert.equal(pm.received(MsgType.kTrySync).length, 0);
  assert.equal(slave.linkUp, false);
});

test("force: DBSync for every database although the ids match", async () => {
  const { clock, pm, slave } = await setup();
  slave.setMaster("127.0.0.1", pm.port, true);
  await clock.within(1, () => pm.received(MsgType.kDBSync).length === 2);
  assert.equal(pm.received(MsgType.kTrySync).length, 0);
});

const terminal: [string, MetaSyncAnswer][] = [
  ["kError", { kind: "error" }],
  ["a different database set", { kind: "ok", dbs: [{ dbName: "db0", slotNum: 1, dbInstanceNum: 9 }] }],
  ["another replication_id", { kind: "ok", replicationId: "b".repeat(50) }],
  ["an empty replication_id (R21)", { kind: "ok", replicationId: "" }],
];
for (const [name, answer] of terminal) {
  test(`${name}: ShouldMetaSync → Error, connection closed, no retry for 60 s`, async () => {
    const { clock, pm, slave } = await setup();
    pm.defaultMetaSync = answer;
    slave.setMaster("127.0.0.1", pm.port, false);
    await clock.within(1, () => slave.state === "Error");
    await clock.within(1, () => pm.connections.every((c) => c.closedAt !== undefined));
    await clock.during(60);
    assert.equal(pm.received(MsgType.kMetaSync).length, 1);
  });
}

test("kOther: stays ShouldMetaSync and retries on the same connection, 2 s to 12 s later", async () => {
  const { clock, pm, slave } = await setup();
  pm.metaSyncScript.push({ kind: "other" }, { kind: "other" });
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => pm.received(MsgType.kMetaSync).length === 1);
  assert.equal(slave.state, "ShouldMetaSync");
  await clock.within(30, () => slave.linkUp);
  const ms = pm.received(MsgType.kMetaSync);
  assert.equal(ms.length, 3);
  assert.equal(new Set(ms.map((r) => r.conn)).size, 1);
  let previous: number | undefined;
  for (const { at } of ms) {
    if (previous !== undefined) {
      const gap = at - previous;
      assert.ok(gap >= 2000 && gap <= 12_000, `gap ${gap} ms`);
    }
    previous = at;
  }
});

test("connection lost after the handshake: ShouldMetaSync, databases NoConnect, then TrySync again, no DBSync", async () => {
  const { clock, pm, slave, states } = await setup();
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  pm.dropConnections();
  await clock.within(0.1, () => slave.state === "ShouldMetaSync");
  assert.equal(states(), "NoConnect,NoConnect");
  await clock.within(15, () => slave.linkUp);
  assert.equal(pm.received(MsgType.kMetaSync).length, 2);
  assert.equal(pm.received(MsgType.kTrySync).length, 4);
  assert.equal(pm.received(MsgType.kDBSync).length, 0);
});

test("the variant slave-full-sync-on-reconnect asks for DBSync after a reconnect", async () => {
  const { clock, pm, slave } = await setup({ behaviour: behaviourOf("slave-full-sync-on-reconnect") });
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  pm.dropConnections();
  await clock.within(15, () => pm.received(MsgType.kDBSync).length === 2);
});

test("an undecodable frame: close and reconnect (R6); the Pika behaviour stops in Error", async () => {
  for (const [behaviour, expectRetry] of [
    [CONFORMANT, true],
    [behaviourOf("slave-stops-on-bad-frame"), false],
  ] as const) {
    const { clock, pm, slave } = await setup({ behaviour });
    pm.metaSyncScript.push({ kind: "garbage" });
    slave.setMaster("127.0.0.1", pm.port, false);
    await clock.during(20);
    assert.equal(pm.connections.length > 1, expectRetry);
    assert.equal(slave.linkUp, expectRetry);
    assert.equal(slave.state, expectRetry ? "MetaSyncDone" : "Error");
  }
});

test("no pings for 20 s: Connected → TrySync again on the same connection", async () => {
  const { clock, pm, slave } = await setup({ databases: 1 });
  pm.pingSessions = false;
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  await clock.within(21, () => pm.received(MsgType.kTrySync).length === 2);
  assert.equal(pm.connections.length, 1);
});

test("pings keep a Connected database connected and are answered with a zero ack", async () => {
  const { clock, pm, slave } = await setup({ databases: 1 });
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  await clock.during(90);
  assert.equal(slave.linkUp, true);
  assert.equal(pm.received(MsgType.kTrySync).length, 1);
  const acks = pm.received(MsgType.kBinlogSync).filter((r) => r.msg?.binlogSync?.firstSend === false);
  assert.ok(acks.length >= 40, `${acks.length} acks in 90 s`);
  assert.ok(
    acks.every(
      (r) => r.msg?.binlogSync?.ackRangeStart.offset === 0 && r.msg.binlogSync.ackRangeEnd.filenum === 0,
    ),
  );
});

test("a silent connection is closed after 60 s and the handshake starts again", async () => {
  // Pika's WaitReply has no timeout, so a TrySync that is never answered leaves the link silent.
  const { clock, pm, slave } = await setup({
    databases: 1,
    behaviour: { ...CONFORMANT, waitReplyTimeout: false },
  });
  pm.answerTrySync = false;
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.dbs.get("db0")?.state === "WaitReply");
  const sent = clock.now();
  await clock.within(65, () => pm.connections[0]?.closedAt !== undefined);
  const idle = ((pm.connections[0]?.closedAt ?? 0) - sent) / 1000;
  assert.ok(idle >= 60 && idle <= 61, `closed after ${idle} s of silence`);
  await clock.within(12, () => pm.received(MsgType.kMetaSync).length === 2);
  assert.equal(pm.connections.length, 2);
});

test("a TrySync that is never answered is sent again after 10 s (R31)", async () => {
  const { clock, pm, slave } = await setup({ databases: 1 });
  pm.answerTrySync = false;
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => pm.received(MsgType.kTrySync).length === 1);
  await clock.within(10, () => pm.received(MsgType.kTrySync).length === 2);
  const [first, second] = pm.received(MsgType.kTrySync);
  assert.ok(first && second, "two TrySyncs received");
  assert.ok(second.at - first.at >= 10_000);
});

test("SLAVEOF NO ONE: NoConnect at once, the connection closed, no more attempts", async () => {
  const { clock, pm, slave } = await setup();
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  slave.removeMaster();
  assert.equal(slave.state, "NoConnect");
  assert.equal(slave.master, undefined);
  await clock.within(1, () => pm.connections[0]?.closedAt !== undefined);
  await clock.during(60);
  assert.equal(pm.received(MsgType.kMetaSync).length, 1);
});

test("P refused: no MetaSync; probes keep coming 2 s to 12 s apart; MetaSync once P accepts", async () => {
  const { clock, pm, slave } = await setup();
  await pm.closeP();
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.during(30);
  assert.equal(pm.received(MsgType.kMetaSync).length, 0);
  await pm.openP();
  await clock.within(12.1, () => pm.received(MsgType.kMetaSync).length === 1);
});
