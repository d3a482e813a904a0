/**
 * The wire schema per Pika release family (harness/wire/proto.ts SCHEMA_VERSIONS): the 3.5
 * schema is the 4.0 .proto without DBInfo.db_instance_num. A 4.0 MetaSync reply decodes in the
 * 3.5 schema (the field is unknown there, so skipped); a 3.5 reply fails the 4.0 schema, and the
 * error says it is valid in the 3.5 one.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { ports, REPL_SHIFT } from "../harness/net";
import { ProbeMaster } from "../harness/probe/master";
import { ProbeSlave } from "../harness/probe/slave";
import { type Behaviour, behaviourOf, CONFORMANT } from "../harness/reference/behaviour";
import { SlaveSide } from "../harness/reference/slave";
import { ReferenceTarget } from "../harness/targets/reference";
import { Trace } from "../harness/trace/trace";
import {
  DEFAULT_SCHEMA,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  MessageError,
  MsgType,
  PROTO_FILE,
  req,
  res,
  SCHEMA_VERSIONS,
  StatusCode,
  schemaForVersion,
  summarize,
} from "../harness/wire";
import { schemaOf } from "../harness/wire/drift";

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join("").replace(/\s+/g, ""), "hex");
const RUN_ID = "b".repeat(40);
const REPL_ID = "c".repeat(50);
const OK_40 = res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], RUN_ID, REPL_ID);

/** A 3.5.5 master's MetaSync reply, byte by byte: DBInfo has db_name and slot_num only. */
const REPLY_35 = hex(
  "08 01", //                   type = kMetaSync
  "10 01", //                   code = kOk
  "22 69", //                   meta_sync, 105 bytes
  "08 01", //                     classic_mode = true
  "12 07", //                     dbs_info, 7 bytes
  "0a 03 64 62 30", //              db_name = "db0"
  "10 01", //                       slot_num = 1 (no db_instance_num)
  `1a 28 ${Buffer.from(RUN_ID).toString("hex")}`, // run_id
  `22 32 ${Buffer.from(REPL_ID).toString("hex")}`, // replication_id
);

function messageError(f: () => unknown): MessageError {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof MessageError, `expected a MessageError, got ${String(err)}`);
    return err;
  }
  assert.fail("no MessageError thrown");
}

describe("schema versions", () => {
  test("the default is the .proto's 4.0 schema; versions choose their family", () => {
    assert.equal(DEFAULT_SCHEMA, "4.0");
    assert.equal(schemaForVersion(undefined), "4.0");
    assert.equal(schemaForVersion("4.0.0"), "4.0");
    assert.equal(schemaForVersion("v4.0.1"), "4.0");
    assert.equal(schemaForVersion("5.0.0"), "4.0");
    assert.equal(schemaForVersion("3.5.5"), "3.5");
    assert.equal(schemaForVersion("v3.5.0"), "3.5");
    assert.equal(schemaForVersion("3.4.1"), "3.3");
    assert.equal(schemaForVersion("3.3.6"), "3.3");
    assert.equal(schemaForVersion("unstable"), "4.0");
  });

  test("every field a schema lacks is a field of the .proto (the description is checked)", () => {
    const proto = schemaOf(PROTO_FILE);
    const camel = (p: string) => p.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
    const fields = new Set([...proto.keys()].map(camel));
    for (const [version, { lacks }] of Object.entries(SCHEMA_VERSIONS))
      for (const full of lacks)
        assert.ok(fields.has(camel(full)), `${version} lacks ${full}, unknown to the .proto`);
    assert.deepEqual(SCHEMA_VERSIONS["3.5"].lacks, [
      "InnerMessage.InnerResponse.MetaSync.DBInfo.db_instance_num",
    ]);
  });

  test("a 3.5 reply decodes in the 3.5 schema, without db_instance_num", () => {
    const m = decodeResponse(REPLY_35, "3.5");
    assert.deepEqual(m.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
    assert.equal(m.metaSync?.replicationId, REPL_ID);
    assert.match(summarize(m), /dbs=\[db0\] /);
  });

  test("a 3.5 reply fails the 4.0 schema, and the error says it is valid in the 3.5 schema", () => {
    const e = messageError(() => decodeResponse(REPLY_35));
    assert.match(
      e.message,
      /4\.0 schema: missing required db_instance_num \(valid in the 3\.5 and 3\.3 schemas\)/,
    );
    assert.equal(messageError(() => decodeResponse(REPLY_35, "4.0")).message, e.message);
  });

  test("a 4.0 reply decodes in the 3.5 schema: db_instance_num is an unknown field there, skipped", () => {
    const body = encodeResponse(OK_40);
    assert.deepEqual(decodeResponse(body).metaSync?.dbsInfo, [
      { dbName: "db0", slotNum: 1, dbInstanceNum: 3 },
    ]);
    assert.deepEqual(decodeResponse(body, "3.5").metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
  });

  test("encoding in the 3.5 schema leaves db_instance_num out: the bytes of a 3.5 master", () => {
    assert.deepEqual(encodeResponse(OK_40, true, "3.5"), REPLY_35);
    assert.notDeepEqual(encodeResponse(OK_40), REPLY_35);
    // Unchecked encoding writes what the 3.5 schema has, too.
    assert.deepEqual(encodeResponse(OK_40, false, "3.5"), REPLY_35);
  });

  test("a frame every schema refuses keeps its own error, with no word of another schema", () => {
    for (const v of ["3.3", "3.5", "4.0"] as const) {
      const e = messageError(() => decodeResponse(hex("08 01", "10 04"), v));
      assert.match(e.message, /InnerResponse/);
      assert.doesNotMatch(e.message, /valid in the/);
    }
  });

  test("a reply without run_id (a 3.3 or 3.4 master's) is refused by the 3.5 and 4.0 schemas and read in the 3.3 schema", () => {
    const noRunId = encodeResponse(
      { ...OK_40, metaSync: { ...OK_40.metaSync, runId: undefined, replicationId: undefined } } as never,
      false,
      "3.5",
    );
    assert.match(
      messageError(() => decodeResponse(noRunId, "3.5")).message,
      /3\.5 schema: missing required run_id \(valid in the 3\.3 schema\)/,
    );
    assert.match(messageError(() => decodeResponse(noRunId, "4.0")).message, /valid in the 3\.3 schema\)/);
    const m = decodeResponse(noRunId, "3.3");
    assert.deepEqual(m.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
    assert.equal(m.metaSync?.runId, undefined);
    assert.match(summarize(m), /run_id=- repl_id=-/);
    // A 3.3 slave's bytes: the probe master answers it without run_id, replication_id, db_instance_num.
    assert.deepEqual(encodeResponse(OK_40, true, "3.3"), noRunId);
  });

  test("requests are the same in both schemas", () => {
    const body = encodeRequest(req.metaSync({ ip: "127.0.0.1", port: 9222 }, "pw"));
    assert.deepEqual(encodeRequest(req.metaSync({ ip: "127.0.0.1", port: 9222 }, "pw"), true, "3.5"), body);
    assert.deepEqual(decodeRequest(body, "3.5"), decodeRequest(body));
    const other = res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist");
    assert.deepEqual(encodeResponse(other, true, "3.5"), encodeResponse(other));
  });
});

describe("probes speak the schema of the node under test", () => {
  /** A probe master with `masterSchema` and a probe slave reading its replies in `slaveSchema`. */
  async function metaSyncReply(
    t: { after: (fn: () => unknown) => void },
    masterSchema: "3.5" | "4.0" | undefined,
    slaveSchema: "3.5" | "4.0" | undefined,
  ) {
    const clock = new VirtualClock(new Rng(7));
    const trace = new Trace(clock);
    const pm = await ProbeMaster.start(clock, trace, {
      port: await ports.allocate(),
      databases: 1,
      dbInstanceNum: 3,
      replicationId: REPL_ID,
      runId: RUN_ID,
      schema: masterSchema,
    });
    t.after(() => pm.close());
    const probe = new ProbeSlave(
      clock,
      trace,
      pm.port + REPL_SHIFT,
      { ip: "127.0.0.1", port: 40000 },
      { schema: slaveSchema },
    );
    t.after(() => probe.close());
    const c = await probe.connect("A");
    c.send(req.metaSync(probe.node));
    await clock.within(1, () => c.received.length === 1);
    return { got: c.received[0], trace };
  }

  test("a probe master for a 3.5 slave answers in the 3.5 schema; a probe slave of a 3.5 master reads it", async (t) => {
    const { got, trace } = await metaSyncReply(t, "3.5", "3.5");
    assert.deepEqual(got?.msg?.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
    // The probe master's trace shows what went out: no db_instance_num.
    assert.ok(
      trace.events.some((e) => e.from === "probe-master" && /kMetaSync kOk dbs=\[db0\] /.test(e.summary)),
    );
  });

  test("a 3.5 reply read in the 4.0 schema is recorded as valid in the older schemas", async (t) => {
    const { got, trace } = await metaSyncReply(t, "3.5", undefined);
    assert.equal(got?.msg, undefined);
    assert.match(
      got?.error ?? "",
      /4\.0 schema: missing required db_instance_num \(valid in the 3\.5 and 3\.3 schemas\)/,
    );
    assert.ok(trace.events.some((e) => /^undecodable: .*valid in the 3\.5 and 3\.3 schemas/.test(e.summary)));
  });

  test("the default probe master answers in the 4.0 schema, which a 3.5 reader also reads", async (t) => {
    const four = await metaSyncReply(t, undefined, undefined);
    assert.deepEqual(four.got?.msg?.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }]);
    const old = await metaSyncReply(t, "4.0", "3.5");
    assert.deepEqual(old.got?.msg?.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
  });
});

describe("the reference's pika-3.5 profile speaks the 3.5 schema", () => {
  test("its master's MetaSync reply has no db_instance_num; a probe slave in the node's schema reads it", async (t) => {
    const target = new ReferenceTarget(3, behaviourOf("pika-3.5"));
    t.after(() => target[Symbol.asyncDispose]());
    const node = await target.startNode("master");
    assert.equal(node.schema, "3.5");
    const trace = new Trace(target.clock);
    const read = async (schema: "3.5" | undefined, port: number) => {
      const probe = new ProbeSlave(target.clock, trace, node.replPort, { ip: "127.0.0.1", port }, { schema });
      t.after(() => probe.close());
      const c = await probe.connect("A");
      c.send(req.metaSync(probe.node));
      await target.clock.within(1, () => c.received.length === 1);
      return c.received[0];
    };
    const inNodeSchema = await read(node.schema, 40000);
    assert.deepEqual(inNodeSchema?.msg?.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1 }]);
    const in40 = await read(undefined, 40001);
    assert.match(
      in40?.error ?? "",
      /4\.0 schema: missing required db_instance_num \(valid in the 3\.5 and 3\.3 schemas\)/,
    );
  });

  /** A reference slave with `behaviour` told SLAVEOF a probe master in `schema` answering `dbs`. */
  async function slaveOf(
    t: { after: (fn: () => unknown) => void },
    behaviour: Behaviour,
    schema: "3.5" | "4.0",
    dbs?: string[],
  ) {
    const clock = new VirtualClock(new Rng(11));
    const pm = await ProbeMaster.start(clock, new Trace(clock), {
      port: await ports.allocate(),
      databases: 1,
      dbInstanceNum: 3,
      replicationId: REPL_ID,
      runId: RUN_ID,
      schema,
    });
    if (dbs)
      pm.defaultMetaSync = {
        kind: "ok",
        dbs: dbs.map((dbName) => ({ dbName, slotNum: 1, dbInstanceNum: 3 })),
      };
    const slave = new SlaveSide(clock, {
      port: 19998,
      databases: ["db0"],
      dbInstanceNum: 3,
      masterauth: () => "",
      replicationId: () => REPL_ID,
      adoptReplicationId: () => {},
      behaviour,
    });
    t.after(async () => {
      slave.shutdown();
      await pm.close();
    });
    slave.setMaster("127.0.0.1", pm.port, false);
    await clock.within(1, () => pm.received(MsgType.kMetaSync).length === 1);
    await clock.during(2);
    return { slave, pm };
  }

  test("its slave links to a 3.5 master listing the same database names", async (t) => {
    const { slave } = await slaveOf(t, behaviourOf("pika-3.5"), "3.5");
    assert.equal(slave.state, "MetaSyncDone");
    assert.ok(slave.linkUp);
  });

  test("its slave stops for good when the names differ (§7.2: names only)", async (t) => {
    const { slave } = await slaveOf(t, behaviourOf("pika-3.5"), "3.5", ["db1"]);
    assert.equal(slave.state, "Error");
  });

  test("a pika-4.0 slave of a 3.5 master cannot read the reply and stops for good, as v4.0.1 does (§11.5)", async (t) => {
    const { slave, pm } = await slaveOf(t, behaviourOf("pika-4.0"), "3.5");
    assert.equal(slave.state, "Error");
    await pm.noneDuring(MsgType.kMetaSync, 30, "now");
  });

  test("the conformant slave speaking 3.5 (DS-MIX's stand-in for a 3.5 build) links to a 3.5 master: names are all a 3.5 reply gives", async (t) => {
    const { slave } = await slaveOf(t, { ...CONFORMANT, schema: "3.5" }, "3.5");
    assert.ok(slave.linkUp);
    const other = await slaveOf(t, { ...CONFORMANT, schema: "3.5" }, "3.5", ["db1"]);
    assert.equal(other.slave.state, "Error", "other names are still refused");
  });

  test("a pika-3.5 slave of a 4.0 master passes MetaSync (db_instance_num is unknown to it)", async (t) => {
    const { slave } = await slaveOf(t, behaviourOf("pika-3.5"), "4.0");
    assert.ok(slave.linkUp);
  });
});
