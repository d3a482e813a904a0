/**
 * The reference node's data plane on real loopback sockets and a virtual clock: two reference
 * nodes linked by SLAVEOF (directly, or through the wire proxy to cut the link), and a probe
 * slave that speaks to a reference master frame by frame: TrySync answered from the binlog,
 * BinlogSync chips, the sync window, acks and pings.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type TestContext, test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { ports } from "../harness/net";
import { ProbeSlave } from "../harness/probe/slave";
import { WireProxy } from "../harness/proxy";
import { CONFORMANT } from "../harness/reference/behaviour";
import { decodeCommand, decodeItem } from "../harness/reference/binlog";
import { PikaConf } from "../harness/reference/conf";
import { ReferenceNode } from "../harness/reference/node";
import { Trace } from "../harness/trace/trace";
import { type InnerResponse, isPing, MsgType, req, StatusCode, TrySyncReply } from "../harness/wire";
import { dump, RID, run, same, startNode } from "./support/reference-nodes";

const PROBE = { ip: "127.0.0.1", port: 40000 };

async function linkedPair(t: TestContext, seed = 1) {
  const clock = new VirtualClock(new Rng(seed));
  const master = await startNode(t, clock);
  const slave = await startNode(t, clock);
  return { clock, master, slave };
}

test("SET, INCR, MSET, DEL and EXPIRE on the master are on the slave within 1 s, INCR exactly", async (t) => {
  const { clock, master, slave } = await linkedPair(t);
  assert.deepEqual(run(master, "set before link"), { simple: "OK" });
  assert.deepEqual(run(slave, `slaveof 127.0.0.1 ${master.port}`), { simple: "OK" });
  await clock.within(20, () => slave.slave.linkUp, "link up");
  await clock.within(1, () => same(dump(master), dump(slave)), "the write made before SLAVEOF");
  run(master, "set a 1");
  for (let i = 0; i < 250; i++) run(master, "incr counter");
  run(master, "mset x 1 y 2 z 3");
  run(master, "del x y");
  run(master, "set t v EX 100");
  run(master, "expire a 50");
  run(master, "incrby counter 7");
  const expected = dump(master);
  assert.deepEqual(
    expected.map(([k, v]) => [k, v]),
    [
      ["a", "1"],
      ["before", "link"],
      ["counter", "257"],
      ["t", "v"],
      ["z", "3"],
    ],
  );
  await clock.within(1, () => same(dump(master), dump(slave)), "slave = master");
  assert.deepEqual(run(slave, "get counter"), { bulk: "257" });
  assert.deepEqual(run(slave, "set w 1"), {
    error: "ERR READONLY You can't write against a read only replica.",
  });
  // The slave's binlog mirrors the master's position, item for item.
  assert.deepEqual(slave.binlogs[0]?.producer(), master.binlogs[0]?.producer());
  const info = master.info("replication");
  const p = master.binlogs[0]?.producer();
  assert.match(info, new RegExp(`db0:binlog_offset=0 ${p?.offset},safety_purge=none`));
  assert.match(info, /lag=\(db0:0\)/);
  assert.match(slave.info("replication"), new RegExp(`slave_repl_offset:${p?.offset}`));
});

test("writes made while the link is cut arrive after recovery, each exactly once", async (t) => {
  const { clock, master, slave } = await linkedPair(t, 2);
  const trace = new Trace(clock);
  const proxy = await WireProxy.start(clock, master.port, { trace });
  t.after(() => proxy.close());
  run(slave, `slaveof 127.0.0.1 ${proxy.port}`);
  await clock.within(20, () => slave.slave.linkUp, "link up");
  for (let i = 0; i < 10; i++) run(master, "incr counter");
  await clock.within(1, () => (run(slave, "get counter") as { bulk: string }).bulk === "10");
  const refuse = await proxy.add({ kind: "refuse" });
  assert.ok(proxy.cut({ port: "repl" }, "rst").length > 0);
  await clock.within(5, () => !slave.slave.linkUp, "link down");
  const atCut = master.binlogs[0]?.producer();
  for (let i = 0; i < 100; i++) run(master, "incr counter");
  for (let i = 0; i < 50; i++) run(master, `set seq:${i} ${i}`);
  await proxy.remove(refuse);
  await clock.within(
    30,
    () => slave.slave.linkUp && same(dump(master), dump(slave)),
    "recovered, slave = master",
  );
  assert.deepEqual(run(slave, "get counter"), { bulk: "110" }, "no INCR lost or applied twice");
  assert.equal(
    slave.binlogs[0]?.producer().index,
    master.binlogs[0]?.producer().index,
    "as many items as the master",
  );
  // The slave resumed with TrySync at the position it had reached, not from 0.
  const trySyncs = proxy.frames.filter((f) => f.direction === "toMaster" && f.msg?.type === MsgType.kTrySync);
  const last = trySyncs.at(-1)?.msg;
  assert.ok(last && "trySync" in last && last.trySync);
  assert.deepEqual(
    [last.trySync.binlogOffset?.filenum, last.trySync.binlogOffset?.offset],
    [atCut?.filenum, atCut?.offset],
  );
  // Hold still a little: nothing further arrives twice.
  await clock.during(5);
  assert.deepEqual(run(slave, "get counter"), { bulk: "110" });
});

test("a BinlogSync response lost on the wire: the slave does not apply what follows the gap, it resyncs from its own position", async (t) => {
  for (const applyAfterGap of [false, true]) {
    const clock = new VirtualClock(new Rng(5));
    const behaviour = { ...CONFORMANT, applyAfterGap };
    const [master, slave] = [await startNode(t, clock), await startNode(t, clock, {}, behaviour)];
    const proxy = await WireProxy.start(clock, master.port, { trace: new Trace(clock) });
    t.after(() => proxy.close());
    run(slave, `slaveof 127.0.0.1 ${proxy.port}`);
    await clock.within(20, () => slave.slave.linkUp, "link up");
    await proxy.add({
      kind: "drop",
      direction: "toSlave",
      match: { type: MsgType.kBinlogSync, carriesBinlog: true },
      times: 1,
    });
    for (let i = 0; i < 20; i++) run(master, "incr counter");
    await clock.during(1);
    for (let i = 0; i < 20; i++) run(master, "incr counter");
    await clock.during(30);
    const counter = (run(slave, "get counter") as { bulk: string | null }).bulk;
    if (!applyAfterGap) {
      assert.deepEqual(dump(slave), dump(master), "every write, once");
      assert.ok(
        proxy.frames.some((f) => f.faults.includes("drop#1: dropped")),
        "a response was dropped",
      );
    } else assert.notDeepEqual(dump(slave), dump(master), `as Pika: the gap stays (counter ${counter})`);
  }
});

/** A reference master with `writes` SETs in db0, and a probe slave registered on connection A. */
async function probed(t: TestContext, writes: number, keys: Record<string, string | number> = {}) {
  const clock = new VirtualClock(new Rng(3));
  const master = await startNode(t, clock, keys);
  for (let i = 0; i < writes; i++) run(master, `set k${i} v${i}`);
  const probe = new ProbeSlave(clock, new Trace(clock), master.replPort, PROBE);
  t.after(() => probe.close());
  const c = await probe.register("A");
  return { clock, master, probe, c };
}

const chipsOf = (ms: InnerResponse[]) => ms.filter((m) => !isPing(m)).flatMap((m) => m.binlogSync ?? []);

test("TrySync from the binlog: kOk at a start, kSyncPointLarger beyond it, kError inside an item, kSyncPointBePurged", async (t) => {
  const { master, c } = await probed(t, 40, { "binlog-file-size": 1024 });
  const b = master.binlogs[0];
  assert.ok(b);
  const pro = b.producer();
  assert.ok(pro.filenum >= 2, `several files: ${pro.filenum}`);
  const ask = async (filenum: number, offset: number) => {
    const n = c.responses(MsgType.kTrySync).length;
    c.send(req.trySync(PROBE, "db0", { filenum, offset }));
    const r = await c.reply(MsgType.kTrySync, 1, n + 1);
    assert.equal(r.code, StatusCode.kOk);
    assert.deepEqual(r.trySync?.binlogOffset, { filenum: pro.filenum, offset: pro.offset });
    return r.trySync?.replyCode;
  };
  assert.equal(await ask(pro.filenum, pro.offset + 1), TrySyncReply.kSyncPointLarger);
  assert.equal(await ask(pro.filenum + 1, 0), TrySyncReply.kSyncPointLarger);
  assert.equal(await ask(0, 5), TrySyncReply.kError, "not a start point");
  assert.deepEqual(run(master, "purgelogsto write2file0"), { simple: "OK" });
  assert.equal(b.hasFile(0), false);
  assert.equal(await ask(0, 0), TrySyncReply.kSyncPointBePurged);
  assert.equal(await ask(1, 0), TrySyncReply.kOk);
  assert.equal(await ask(pro.filenum, pro.offset), TrySyncReply.kOk);
});

test("BinlogSync: chips of at most 100, end offsets, the sync window, acks that move it", async (t) => {
  const { clock, master, probe, c } = await probed(t, 250, { "sync-window-size": 150 });
  const session = await probe.trySync(c, "db0");
  c.send(req.binlogSync(PROBE, "db0", session, true));
  await clock.within(1, () => chipsOf(c.responses(MsgType.kBinlogSync)).length >= 150);
  await clock.during(3);
  const messages = c.responses(MsgType.kBinlogSync).filter((m) => !isPing(m));
  assert.deepEqual(
    messages.map((m) => m.binlogSync?.length),
    [100, 50],
    "the window holds 150; nothing more until an ack, and no ping while chips are unacknowledged",
  );
  assert.equal(c.pings().length, 0);
  const chips = chipsOf(messages);
  const items = master.binlogs[0]?.read({ filenum: 0, offset: 0 }, 1000) ?? [];
  chips.forEach((chip, i) => {
    const item = items[i];
    assert.ok(item);
    assert.deepEqual(chip.binlogOffset, { filenum: 0, offset: item.end, term: 0, index: i + 1 });
    assert.equal(chip.sessionId, session);
    assert.deepEqual(decodeCommand(decodeItem(Buffer.from(chip.binlog)).content), ["set", `k${i}`, `v${i}`]);
  });
  // Acknowledge the first 100: 100 more come (the last 100 of the 250).
  const ack = (from: number, to: number) =>
    c.send(req.binlogSync(PROBE, "db0", session, false, chips[from]?.binlogOffset, chips[to]?.binlogOffset));
  ack(0, 99);
  await clock.within(1, () => chipsOf(c.responses(MsgType.kBinlogSync)).length === 250);
  const all = chipsOf(c.responses(MsgType.kBinlogSync));
  chips.push(...all.slice(150));
  ack(100, 249);
  // All acknowledged: pings follow, about every 2 s.
  const n = c.pings().length;
  await clock.during(7);
  assert.ok(c.pings().length - n >= 3, `pings: ${c.pings().length - n}`);
  assert.equal(c.closed, false);
});

test("an ack that names no chip in the window closes the connection, as in Pika", async (t) => {
  const { clock, probe, c } = await probed(t, 3);
  const session = await probe.trySync(c, "db0");
  c.send(req.binlogSync(PROBE, "db0", session, true));
  await clock.within(1, () => chipsOf(c.responses(MsgType.kBinlogSync)).length === 3);
  const [first] = chipsOf(c.responses(MsgType.kBinlogSync));
  const off = { filenum: 0, offset: (first?.binlogOffset.offset ?? 0) + 1, term: 0, index: 1 };
  c.send(req.binlogSync(PROBE, "db0", session, false, first?.binlogOffset, off));
  await c.closedWithin(1);
});

test("a write reaches a streaming session at once; a session acked to the end gets pings", async (t) => {
  const { clock, master, probe, c } = await probed(t, 0);
  const session = await probe.trySync(c, "db0");
  c.send(req.binlogSync(PROBE, "db0", session, true));
  await clock.during(5);
  assert.ok(c.pings().length >= 2, "an idle session is pinged");
  run(master, "set k v");
  const chip = await clock.within(1, () => chipsOf(c.responses(MsgType.kBinlogSync))[0]);
  assert.deepEqual(
    chip.binlogOffset,
    { filenum: 0, offset: 69, term: 0, index: 1 },
    "§5.4's item: 8 + 61 bytes",
  );
  assert.equal(chip.binlog.length, 61);
});

test("a node stopped and started from the same db-path keeps its keys and its binlog", async (t) => {
  const clock = new VirtualClock(new Rng(4));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ref-data-"));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const port = await ports.allocate();
  const text = PikaConf.render({ port, "replication-id": RID, "db-path": dir, "binlog-file-size": 1024 });
  const first = new ReferenceNode(new PikaConf(undefined, text), clock);
  await first.start();
  for (let i = 0; i < 30; i++) run(first, `set k${i} v${i}`);
  run(first, "set t v EX 100");
  const before = { keys: dump(first), binlog: first.binlogs[0]?.save() };
  await first.stop();
  const again = new ReferenceNode(new PikaConf(undefined, text), clock);
  await again.start();
  t.after(() => again.stop());
  assert.deepEqual(dump(again), before.keys);
  assert.deepEqual(again.binlogs[0]?.save(), before.binlog);
  run(again, "set after restart");
  const items = again.binlogs[0]?.read({ filenum: 0, offset: 0 }, 1000) ?? [];
  assert.equal(items.length, 32);
  assert.equal(items.at(-1)?.logicId, 32, "logic ids go on");
  assert.equal(items.at(-1)?.start, items.at(-2)?.end, "the next item starts where the last one ended");
});
