/**
 * The probe rsync client (harness/probe/rsync.ts), BGSAVE as a set-up step (harness/snapshot.ts),
 * and the reference master's rule for P+10001 with requirepass (MasterSide.servedSnapshot,
 * DS-AUTH-04): a client that never authenticated gets kErr, a full sync started by a slave with
 * the password completes, and the pika-4.0 profile serves anyone as Pika does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Mismatch } from "../harness/check";
import { Rng, VirtualClock } from "../harness/clock";
import { FrameConn } from "../harness/conn";
import { Listener, ports, RSYNC_SHIFT } from "../harness/net";
import {
  describeExchanges,
  noSnapshotReceived,
  type RsyncExchange,
  RsyncProbe,
  snapshotLeaks,
} from "../harness/probe/rsync";
import { behaviourOf } from "../harness/reference/behaviour";
import { bgsaveWithin } from "../harness/snapshot";
import type { Admin } from "../harness/targets/admin";
import { parseInfo } from "../harness/targets/info";
import { ReferenceTarget } from "../harness/targets/reference";
import type { SutNode } from "../harness/targets/target";
import { Trace } from "../harness/trace/trace";
import { encodeRsyncResponse, type RsyncResponse, RsyncStatus, RsyncType, rsyncReq } from "../harness/wire";
import { dump, run, same, startNode } from "./support/reference-nodes";

/** A master with requirepass and 20 keys, BGSAVEd through its admin connection; and a probe on its P+10001. */
async function savedMaster(seed: number, variant?: string) {
  const target = new ReferenceTarget(seed, behaviourOf(variant));
  const master = await target.startNode("master", { requirepass: "s3cret" });
  const admin = await master.admin();
  for (let i = 1; i <= 20; i++) await admin.call("SET", `w:seq:${i}`, String(i));
  admin.close();
  await bgsaveWithin(target.clock, master, "db0", 10);
  const trace = new Trace(target.clock);
  const probe = new RsyncProbe(target.clock, trace, master.port + RSYNC_SHIFT);
  return { target, master, trace, probe };
}

test("with requirepass, the reference refuses a client that never authenticated: kErr with no uuid, nothing of the snapshot", async () => {
  const { target, probe, trace } = await savedMaster(41);
  await using _ = target;
  const ex = await probe.askSnapshot("db0", 1);
  probe.close();
  assert.deepEqual(
    ex.map((e) => [e.request.type, e.outcome.kind === "reply" && e.outcome.reply.code]),
    [
      [RsyncType.kRsyncMeta, RsyncStatus.kErr],
      [RsyncType.kRsyncFile, RsyncStatus.kErr],
    ],
  );
  for (const e of ex) assert.equal(e.outcome.kind === "reply" && e.outcome.reply.snapshotUuid, "");
  // Nothing listed: the file asked for is the one every Pika dump has.
  assert.equal(ex[1]?.request.fileReq?.filename, "info");
  assert.deepEqual(snapshotLeaks(ex), []);
  noSnapshotReceived(ex);
  assert.deepEqual(
    trace.events.map((e) => `${e.from}>${e.to} ${e.kind}`),
    [
      "rsync-client>master connect",
      "rsync-client>master frame",
      "master>rsync-client frame",
      "rsync-client>master frame",
      "master>rsync-client frame",
      "rsync-client>master close",
    ],
  );
});

test("the pika-4.0 profile serves the snapshot to anyone, as Pika does: the list and a data file are leaks", async () => {
  const { target, probe } = await savedMaster(42, "pika-4.0");
  await using _ = target;
  const ex = await probe.askSnapshot("db0", 1);
  probe.close();
  const [meta, file] = ex.map((e) => (e.outcome.kind === "reply" ? e.outcome.reply : undefined));
  assert.deepEqual(meta?.metaResp?.filenames, ["0/keys.json", "1/keys.json", "2/keys.json", "info"]);
  assert.equal(file?.fileResp?.filename, "0/keys.json", "a data file rather than info");
  assert.match(file?.fileResp?.data.toString() ?? "", /w:seq:/);
  const leaks = snapshotLeaks(ex);
  assert.equal(leaks.length, 2);
  assert.match(leaks[0] ?? "", /^a file list of 4 files: kRsyncMeta kOk db=db0/);
  assert.match(leaks[1] ?? "", /^\d+ bytes of 0\/keys\.json: kRsyncFile kOk/);
  assert.throws(
    () => noSnapshotReceived(ex),
    (err: unknown) =>
      err instanceof Mismatch &&
      /no file list and no file bytes/.test(err.expected) &&
      /file list/.test(err.actual),
  );
  assert.match(
    describeExchanges(ex),
    /^kRsyncMeta db=db0 reader=0 -> kRsyncMeta kOk .*; kRsyncFile db=db0 reader=0 0\/keys\.json@0\+4194304 -> /,
  );
});

test("with requirepass, a slave with the password full-syncs over P+10001; the snapshot is refused to others before and after", async (t) => {
  const clock = new VirtualClock(new Rng(43));
  const master = await startNode(t, clock, { requirepass: "s3cret" });
  const slave = await startNode(t, clock, { "replication-id": "", masterauth: "s3cret" });
  for (let i = 0; i < 50; i++) run(master, `set k${i} v${i}`);
  run(master, "bgsave");
  assert.ok(master.master.snapshotOf("db0"), "a snapshot exists");
  assert.equal(master.master.servedSnapshot("db0"), undefined, "not served without a full sync");
  const seen: (string | undefined)[] = [];
  master.rsync.observe = (r) => seen.push(master.master.servedSnapshot(r.dbName)?.uuid);
  run(slave, `slaveof 127.0.0.1 ${master.port}`);
  await clock.within(30, () => slave.slave.linkUp && same(dump(master), dump(slave)), "full sync done");
  assert.ok(
    seen.length >= 2 && seen.every((u) => u !== undefined),
    "every request of the full sync was served",
  );
  assert.equal(master.rsync.served.errors, 0);
  assert.equal(master.master.servedSnapshot("db0"), undefined, "the full sync over, not served any more");
});

test("without requirepass, the reference serves the snapshot to any client, as Pika does", async (t) => {
  const clock = new VirtualClock(new Rng(44));
  const master = await startNode(t, clock);
  run(master, "set a 1");
  run(master, "bgsave");
  const probe = new RsyncProbe(clock, new Trace(clock), master.rsyncPort);
  t.after(() => probe.close());
  assert.equal(snapshotLeaks(await probe.askSnapshot("db0", 1)).length, 2);
});

test("a refused connect, a close and silence are recorded as such, and give nothing away; a closed connection is opened again", async (t) => {
  const clock = new VirtualClock(new Rng(45));
  const refusedPort = await ports.allocate();
  const refused = new RsyncProbe(clock, new Trace(clock), refusedPort);
  const ex = await refused.askSnapshot("db0", 1);
  assert.deepEqual(
    ex.map((e) => e.outcome.kind),
    ["refused", "refused"],
  );
  noSnapshotReceived(ex);

  // A server that closes every connection at its first frame, then one that never answers.
  const port = await ports.allocate();
  let accepted = 0;
  let silent = false;
  const server = await Listener.open(clock, port, (socket) => {
    accepted++;
    const conn = new FrameConn(socket, "fake");
    conn.onFrame = () => {
      if (!silent) conn.close();
    };
  });
  t.after(() => server.close());
  const trace = new Trace(clock);
  const closing = new RsyncProbe(clock, trace, port);
  const closed = await closing.askSnapshot("db0", 1);
  assert.deepEqual(
    closed.map((e) => e.outcome.kind),
    ["closed", "closed"],
  );
  assert.equal(accepted, 2, "the file request went on a new connection");
  assert.deepEqual([...new Set(trace.events.map((e) => e.conn))], ["rsync1", "rsync2"]);
  closing.close();
  silent = true;
  const quiet = new RsyncProbe(clock, new Trace(clock), port);
  const started = clock.now();
  const none = await quiet.askSnapshot("db0", 1);
  assert.deepEqual(
    none.map((e) => e.outcome.kind),
    ["silent", "silent"],
  );
  assert.equal(clock.now() - started, 2000, "1 s for each request");
  quiet.close();
  noSnapshotReceived([...closed, ...none]);
  assert.throws(() => noSnapshotReceived([]), /no rsync request was sent/);
});

test("a kOk without file names or without bytes is no leak; undecodable answers are recorded", async (t) => {
  const reply = (r: Partial<RsyncResponse>): RsyncExchange => ({
    request: rsyncReq.meta("db0"),
    outcome: {
      kind: "reply",
      reply: {
        type: RsyncType.kRsyncMeta,
        readerIndex: 0,
        snapshotUuid: "u",
        dbName: "db0",
        slotId: 0,
        code: RsyncStatus.kOk,
        ...r,
      },
    },
  });
  const empty = { eof: 1, count: 0, offset: 0, data: Buffer.alloc(0), checksum: "", filename: "info" };
  assert.deepEqual(snapshotLeaks([reply({ metaResp: { filenames: [] } })]), []);
  assert.deepEqual(snapshotLeaks([reply({ type: RsyncType.kRsyncFile, fileResp: empty })]), []);
  assert.deepEqual(snapshotLeaks([reply({ code: RsyncStatus.kErr, metaResp: { filenames: ["x"] } })]), []);
  assert.equal(snapshotLeaks([reply({ metaResp: { filenames: ["x"] } })]).length, 1);

  // A server answering with garbage, then with a valid frame naming 20 files (shortened in descriptions).
  const clock = new VirtualClock(new Rng(46));
  const port = await ports.allocate();
  let n = 0;
  const server = await Listener.open(clock, port, (socket) => {
    const conn = new FrameConn(socket, "fake");
    conn.onFrame = () => {
      if (n++ === 0) conn.send(Buffer.from([0x08, 0x07]));
      else
        conn.send(
          encodeRsyncResponse({
            type: RsyncType.kRsyncFile,
            readerIndex: 0,
            snapshotUuid: "u",
            dbName: "db0",
            slotId: 0,
            code: RsyncStatus.kOk,
            metaResp: { filenames: Array.from({ length: 20 }, (_, i) => `0/f${i}`) },
          }),
        );
    };
  });
  t.after(() => server.close());
  const probe = new RsyncProbe(clock, new Trace(clock), port);
  t.after(() => probe.close());
  const ex = await probe.askSnapshot("db0", 1);
  assert.equal(ex[0]?.outcome.kind, "undecodable");
  assert.match(describeExchanges(ex), /files=\[0\/f0,0\/f1,0\/f2,0\/f3,0\/f4,0\/f5,\.\.\. 14 more\]/);
});

test("bgsaveWithin: BGSAVE through the admin connection, then INFO stats until is_bgsaving:No; a refusal or a missing field throws", async () => {
  const clock = new VirtualClock(new Rng(47));
  const calls: string[][] = [];
  let infos = 0;
  const node = (bgsave: unknown, stats: string[]): SutNode =>
    ({
      name: "master",
      admin: async () =>
        ({
          call: async (...argv: string[]) => {
            calls.push(argv);
            return bgsave;
          },
          close: () => {},
        }) as unknown as Admin,
      info: async (section?: string) => {
        assert.equal(section, "stats");
        return parseInfo(stats[Math.min(infos++, stats.length - 1)] ?? "");
      },
    }) as unknown as SutNode;
  await bgsaveWithin(
    clock,
    node("Background saving started", ["is_bgsaving:Yes", "is_bgsaving:No"]),
    "db0",
    5,
  );
  assert.deepEqual(calls, [["BGSAVE", "db0"]]);
  assert.equal(infos, 2);
  await assert.rejects(bgsaveWithin(clock, node("ERR nope", []), "db0", 5), /answered BGSAVE db0 with/);
  infos = 0;
  await assert.rejects(
    bgsaveWithin(clock, node("Background saving started", ["# Stats"]), "db0", 5),
    /has no is_bgsaving field/,
  );
  infos = 0;
  await assert.rejects(
    bgsaveWithin(clock, node("Background saving started", ["is_bgsaving:Yes"]), "db0", 5),
    /still showed is_bgsaving:Yes 5 s after BGSAVE db0/,
  );
});
