/** Steps of the slave under test, its probe master, and pairs of nodes under test. */
import { expect, expectWithin } from "../harness/check";
import { infoShowsWithin, slavesWithin } from "../harness/observe";
import { pacingViolation, timeline } from "../harness/pacing";
import { slaveof as sendSlaveof } from "../harness/pair";
import { ProbeMaster } from "../harness/probe/master";
import { ProbeSlave } from "../harness/probe/slave";
import type { NodeOptions, SutNode } from "../harness/targets/target";
import { MsgType, summarize } from "../harness/wire";
import { step } from "./support";
import type { PikaWorld } from "./world";

const slave = (w: PikaWorld) => w.node("slave");

async function startSlave(w: PikaWorld, options: NodeOptions = {}): Promise<void> {
  w.nodes.set("slave", await w.target.startNode("slave", { replicationId: w.replicationId, ...options }));
}

/** Sends SLAVEOF to the slave under test and marks what the probe master had seen. */
async function slaveof(w: PikaWorld, ...args: string[]): Promise<string> {
  w.mark = w.probeMaster?.mark() ?? w.mark;
  w.slaveofReply = await sendSlaveof(slave(w), w.trace, ...args);
  return w.slaveofReply;
}

const since = (w: PikaWorld, type: MsgType) => w.pm.received(type, w.mark);
const times = (w: PikaWorld, type: MsgType) => since(w, type).map((r) => r.at);

/** Waits until the probe master has `n` requests of `type` since the mark. */
const receivedWithin = (w: PikaWorld, type: MsgType, n: number, seconds: number) =>
  w.pm.receivedWithin(type, n, seconds, w.mark, `; SLAVEOF answered ${w.slaveofReply ?? "(not sent)"}`);

// --- Given -------------------------------------------------------------------------------

step("a slave under test", function () {
  return startSlave(this);
});

step("a slave under test with masterauth {string}", function (masterauth: string) {
  return startSlave(this, { masterauth });
});

step("a slave under test with {int} databases", function (databases: number) {
  return startSlave(this, { databases });
});

step("a slave under test with {int} databases and an empty replication-id", function (databases: number) {
  return startSlave(this, { databases, replicationId: "" });
});

step("a probe master", async function () {
  const options = slave(this).options;
  this.probeMaster = await ProbeMaster.start(this.clock, this.trace, {
    port: await this.target.allocatePort(),
    databases: options.databases ?? 1,
    dbInstanceNum: options.dbInstanceNum ?? 3,
    replicationId: this.replicationId,
    runId: this.clock.rng.hex(40),
  });
  const pm = this.probeMaster;
  this.defer(() => pm.close());
});

step("the probe master answers MetaSync with kError", function () {
  this.pm.defaultMetaSync = { kind: "error" };
});

step("the probe master answers MetaSync with kOther {int} times, then kOk", function (n: number) {
  this.pm.metaSyncScript.push(...Array.from({ length: n }, () => ({ kind: "other" }) as const));
});

step(
  "the probe master answers MetaSync with kOk listing {db} with db_instance_num {int}",
  function (db: string, n: number) {
    this.pm.defaultMetaSync = { kind: "ok", dbs: [{ dbName: db, slotNum: 1, dbInstanceNum: n }] };
  },
);

step("the probe master answers MetaSync with kOk and another replication_id", function () {
  this.pm.defaultMetaSync = { kind: "ok", replicationId: this.clock.rng.hex(50) };
});

step("the probe master answers MetaSync with kOk and an empty replication_id", function () {
  this.pm.defaultMetaSync = { kind: "ok", replicationId: "" };
});

step("the probe master answers MetaSync with an undecodable frame, then kOk", function () {
  this.pm.metaSyncScript.push({ kind: "garbage" });
});

step("the probe master does not answer MetaSync", function () {
  this.pm.defaultMetaSync = { kind: "silence" };
});

step("the probe master resets every connection to its replication port", function () {
  this.pm.resetReplConnections = true;
});

step("the probe master refuses connections on P", function () {
  return this.pm.closeP();
});

step(
  "a probe slave of the slave under test, registered on connection {conn}",
  async function (label: string) {
    this.probe = new ProbeSlave(this.clock, this.trace, slave(this).replPort, {
      ip: "127.0.0.1",
      port: 40000,
    });
    await this.probe.register(label);
  },
);

step("the slave under test is linked to the probe master", async function () {
  expect(
    (await slaveof(this, "127.0.0.1", String(this.pm.port))) === "OK",
    "SLAVEOF answered OK",
    this.slaveofReply ?? "",
  );
  await infoShowsWithin(this.clock, slave(this), 5, "master_link_status", "up");
});

step("a master and a slave under test sharing one replication_id", async function () {
  this.nodes.set("master", await this.target.startNode("master", { replicationId: this.replicationId }));
  await startSlave(this);
});

// --- When --------------------------------------------------------------------------------

step("the slave under test is told SLAVEOF the probe master", async function () {
  await slaveof(this, "127.0.0.1", String(this.pm.port));
});

step("the slave under test is told SLAVEOF the probe master with force", async function () {
  await slaveof(this, "127.0.0.1", String(this.pm.port), "force");
});

step("the slave under test is told SLAVEOF the master under test", async function () {
  await slaveof(this, this.master.host, String(this.master.port));
});

step("the slave under test is told SLAVEOF NO ONE", async function () {
  await slaveof(this, "no", "one");
});

step("the slave under test is told SLAVEOF its own address", async function () {
  await slaveof(this, "127.0.0.1", String(slave(this).port));
});

step("the probe master drops the replication connection", function () {
  this.mark = this.pm.mark();
  this.pm.dropConnections();
});

step("the probe master accepts connections on P again", async function () {
  this.mark = this.pm.mark();
  await this.pm.openP();
});

// --- Then --------------------------------------------------------------------------------

step("the probe master receives MetaSync within {duration}", function (s: number) {
  return receivedWithin(this, MsgType.kMetaSync, 1, s);
});

step("the probe master receives a new MetaSync within {duration}", function (s: number) {
  return receivedWithin(this, MsgType.kMetaSync, 1, s);
});

step(
  "the probe master receives a new TrySync for {db} within {duration}",
  async function (db: string, s: number) {
    await receivedWithin(this, MsgType.kTrySync, 1, s);
    const got = since(this, MsgType.kTrySync).map((r) => r.msg?.trySync?.slot.dbName);
    expect(got.includes(db), `TrySync for ${db}`, got.join(", "));
  },
);

step("the probe master receives {int} MetaSync within {duration}", function (n: number, s: number) {
  return receivedWithin(this, MsgType.kMetaSync, n, s);
});

step("the MetaSync announces ip {ip} and the slave's port, without auth", function (ip: string) {
  const ms = since(this, MsgType.kMetaSync)[0]?.msg?.metaSync;
  const port = slave(this).port;
  expect(
    ms?.node.ip === ip && ms.node.port === port && ms.auth === undefined,
    `MetaSync from ${ip}:${port} without auth`,
    () => {
      const first = since(this, MsgType.kMetaSync)[0]?.msg;
      return first ? summarize(first) : "no MetaSync";
    },
  );
});

step(
  "the MetaSync announces ip {ip} and the slave's port, with auth {string}",
  function (ip: string, auth: string) {
    const ms = since(this, MsgType.kMetaSync)[0]?.msg?.metaSync;
    const port = slave(this).port;
    // The auth value is compared, never printed.
    expect(
      ms?.node.ip === ip && ms.node.port === port && ms.auth === auth,
      `MetaSync from ${ip}:${port} with the configured masterauth`,
      () =>
        `${ms?.node.ip}:${ms?.node.port}, auth ${ms?.auth === undefined ? "absent" : ms.auth === auth ? "matching" : "different"}`,
    );
  },
);

step(
  "the probe master receives TrySync for {dbs} within {duration}, from the announced node at offset {offset}",
  function (dbs: string[], s: number, offset: string) {
    return this.pm.perDatabase(MsgType.kTrySync, dbs, s, offset, this.mark);
  },
);

step(
  "the probe master receives DBSync for {dbs} within {duration}, from the announced node at offset {offset}",
  function (dbs: string[], s: number, offset: string) {
    return this.pm.perDatabase(MsgType.kDBSync, dbs, s, offset, this.mark);
  },
);

step("the probe master receives no {msgType}", function (t: MsgType) {
  const name = MsgType[t].slice(1);
  expect(since(this, t).length === 0, `no ${name}`, `${since(this, t).length} ${name}`);
});

step("the probe master receives no further MetaSync during {duration}", async function (s: number) {
  const before = this.pm.received(MsgType.kMetaSync).length;
  await this.clock.during(s);
  const after = this.pm.received(MsgType.kMetaSync).length;
  expect(after === before, `no MetaSync during ${s} s`, `${after - before} MetaSync`);
});

step("the probe master receives no MetaSync during {duration}", async function (s: number) {
  await this.clock.during(s);
  expect(
    since(this, MsgType.kMetaSync).length === 0,
    `no MetaSync during ${s} s`,
    `${since(this, MsgType.kMetaSync).length} MetaSync`,
  );
});

step(
  "the MetaSync attempts came on one connection, each {duration} to {duration} after the previous one",
  function (min: number, max: number) {
    const reqs = since(this, MsgType.kMetaSync);
    const conns = new Set(reqs.map((r) => r.conn));
    expect(conns.size === 1, "every MetaSync on the same connection", `connections ${[...conns].join(", ")}`);
    const bad = pacingViolation(times(this, MsgType.kMetaSync), min, max);
    expect(
      !bad,
      `attempts ${min} s to ${max} s apart`,
      () => `${bad}; attempts at ${timeline(times(this, MsgType.kMetaSync), reqs[0]?.at ?? 0)}`,
    );
  },
);

step(
  "during {duration} the probe master receives at least {int} MetaSync, each {duration} to {duration} after the previous one",
  async function (s: number, n: number, min: number, max: number) {
    const start = this.clock.now();
    await this.clock.during(s);
    const ts = times(this, MsgType.kMetaSync);
    const bad = pacingViolation(ts, min, max, this.clock.now());
    expect(
      ts.length >= n && !bad,
      `at least ${n} MetaSync in ${s} s, ${min} s to ${max} s apart`,
      () => `${bad ?? `${ts.length} attempt(s)`}; at ${timeline(ts, start)}`,
    );
  },
);

step(
  "during {duration} the probe master sees at least {int} replication connections, each {duration} to {duration} after the previous one",
  async function (s: number, n: number, min: number, max: number) {
    const start = this.clock.now();
    await this.clock.during(s);
    const ts = this.pm.connections.slice(this.mark.connections).map((c) => c.openedAt);
    const bad = pacingViolation(ts, min, max, this.clock.now());
    expect(
      ts.length >= n && !bad,
      `at least ${n} connection attempts in ${s} s, ${min} s to ${max} s apart`,
      () => `${bad ?? `${ts.length} attempt(s)`}; at ${timeline(ts, start)}`,
    );
  },
);

step(
  "the probe master receives a new MetaSync on a new connection within {duration}",
  async function (s: number) {
    const first = since(this, MsgType.kMetaSync)[0]?.conn;
    const conns = () => since(this, MsgType.kMetaSync).map((r) => r.conn);
    await expectWithin(
      this.clock,
      s,
      () => conns().some((c) => c !== first),
      `a MetaSync on a connection other than ${first} within ${s} s`,
      () => `MetaSync on ${conns().join(", ")}`,
    );
  },
);

step("the slave closes its replication connection within {duration}", async function (s: number) {
  const open = this.pm.connections.slice(0, this.mark.connections).filter((c) => c.closedAt === undefined);
  const stillOpen = () => open.filter((c) => c.closedAt === undefined);
  await expectWithin(
    this.clock,
    s,
    () => stillOpen().length === 0,
    `the replication connection closed within ${s} s of SLAVEOF NO ONE`,
    () =>
      `still open: ${stillOpen()
        .map((c) => c.label)
        .join(", ")}`,
  );
});

step("SLAVEOF is answered {string}", function (text: string) {
  expect(this.slaveofReply === text, `SLAVEOF answered "${text}"`, `"${this.slaveofReply ?? "(not sent)"}"`);
});

step(
  "within {duration} INFO on the slave shows {infoField}",
  function (s: number, [key, value]: [string, string]) {
    return infoShowsWithin(this.clock, slave(this), s, key, value);
  },
);

step("within {duration} INFO on the slave shows the probe master's ReplicationID", function (s: number) {
  return infoShowsWithin(this.clock, slave(this), s, "ReplicationID", this.pm.options.replicationId);
});

step("within {duration} INFO on the master lists exactly the slave under test", function (s: number) {
  const n: SutNode = slave(this);
  return slavesWithin(this.clock, this.master, s, [`127.0.0.1:${n.port}`]);
});
