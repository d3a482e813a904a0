/**
 * Full sync between reference nodes on real loopback sockets and a virtual clock: DBSync, the
 * snapshot pulled over rsync on P+10001, the snapshot loaded, TrySync from its position and the
 * incremental stream from there; a purged offset falling back to full sync; two slaves at once;
 * the rsync server's answers to bad requests, a snapshot replaced during a fetch, a file that
 * fails once, and an rsync port that refuses connections for a while.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type TestContext, test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { FrameConn } from "../harness/conn";
import { connect } from "../harness/net";
import { WireProxy } from "../harness/proxy";
import type { ReferenceNode } from "../harness/reference/node";
import { RSYNC } from "../harness/reference/rsync";
import { INFO_FILE, parseInfo } from "../harness/reference/snapshot";
import {
  decodeRsyncResponse,
  encodeRsyncRequest,
  type InnerRequest,
  type InnerResponse,
  MsgType,
  type RsyncResponse,
  RsyncStatus,
  RsyncType,
  rsyncReq,
  TrySyncReply,
} from "../harness/wire";
import { dump, run, same, startNode } from "./support/reference-nodes";

const field = (node: ReferenceNode, name: string) =>
  new RegExp(`^${name}:(.*)$`, "m").exec(node.info("replication"))?.[1]?.trim();

/** 300 writes of several kinds on db0. */
function writeMany(master: ReferenceNode): void {
  for (let i = 0; i < 200; i++) run(master, `set k${i} v${i}`);
  for (let i = 0; i < 50; i++) run(master, "incr counter");
  for (let i = 0; i < 30; i++) run(master, `rpush log e${i}`);
  for (let i = 0; i < 10; i++) run(master, `del k${i}`);
  for (let i = 0; i < 10; i++) run(master, `set ttl${i} x EX 500`);
}

const db0 = (node: ReferenceNode) => {
  const d = node.slave.dbs.get("db0");
  assert.ok(d);
  return d;
};

/** The requests the slave sent on P+2000 through the proxy, and the master's replies. */
const toMaster = (proxy: WireProxy, type: MsgType) =>
  proxy.frames
    .filter((f) => f.direction === "toMaster" && f.msg?.type === type)
    .map((f) => f.msg as InnerRequest);
const toSlave = (proxy: WireProxy, type: MsgType) =>
  proxy.frames
    .filter((f) => f.direction === "toSlave" && f.msg?.type === type)
    .map((f) => f.msg as InnerResponse);

async function ended(clock: VirtualClock, master: ReferenceNode, slave: ReferenceNode, budget = 30) {
  await clock.within(
    budget,
    () => slave.slave.linkUp && same(dump(master), dump(slave)),
    "full sync done, link up, slave = master",
  );
  assert.deepEqual(slave.binlogs[0]?.producer(), master.binlogs[0]?.producer(), "the same binlog position");
  const offset = (n: ReferenceNode) => /^db0:binlog_offset=(\d+ \d+)/m.exec(n.info("replication"))?.[1];
  assert.equal(offset(slave), offset(master), "INFO's binlog_offset");
}

test("a new slave full-syncs: DBSync, rsync on P+10001, load, TrySync from the snapshot, writes during the transfer once", async (t) => {
  const clock = new VirtualClock(new Rng(11));
  const master = await startNode(t, clock);
  const slave = await startNode(t, clock, { "replication-id": "" });
  const proxy = await WireProxy.start(clock, master.port);
  t.after(() => proxy.close());
  writeMany(master);
  const atSnapshot = master.binlogs[0]?.producer();
  // At the first file request: the slave is full-syncing, and the master takes 25 more writes.
  const during: { link?: string; status?: string; state?: string; eligible?: string } = {};
  let files = 0;
  master.rsync.observe = (r) => {
    if (r.type !== RsyncType.kRsyncFile || files++ > 0) return;
    during.link = field(slave, "master_link_status");
    during.status = field(slave, "db0");
    during.state = field(slave, "db_repl_state");
    during.eligible = field(slave, "is_eligible_for_master_election");
    for (let i = 0; i < 20; i++) run(master, "incr counter");
    for (let i = 0; i < 5; i++) run(master, `set late${i} ${i}`);
  };
  assert.deepEqual(run(slave, `slaveof 127.0.0.1 ${proxy.port}`), { simple: "OK" });
  await ended(clock, master, slave);
  assert.deepEqual(during, {
    link: "down",
    status: "syncing_full",
    state: "(db0:WaitDBSync)",
    eligible: "false",
  });
  assert.deepEqual(run(slave, "get counter"), { bulk: "70" }, "no INCR lost or applied twice");
  assert.deepEqual(run(slave, "get late4"), { bulk: "4" });
  assert.deepEqual(run(slave, "llen log"), { int: 30 });
  assert.equal(field(slave, "master_link_status"), "up");
  assert.equal(field(slave, "is_eligible_for_master_election"), "true");
  // The handshake on P+2000: DBSync (no TrySync before it), then TrySync at the snapshot's position.
  const dbSyncs = toMaster(proxy, MsgType.kDBSync);
  const trySyncs = toMaster(proxy, MsgType.kTrySync);
  assert.equal(dbSyncs.length, 1);
  assert.equal(trySyncs.length, 1);
  assert.deepEqual(
    [trySyncs[0]?.trySync?.binlogOffset.filenum, trySyncs[0]?.trySync?.binlogOffset.offset],
    [atSnapshot?.filenum, atSnapshot?.offset],
  );
  assert.equal(toSlave(proxy, MsgType.kTrySync)[0]?.trySync?.replyCode, TrySyncReply.kOk);
  // The snapshot: the master's, fetched whole, once.
  const snap = master.master.snapshotOf("db0");
  assert.ok(snap);
  assert.deepEqual(db0(slave).fullSync, {
    started: 1,
    loaded: 1,
    restarted: 0,
    initFailures: 0,
    uuids: [snap.uuid],
  });
  assert.equal(
    snap.uuid,
    createHash("md5")
      .update(snap.files.get(INFO_FILE) ?? "")
      .digest("hex"),
  );
  assert.deepEqual(parseInfo(snap.files.get(INFO_FILE)?.toString() ?? ""), {
    ip: "127.0.0.1",
    port: master.port,
    filenum: atSnapshot?.filenum,
    offset: atSnapshot?.offset,
    term: 0,
    index: 300,
  });
  assert.deepEqual([...snap.files.keys()], ["0/keys.json", "1/keys.json", "2/keys.json", INFO_FILE]);
  assert.deepEqual(master.rsync.served, { meta: 1, file: 4, errors: 0 });
  // The master streams to it as to any slave; a later write arrives.
  assert.match(master.info("replication"), /lag=\(db0:0\)/);
  run(master, "set after sync");
  await clock.within(1, () => (run(slave, "get after") as { bulk: string | null }).bulk === "sync");
});

test("a slave whose offset was purged falls back to full sync and ends equal, stray keys gone", async (t) => {
  const clock = new VirtualClock(new Rng(12));
  const master = await startNode(t, clock, { "binlog-file-size": 1024 });
  const slave = await startNode(t, clock, { "binlog-file-size": 1024 });
  const proxy = await WireProxy.start(clock, master.port);
  t.after(() => proxy.close());
  for (let i = 0; i < 20; i++) run(master, `set k${i} v${i}`);
  run(slave, `slaveof 127.0.0.1 ${proxy.port}`);
  await ended(clock, master, slave);
  assert.equal(db0(slave).fullSync.started, 0, "the same replication id: TrySync, no full sync");
  // The slave leaves; the master goes on, deletes keys and purges the files the slave would need.
  run(slave, "slaveof no one");
  run(slave, "set stray 1");
  for (let i = 0; i < 10; i++) run(master, `del k${i}`);
  for (let i = 0; i < 100; i++) run(master, `set n${i} ${"x".repeat(20)}`);
  const pro = master.binlogs[0]?.producer();
  assert.ok(pro && pro.filenum >= 3, `several files: ${pro?.filenum}`);
  await clock.during(1);
  assert.deepEqual(run(master, `purgelogsto write2file${pro.filenum - 1}`), { simple: "OK" });
  assert.equal(master.binlogs[0]?.hasFile(0), false);
  const before = proxy.frames.length;
  run(slave, `slaveof 127.0.0.1 ${proxy.port}`);
  await ended(clock, master, slave);
  assert.deepEqual(run(slave, "get stray"), { bulk: null }, "the snapshot replaced the slave's keys");
  assert.deepEqual(run(slave, "get k0"), { bulk: null });
  assert.deepEqual(run(slave, "get n99"), { bulk: "x".repeat(20) });
  const later = proxy.frames.slice(before).filter((f) => f.msg);
  const seq = later
    .filter((f) => f.direction === "toMaster" && f.msg?.type !== MsgType.kBinlogSync)
    .map((f) => MsgType[f.msg?.type ?? 0]);
  assert.deepEqual(seq, ["kMetaSync", "kTrySync", "kDBSync", "kTrySync"]);
  const replies = later
    .filter((f) => f.direction === "toSlave" && f.msg?.type === MsgType.kTrySync)
    .map((f) => (f.msg as InnerResponse).trySync?.replyCode);
  assert.deepEqual(replies, [TrySyncReply.kSyncPointBePurged, TrySyncReply.kOk]);
  assert.equal(db0(slave).fullSync.loaded, 1);
});

test("two slaves full-syncing at once share the snapshot and both end equal", async (t) => {
  const clock = new VirtualClock(new Rng(13));
  const master = await startNode(t, clock);
  const a = await startNode(t, clock, { "replication-id": "" });
  const b = await startNode(t, clock, { "replication-id": "", "max-rsync-parallel-num": 1 });
  writeMany(master);
  let files = 0;
  master.rsync.observe = (r) => {
    if (r.type === RsyncType.kRsyncFile && files++ % 3 === 0) run(master, "incr counter");
  };
  run(a, `slaveof 127.0.0.1 ${master.port}`);
  run(b, `slaveof 127.0.0.1 ${master.port}`);
  await ended(clock, master, a);
  await ended(clock, master, b);
  assert.ok(files >= 8, `both fetched every file: ${files} requests`);
  const uuid = master.master.snapshotOf("db0")?.uuid;
  assert.deepEqual(db0(a).fullSync.uuids, [uuid]);
  assert.deepEqual(db0(b).fullSync.uuids, [uuid]);
  const counter = (run(master, "get counter") as { bulk: string }).bulk;
  assert.ok(Number(counter) > 50, `writes were made during the transfers: ${counter}`);
  assert.deepEqual(run(a, "get counter"), { bulk: counter });
  assert.deepEqual(run(b, "get counter"), { bulk: counter });
  assert.match(master.info("replication"), /connected_slaves:2/);
});

/** A raw rsync client on a node's P+10001. */
async function rsyncConn(t: TestContext, clock: VirtualClock, node: ReferenceNode) {
  const conn = new FrameConn(await connect(clock, node.rsyncPort), "test-rsync");
  t.after(() => conn.close());
  const got: RsyncResponse[] = [];
  let closed = false;
  conn.onFrame = (body) => got.push(decodeRsyncResponse(body));
  conn.onClose = () => {
    closed = true;
  };
  const ask = async (r: Parameters<typeof encodeRsyncRequest>[0]) => {
    const n = got.length;
    conn.send(encodeRsyncRequest(r));
    return clock.within(1, () => got[n], "an rsync reply");
  };
  return { conn, ask, got, closed: () => closed };
}

test("the rsync server answers as Pika's: kErr without a snapshot, for an unknown file or offset; chunks and eof", async (t) => {
  const clock = new VirtualClock(new Rng(14));
  const master = await startNode(t, clock);
  for (let i = 0; i < 10; i++) run(master, `set k${i} v${i}`);
  const c = await rsyncConn(t, clock, master);
  const err = (db: string, type: RsyncType, readerIndex = 0, snapshotUuid = "") => ({
    type,
    readerIndex,
    dbName: db,
    slotId: 0,
    snapshotUuid,
    code: RsyncStatus.kErr,
  });
  assert.deepEqual(await c.ask(rsyncReq.meta("db0")), err("db0", RsyncType.kRsyncMeta), "no snapshot yet");
  assert.deepEqual(await c.ask(rsyncReq.file("db0", 0, INFO_FILE, 0, 10)), err("db0", RsyncType.kRsyncFile));
  assert.deepEqual(run(master, "bgsave"), { simple: "Background saving started" });
  const snap = master.master.snapshotOf("db0");
  assert.ok(snap);
  assert.deepEqual(await c.ask(rsyncReq.meta("db9")), err("db9", RsyncType.kRsyncMeta));
  const meta = await c.ask(rsyncReq.meta("db0"));
  assert.equal(meta.code, RsyncStatus.kOk);
  assert.equal(meta.snapshotUuid, snap.uuid);
  assert.deepEqual(meta.metaResp?.filenames, ["0/keys.json", "1/keys.json", "2/keys.json", INFO_FILE]);
  // An unknown file, an offset past the end: kErr with the uuid of the snapshot served now.
  assert.deepEqual(
    await c.ask(rsyncReq.file("db0", 2, "0/nope", 0, 10)),
    err("db0", RsyncType.kRsyncFile, 2, snap.uuid),
  );
  const info = snap.files.get(INFO_FILE) ?? Buffer.alloc(0);
  assert.deepEqual(
    await c.ask(rsyncReq.file("db0", 1, INFO_FILE, info.length + 1, 10)),
    err("db0", RsyncType.kRsyncFile, 1, snap.uuid),
  );
  // Chunks: count bytes from offset, eof at the end, the reader index echoed, no checksum.
  const first = await c.ask(rsyncReq.file("db0", 3, INFO_FILE, 0, 5));
  assert.equal(first.code, RsyncStatus.kOk);
  assert.equal(first.readerIndex, 3);
  assert.deepEqual(first.fileResp, {
    eof: 0,
    count: 5,
    offset: 0,
    data: info.subarray(0, 5),
    checksum: "",
    filename: INFO_FILE,
  });
  const rest = await c.ask(rsyncReq.file("db0", 3, INFO_FILE, 5, RSYNC.bytesPerRequest));
  assert.deepEqual(rest.fileResp?.data, info.subarray(5));
  assert.equal(rest.fileResp?.eof, 1);
  assert.equal(rest.fileResp?.count, info.length - 5);
  // A new snapshot (after a write): a new uuid, which a file reply carries.
  run(master, "set more 1");
  run(master, "bgsave db0");
  const newer = master.master.snapshotOf("db0");
  assert.notEqual(newer?.uuid, snap.uuid);
  assert.equal((await c.ask(rsyncReq.file("db0", 0, INFO_FILE, 0, 4))).snapshotUuid, newer?.uuid);
  assert.deepEqual(run(master, "bgsave db7"), { error: "ERR invalid DB for 'db7'" });
  // An undecodable frame closes the connection, unanswered.
  const n = c.got.length;
  c.conn.send(Buffer.from([0x08, 0x07]));
  await clock.within(1, () => c.closed(), "the rsync connection closed");
  assert.equal(c.got.length, n);
});

test("a snapshot replaced during the fetch (a new uuid) restarts the full sync, which ends equal", async (t) => {
  const clock = new VirtualClock(new Rng(15));
  const master = await startNode(t, clock);
  const slave = await startNode(t, clock, { "replication-id": "" });
  writeMany(master);
  let bgsaved = false;
  master.rsync.observe = (r) => {
    if (r.type !== RsyncType.kRsyncFile || bgsaved) return;
    bgsaved = true;
    run(master, "set during 1");
    run(master, "bgsave");
  };
  run(slave, `slaveof 127.0.0.1 ${master.port}`);
  await ended(clock, master, slave);
  const stats = db0(slave).fullSync;
  assert.equal(stats.restarted, 1, "the uuid changed once");
  assert.equal(stats.started, 2);
  assert.deepEqual(stats.uuids, [master.master.snapshotOf("db0")?.uuid]);
  assert.deepEqual(run(slave, "get during"), { bulk: "1" });
});

test("a file the server refuses once is fetched again; the full sync completes without a restart", async (t) => {
  const clock = new VirtualClock(new Rng(16));
  const master = await startNode(t, clock);
  const slave = await startNode(t, clock, { "replication-id": "" });
  writeMany(master);
  let hidden = false;
  master.rsync.observe = (r) => {
    const snap = master.master.snapshotOf(r.dbName);
    const name = r.fileReq?.filename;
    if (hidden || !snap || name === undefined) return;
    hidden = true;
    const bytes = snap.files.get(name);
    snap.files.delete(name);
    // Back before the client asks again (it waits rsync-timeout-ms).
    clock.setTimeout(() => bytes && snap.files.set(name, bytes), RSYNC.timeoutMsDefault / 2);
  };
  run(slave, `slaveof 127.0.0.1 ${master.port}`);
  await ended(clock, master, slave);
  assert.equal(master.rsync.served.errors, 1);
  assert.deepEqual(
    { ...db0(slave).fullSync, uuids: [] },
    { started: 1, loaded: 1, restarted: 0, initFailures: 0, uuids: [] },
  );
});

test("an rsync port that refuses connections: the slave stays WaitDBSync, retries, and completes once it opens", async (t) => {
  const clock = new VirtualClock(new Rng(17));
  const master = await startNode(t, clock);
  const slave = await startNode(t, clock, { "replication-id": "" });
  const proxy = await WireProxy.start(clock, master.port);
  t.after(() => proxy.close());
  writeMany(master);
  const refuse = await proxy.add({ kind: "refuse", port: "rsync" });
  run(slave, `slaveof 127.0.0.1 ${proxy.port}`);
  // 10 meta attempts of about 1 s each make a failed Init.
  await clock.within(30, () => db0(slave).fullSync.initFailures >= 2, "two failed Inits");
  assert.equal(db0(slave).state, "WaitDBSync");
  assert.equal(field(slave, "master_link_status"), "down");
  assert.equal(master.rsync.served.meta, 0);
  await proxy.remove(refuse);
  await ended(clock, master, slave, 20);
  assert.equal(db0(slave).fullSync.loaded, 1);
  assert.equal(
    toMaster(proxy, MsgType.kDBSync).length,
    1,
    "one DBSync: the Init was retried, not the DBSync",
  );
});
