/** Steps of the probe slave: what it sends on which connection, and what it must receive. */
import {
  noBinlogDuring,
  noWritesDuring,
  pingsDuring,
  pingsStopWithin,
  slavesWithin,
  staysOpen,
  stillServes,
} from "../harness/observe";
import type { ReplyCheck } from "../harness/probe/replies";
import * as replies from "../harness/probe/replies";
import { type ConnAction, type ProbeRequest, sendRequest } from "../harness/probe/requests";
import { MsgType, type PNode, req, type StatusCode, type TrySyncReply } from "../harness/wire";
import { step } from "./support";
import type { PikaWorld } from "./world";

const conn = (w: PikaWorld, label: string) => w.probeSlave.connection(label);

// --- Given -------------------------------------------------------------------------------

step("a probe slave announcing {ipport}", function (node: PNode) {
  this.startProbeSlave(this.master, node, this.master.options.requirepass);
});

step("the probe slave is registered on connection {conn}", async function (label: string) {
  await this.probeSlave.register(label);
});

step(
  "the probe slave has a synced session for {db} on connection {conn}",
  async function (db: string, label: string) {
    await this.probeSlave.syncSession(await this.probeSlave.register(label), db);
  },
);

// --- When --------------------------------------------------------------------------------

step("the probe slave sends {request} on connection {conn}", async function (r: ProbeRequest, label: string) {
  sendRequest(this.probeSlave, await conn(this, label), r);
});

step(
  "the probe slave sends MetaSync on connections {conn} and {conn} at once",
  async function (a: string, b: string) {
    const [ca, cb] = [await conn(this, a), await conn(this, b)];
    ca.send(this.probeSlave.metaSync());
    cb.send(this.probeSlave.metaSync());
  },
);

step(
  "the probe slave starts the binlog session with session {int} for {db} on connection {conn}",
  async function (session: number, db: string, label: string) {
    const c = await conn(this, label);
    await c.settled(MsgType.kTrySync, 1);
    c.send(req.binlogSync(this.probeSlave.node, db, session, true, this.probeSlave.startOf(db)));
  },
);

step(
  "the probe slave starts a synced session for {db} on connection {conn}",
  async function (db: string, label: string) {
    await this.probeSlave.syncSession(await conn(this, label), db);
  },
);

step("the probe slave {connAction} {conn}", async function (action: ConnAction, label: string) {
  action(await conn(this, label));
});

step("the probe slave closes the connection that does not hold the registration", async function () {
  const loser = this.probeSlave.loser();
  if (!loser.closed) loser.close();
});

// --- Then --------------------------------------------------------------------------------

/** The last MetaSync reply on connection `label` (waiting up to `s` seconds for it). */
const metaSyncReply = async (w: PikaWorld, label: string, s = 0, nth = 1) =>
  (await conn(w, label)).reply(MsgType.kMetaSync, s, nth);

step(
  "connection {conn} receives a {metaSyncReply} {status} within {duration}",
  async function (label: string, nth: number, code: StatusCode, s: number) {
    replies.metaSyncIs(await metaSyncReply(this, label, s, nth), code, nth);
  },
);

step(
  "connection {conn} receives a MetaSync reply kError within {duration}, or is closed",
  async function (label: string, s: number) {
    replies.errorOrClosed(await (await conn(this, label)).replyOrClose(MsgType.kMetaSync, s));
  },
);

step(
  "the MetaSync reply on connection {conn} {replyCheck}",
  async function (label: string, check: ReplyCheck) {
    check(await metaSyncReply(this, label), this.master.options.databases ?? 1);
  },
);

step(
  "the two MetaSync replies on connection {conn} carry the same run_id, replication_id and dbs_info",
  async function (label: string) {
    const [a, b] = (await conn(this, label)).responses(MsgType.kMetaSync);
    replies.sameIdentity(a, b);
  },
);

step(
  "the replication_id on connection {conn} is 50 lowercase hex characters",
  async function (label: string) {
    replies.hexReplicationId(await metaSyncReply(this, label));
  },
);

step("connections {conn} and {conn} received the same replication_id", async function (a: string, b: string) {
  const last = async (l: string) => (await conn(this, l)).responses(MsgType.kMetaSync).at(-1);
  replies.sameReplicationId([a, b], [await last(a), await last(b)]);
});

step(
  "connections {conn} and {conn} each receive a MetaSync reply or are closed within {duration}",
  async function (a: string, b: string, s: number) {
    for (const l of [a, b]) await (await conn(this, l)).replyOrClose(MsgType.kMetaSync, s);
  },
);

step("the master closes connection {conn} within {duration}", async function (label: string, s: number) {
  await (await conn(this, label)).closedWithin(s);
});

step("connection {conn} stays open during {duration}", async function (label: string, s: number) {
  await staysOpen(this.clock, await conn(this, label), s, false);
});

step(
  "connection {conn} stays open and receives nothing during {duration}",
  async function (label: string, s: number) {
    await staysOpen(this.clock, await conn(this, label), s, true);
  },
);

step(
  "the master still serves the registered slave on connection {conn} and new slaves",
  async function (label: string) {
    await stillServes(this.clock, this.probeSlave, label, this.master);
  },
);

step("the master still answers MetaSync from {ipport} on a new connection", async function (node: PNode) {
  await this.probeSlave.register("check", node);
});

step(
  "the {msgType} reply on connection {conn} is a refusal within {duration}, or connection {conn} is closed",
  async function (type: MsgType, label: string, s: number, again: string) {
    if (again !== label)
      throw new Error(`the step names connection ${label}, then ${again}: name one connection twice`);
    replies.refused(type, await (await conn(this, label)).replyOrClose(type, s));
  },
);

step(
  "the TrySync reply on connection {conn} is {trySyncOutcome} within {duration}",
  async function (label: string, [code, session]: [TrySyncReply, boolean], s: number) {
    replies.trySyncIs(await (await conn(this, label)).reply(MsgType.kTrySync, s), code, session);
  },
);

step(
  "connection {conn} receives none of the master's writes during {duration}",
  async function (label: string, s: number) {
    await noWritesDuring(this.clock, await conn(this, label), s);
  },
);

step(
  "connection {conn} receives no ping and no binlog during {duration}",
  async function (label: string, s: number) {
    await noBinlogDuring(this.clock, await conn(this, label), s);
  },
);

step(
  "during {duration} connection {conn} receives a ping for {db} at least every {duration}",
  async function (s: number, label: string, db: string, gap: number) {
    await pingsDuring(this.clock, await conn(this, label), db, s, gap);
  },
);

step(
  "the pings for {db} on connection {conn} stop within {duration}",
  async function (db: string, label: string, s: number) {
    await pingsStopWithin(this.clock, await conn(this, label), db, s);
  },
);

step(
  "during {duration} pings for {db} arrive on exactly one connection",
  async function (s: number, db: string) {
    this.pingHolder = await this.probeSlave.soleReceiverOfPings(db, s);
  },
);

step("closing that connection removes the slave from INFO within {duration}", async function (s: number) {
  if (!this.pingHolder) throw new Error("no connection was identified by an earlier step");
  this.pingHolder.close();
  await slavesWithin(this.clock, this.master, s, []);
});
