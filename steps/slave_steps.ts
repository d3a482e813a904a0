/** Steps of the slave under test, its probe master, and pairs of nodes under test. */
import { expect } from "../harness/check";
import { announces, infoShowsWithin } from "../harness/observe";
import { slaveof as sendSlaveof } from "../harness/pair";
import { type MasterAction, type PlanOf, plan } from "../harness/probe/answers";
import type { NodeOptions } from "../harness/targets/target";
import { MsgType } from "../harness/wire";
import type { SlaveofTarget } from "./parameters";
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

/** Waits until the probe master has `n` requests of `type` since the mark. */
const receivedWithin = (w: PikaWorld, type: MsgType, n: number, seconds: number) =>
  w.pm.receivedWithin(type, n, seconds, w.mark, `; SLAVEOF answered ${w.slaveofReply ?? "(not sent)"}`);

// --- Given -------------------------------------------------------------------------------

step("a slave under test", function () {
  return startSlave(this);
});

step("a slave under test with {nodeOptions}", function (options: NodeOptions) {
  return startSlave(this, options);
});

step("a probe master", function () {
  return this.startProbeMaster();
});

step("the probe master answers MetaSync with {metaSyncAnswer}", function (answer: PlanOf) {
  plan(this.pm, answer(this.newReplicationId));
});

step("the probe master {masterAction}", async function (a: MasterAction) {
  if (a.marks) this.mark = this.pm.mark();
  await a.act(this.pm);
});

step(
  "a probe slave of the slave under test, registered on connection {conn}",
  async function (label: string) {
    await this.startProbeSlave(slave(this), { ip: "127.0.0.1", port: 40000 }).register(label);
  },
);

step("the slave under test is linked to the probe master", async function () {
  const reply = await slaveof(this, ...this.slaveofArgs("probe master"));
  expect(reply === "OK", "SLAVEOF answered OK", reply);
  await infoShowsWithin(this.clock, slave(this), 5, "master_link_status", "up");
});

step("a master and a slave under test sharing one replication_id", async function () {
  this.nodes.set("master", await this.target.startNode("master", { replicationId: this.replicationId }));
  await startSlave(this);
});

// --- When --------------------------------------------------------------------------------

step("the slave under test is told SLAVEOF {slaveofTarget}", async function (target: SlaveofTarget) {
  await slaveof(this, ...this.slaveofArgs(target));
});

// --- Then --------------------------------------------------------------------------------

step("the probe master receives {metaSyncCount} within {duration}", function (n: number, s: number) {
  return receivedWithin(this, MsgType.kMetaSync, n, s);
});

step(
  "the probe master receives a new TrySync for {db} within {duration}",
  async function (db: string, s: number) {
    await receivedWithin(this, MsgType.kTrySync, 1, s);
    const got = since(this, MsgType.kTrySync).map((r) => r.msg?.trySync?.slot.dbName);
    expect(got.includes(db), `TrySync for ${db}`, got.join(", "));
  },
);

step(
  "the MetaSync announces ip {ip} and the slave's port, {announcedAuth}",
  function (ip: string, auth: string | undefined) {
    announces(since(this, MsgType.kMetaSync)[0]?.msg, ip, slave(this).port, auth);
  },
);

step(
  "the probe master receives {syncType} for {dbs} within {duration}, from the announced node at offset {offset}",
  function (type: MsgType.kTrySync | MsgType.kDBSync, dbs: string[], s: number, offset: string) {
    return this.pm.perDatabase(type, dbs, s, offset, this.mark);
  },
);

step("the probe master receives no {msgType}", function (t: MsgType) {
  const name = MsgType[t].slice(1);
  expect(since(this, t).length === 0, `no ${name}`, `${since(this, t).length} ${name}`);
});

step(
  "the probe master receives {noMetaSync} during {duration}",
  function (since: "since the mark" | "now", s: number) {
    return this.pm.noneDuring(MsgType.kMetaSync, s, since === "now" ? "now" : this.mark);
  },
);

step(
  "the MetaSync attempts came on one connection, each {duration} to {duration} after the previous one",
  function (minS: number, maxS: number) {
    this.pm.metaSyncsPaced(minS, maxS, this.mark);
  },
);

step(
  "during {duration} the probe master receives at least {int} MetaSync, each {duration} to {duration} after the previous one",
  function (seconds: number, atLeast: number, minS: number, maxS: number) {
    return this.pm.pacedDuring("MetaSync", { seconds, atLeast, minS, maxS }, this.mark);
  },
);

step(
  "during {duration} the probe master sees at least {int} replication connections, each {duration} to {duration} after the previous one",
  function (seconds: number, atLeast: number, minS: number, maxS: number) {
    return this.pm.pacedDuring("connection attempts", { seconds, atLeast, minS, maxS }, this.mark);
  },
);

step("the probe master receives a new MetaSync on a new connection within {duration}", function (s: number) {
  return this.pm.metaSyncOnNewConnectionWithin(s, this.mark);
});

step("the slave closes its replication connection within {duration}", function (s: number) {
  return this.pm.closedWithin(s, this.mark);
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
