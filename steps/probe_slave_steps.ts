/** Steps of the probe slave: what it sends on which connection, and what it must receive. */
import { expect } from "../harness/check";
import { noBinlogDuring, pingsDuring, pingsStopWithin, slavesWithin } from "../harness/observe";
import { ProbeSlave } from "../harness/probe/slave";
import {
  encodeFrame,
  MsgType,
  type PNode,
  rawFrame,
  rawTypeBody,
  req,
  StatusCode,
  summarize,
  TrySyncReply,
} from "../harness/wire";
import { step } from "./support";
import type { PikaWorld } from "./world";

function newProbe(w: PikaWorld, node: PNode, auth?: string): void {
  w.probe = new ProbeSlave(w.clock, w.trace, w.master.replPort, node, auth);
  w.defer(() => w.probe?.close());
}

const conn = (w: PikaWorld, label: string) => w.probeSlave.connection(label);

// --- Given -------------------------------------------------------------------------------

step("a probe slave announcing {ipport}", function (node: PNode) {
  newProbe(this, node, this.master.options.requirepass);
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

// --- When: MetaSync ----------------------------------------------------------------------

step("the probe slave sends MetaSync on connection {conn}", async function (label: string) {
  (await conn(this, label)).send(this.probeSlave.metaSync());
});

step(
  "the probe slave sends MetaSync with auth {string} on connection {conn}",
  async function (auth: string, label: string) {
    (await conn(this, label)).send(this.probeSlave.metaSync(auth));
  },
);

step("the probe slave sends MetaSync without auth on connection {conn}", async function (label: string) {
  (await conn(this, label)).send(req.metaSync(this.probeSlave.node));
});

step(
  "the probe slave sends MetaSync as {ipport} on connection {conn}",
  async function (node: PNode, label: string) {
    (await conn(this, label)).send(req.metaSync(node, this.probeSlave.auth));
  },
);

step("the probe slave sends a MetaSync without a node on connection {conn}", async function (label: string) {
  (await conn(this, label)).send(req.typeOnly(MsgType.kMetaSync));
});

step(
  "the probe slave sends MetaSync on connections {conn} and {conn} at once",
  async function (a: string, b: string) {
    const [ca, cb] = [await conn(this, a), await conn(this, b)];
    ca.send(this.probeSlave.metaSync());
    cb.send(this.probeSlave.metaSync());
  },
);

// --- When: other requests ----------------------------------------------------------------

step(
  "the probe slave sends TrySync for {db} on connection {conn}",
  async function (db: string, label: string) {
    (await conn(this, label)).send(req.trySync(this.probeSlave.node, db));
  },
);

step(
  "the probe slave sends TrySync for {db} at offset {int}:{int} on connection {conn}",
  async function (db: string, filenum: number, offset: number, label: string) {
    (await conn(this, label)).send(req.trySync(this.probeSlave.node, db, { filenum, offset }));
  },
);

step(
  "the probe slave sends DBSync for {db} on connection {conn}",
  async function (db: string, label: string) {
    (await conn(this, label)).send(req.dbSync(this.probeSlave.node, db));
  },
);

step(
  "the probe slave sends RemoveSlaveNode for {db} on connection {conn}",
  async function (db: string, label: string) {
    (await conn(this, label)).send(req.removeSlaveNode(this.probeSlave.node, db));
  },
);

step(
  "the probe slave sends a type-only {msgType} request on connection {conn}",
  async function (type: MsgType, label: string) {
    (await conn(this, label)).send(req.typeOnly(type));
  },
);

step(
  "the probe slave starts the binlog session with session {int} for {db} on connection {conn}",
  async function (session: number, db: string, label: string) {
    (await conn(this, label)).send(req.binlogSync(this.probeSlave.node, db, session, true));
  },
);

step(
  "the probe slave starts a synced session for {db} on connection {conn}",
  async function (db: string, label: string) {
    await this.probeSlave.syncSession(await conn(this, label), db);
  },
);

step("the probe slave stops answering pings on connection {conn}", async function (label: string) {
  (await conn(this, label)).autoAck = false;
});

// --- When: malformed frames and closes ---------------------------------------------------

step(
  "the probe slave sends a frame with a malformed body on connection {conn}",
  async function (label: string) {
    (await conn(this, label)).sendRaw(
      rawFrame(6, Buffer.from("ffffffffffff", "hex")),
      "frame with a malformed body (6 bytes of 0xff)",
    );
  },
);

step(
  "the probe slave sends a frame header with length {int} on connection {conn}",
  async function (length: number, label: string) {
    (await conn(this, label)).sendRaw(rawFrame(length), `frame header with length ${length}`);
  },
);

step(
  "the probe slave sends a request of type {int} on connection {conn}",
  async function (type: number, label: string) {
    (await conn(this, label)).sendRaw(encodeFrame(rawTypeBody(type)), `request of type ${type}`);
  },
);

step("the probe slave closes connection {conn}", async function (label: string) {
  (await conn(this, label)).close();
});

step("the probe slave resets connection {conn}", async function (label: string) {
  (await conn(this, label)).reset();
});

step("the probe slave closes the connection that does not hold the registration", async function () {
  const loser = this.probeSlave.loser();
  if (!loser.closed) loser.close();
});

// --- Then --------------------------------------------------------------------------------

step(
  "connection {conn} receives a MetaSync reply {status} within {duration}",
  async function (label: string, code: StatusCode, s: number) {
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, s);
    expect(r.code === code, `the MetaSync reply is ${StatusCode[code]}`, summarize(r));
  },
);

step(
  "connection {conn} receives a second MetaSync reply {status} within {duration}",
  async function (label: string, code: StatusCode, s: number) {
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, s, 2);
    expect(r.code === code, `the second MetaSync reply is ${StatusCode[code]}`, summarize(r));
  },
);

step(
  "connection {conn} receives a MetaSync reply kError within {duration}, or is closed",
  async function (label: string, s: number) {
    const r = await (await conn(this, label)).replyOrClose(MsgType.kMetaSync, s);
    expect(
      !r || r.code === StatusCode.kError,
      "a MetaSync reply kError, or a close",
      r ? summarize(r) : "closed",
    );
  },
);

step(
  "the MetaSync reply on connection {conn} carries one dbs_info entry per database, a 40-character run_id and a non-empty replication_id",
  async function (label: string) {
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, 0);
    const want = this.master.options.databases ?? 1;
    const ms = r.metaSync;
    expect(
      !!ms && (ms.dbsInfo?.length ?? 0) === want && ms.runId.length === 40 && (ms.replicationId ?? "") !== "",
      `meta_sync with ${want} dbs_info entr${want === 1 ? "y" : "ies"}, a 40-character run_id and a non-empty replication_id`,
      () =>
        ms
          ? `${ms.dbsInfo?.length ?? 0} dbs_info, run_id of ${ms.runId.length} characters, replication_id "${ms.replicationId ?? ""}"`
          : "no meta_sync",
    );
  },
);

step(
  "the MetaSync reply on connection {conn} lists the databases {dbs} with db_instance_num {int}",
  async function (label: string, dbs: string[], n: number) {
    const want = dbs.map((db) => `${db}/${n}/1`);
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, 0);
    const got = (r.metaSync?.dbsInfo ?? []).map((d) => `${d.dbName}/${d.dbInstanceNum}/${d.slotNum}`);
    expect(
      got.join(" ") === want.join(" "),
      `dbs_info (name/db_instance_num/slot_num) ${want.join(" ")}`,
      got.join(" ") || "none",
    );
  },
);

step(
  "the MetaSync reply on connection {conn} has the reply text {string}",
  async function (label: string, text: string) {
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, 0);
    expect(r.reply === text, `reply "${text}"`, `reply "${r.reply ?? ""}"`);
  },
);

step(
  "the two MetaSync replies on connection {conn} carry the same run_id, replication_id and dbs_info",
  async function (label: string) {
    const [a, b] = (await conn(this, label)).responses(MsgType.kMetaSync);
    const id = (m: typeof a) =>
      JSON.stringify([m?.metaSync?.runId, m?.metaSync?.replicationId, m?.metaSync?.dbsInfo]);
    expect(
      !!a && !!b && id(a) === id(b),
      "identical run_id, replication_id and dbs_info",
      `${a ? summarize(a) : "-"} / ${b ? summarize(b) : "-"}`,
    );
  },
);

step(
  "the replication_id on connection {conn} is 50 lowercase hex characters",
  async function (label: string) {
    const r = await (await conn(this, label)).reply(MsgType.kMetaSync, 0);
    const id = r.metaSync?.replicationId ?? "";
    expect(/^[0-9a-f]{50}$/.test(id), "a replication_id of 50 lowercase hex characters", `"${id}"`);
  },
);

step("connections {conn} and {conn} received the same replication_id", async function (a: string, b: string) {
  const ids = await Promise.all(
    [a, b].map(
      async (l) => (await conn(this, l)).responses(MsgType.kMetaSync).at(-1)?.metaSync?.replicationId,
    ),
  );
  expect(
    !!ids[0] && ids[0] === ids[1],
    `the same replication_id on ${a} and ${b}`,
    `${a}: "${ids[0] ?? ""}", ${b}: "${ids[1] ?? ""}"`,
  );
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
  const c = await conn(this, label);
  await this.clock.during(s);
  expect(
    !c.closed,
    `connection ${label} open for ${s} s`,
    () => `closed after ${((c.closedAt ?? 0) - this.clock.now() + s * 1000) / 1000} s`,
  );
});

step(
  "connection {conn} stays open and receives nothing during {duration}",
  async function (label: string, s: number) {
    const c = await conn(this, label);
    const before = c.received.length;
    await this.clock.during(s);
    expect(
      !c.closed && c.received.length === before,
      `connection ${label} open and silent for ${s} s`,
      c.describe(),
    );
  },
);

step(
  "the master still serves the registered slave on connection {conn} and new slaves",
  async function (label: string) {
    expect(!(await conn(this, label)).closed, `connection ${label} still open`, "closed");
    const n = this.probeSlave.node;
    const other = { ip: n.ip, port: n.port + 1 };
    await this.probeSlave.register(`${label}-check`, other);
    await slavesWithin(this.clock, this.master, 1, [`${n.ip}:${n.port}`, `${other.ip}:${other.port}`]);
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
    const r = await (await conn(this, label)).replyOrClose(type, s);
    const accepted =
      r && r.code === StatusCode.kOk && (r.trySync === undefined || r.trySync.replyCode === TrySyncReply.kOk);
    expect(
      !accepted,
      `${MsgType[type].slice(1)} refused (code other than kOk, or the connection closed)`,
      r ? summarize(r) : "closed",
    );
  },
);

step(
  "the TrySync reply on connection {conn} is kOk with a session id within {duration}",
  async function (label: string, s: number) {
    const r = await (await conn(this, label)).reply(MsgType.kTrySync, s);
    const t = r.trySync;
    expect(
      r.code === StatusCode.kOk && t?.replyCode === TrySyncReply.kOk && t.sessionId !== undefined,
      "TrySync kOk/kOk with a session_id",
      summarize(r),
    );
  },
);

step(
  "the TrySync reply on connection {conn} is {trySyncReply} within {duration}",
  async function (label: string, code: TrySyncReply, s: number) {
    const r = await (await conn(this, label)).reply(MsgType.kTrySync, s);
    expect(
      r.code === StatusCode.kOk && r.trySync?.replyCode === code,
      `TrySync kOk with reply_code ${TrySyncReply[code]}`,
      summarize(r),
    );
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
