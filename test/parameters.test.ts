/** The step vocabulary's parameter types (steps/parameters.ts): what each accepts, and what it makes of it. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlanOf } from "../harness/probe/answers";
import { Vocabulary } from "../harness/vocabulary";
import { MsgType, StatusCode, TrySyncReply } from "../harness/wire";
import { PARAMETER_TYPES } from "../steps/parameters";

/** The value a parameter type gives a step for `text`, or undefined when the text is not of that type. */
function parse(name: string, text: string): unknown {
  const p = PARAMETER_TYPES.find((x) => x.name === name);
  assert.ok(p, `no parameter type ${name}`);
  if (!new RegExp(`^(?:${p.regexp.source})$`).test(text)) return undefined;
  return p.transformer ? p.transformer(text) : text;
}

test("each parameter type accepts its vocabulary and turns it into the value steps use", () => {
  assert.equal(parse("msgType", "MetaSync"), MsgType.kMetaSync);
  assert.equal(parse("msgType", "kHeatBeat"), MsgType.kHeatBeat);
  assert.equal(parse("status", "kOther"), StatusCode.kOther);
  assert.deepEqual(parse("trySyncOutcome", "kSyncPointLarger"), [TrySyncReply.kSyncPointLarger, false]);
  assert.deepEqual(parse("trySyncOutcome", "kOk with a session id"), [TrySyncReply.kOk, true]);
  assert.equal(parse("proxyCut", "cuts the replication connection with RST"), "rst");
  assert.equal(parse("proxyCut", "makes the replication connection half-open"), "half-open");
  assert.equal(typeof parse("connAction", "stops answering pings on connection"), "function");
  assert.deepEqual(parse("slaveList", "exactly the slaves 127.0.0.1:1,127.0.0.1:2"), {
    exactly: ["127.0.0.1:1", "127.0.0.1:2"],
  });
  assert.deepEqual(parse("slaveList", "0 connected slaves"), { exactly: [] });
  assert.equal(parse("metaSyncCount", "a new MetaSync"), 1);
  assert.equal(parse("metaSyncCount", "MetaSync"), 1);
  assert.equal(parse("metaSyncCount", "3 MetaSync"), 3);
  assert.equal(parse("noMetaSync", "no further MetaSync"), "now");
  assert.equal(parse("noMetaSync", "no MetaSync"), "since the mark");
  assert.equal(typeof parse("replyCheck", 'has the reply text "Slave AlreadyExist"'), "function");
  assert.equal(typeof parse("replyCheck", "lists the databases db0, db1 with db_instance_num 3"), "function");
  assert.deepEqual(parse("slaveList", "all 8 slaves"), { count: 8 });
  assert.equal(parse("slaveList", "exactly the slave under test"), "the slave under test");
  assert.equal((parse("masterAction", "drops the replication connection") as { marks: boolean }).marks, true);
  assert.equal((parse("masterAction", "refuses connections on P") as { marks: boolean }).marks, false);
  assert.equal(parse("conn", "B"), "B");
  assert.deepEqual(parse("ipport", "127.0.0.1:40000"), { ip: "127.0.0.1", port: 40000 });
  assert.deepEqual(parse("ipport", ":40000"), { ip: "", port: 40000 });
  assert.deepEqual(parse("ipports", "127.0.0.1:1,127.0.0.1:2"), ["127.0.0.1:1", "127.0.0.1:2"]);
  assert.deepEqual(parse("dbs", "db0, db1"), ["db0", "db1"]);
  assert.deepEqual(parse("infoField", "master_link_status:up"), ["master_link_status", "up"]);
  assert.equal(parse("duration", "20 s"), 20);
  assert.equal(parse("duration", "2.5 s"), 2.5);
});

test("each parameter type refuses the misspellings a feature could carry", () => {
  for (const [name, text] of [
    ["msgType", "MetaSnyc"],
    ["msgType", "metasync"],
    ["status", "kOK"],
    ["trySyncOutcome", "kSyncPointLager"],
    ["proxyCut", "cuts the replication connection with FINN"],
    ["slaveList", "1 connected slaves"],
    ["metaSyncCount", "a MetaSync"],
    ["noMetaSync", "no further TrySync"],
    ["replyCheck", "has the reply text Slave AlreadyExist"],
    ["connAction", "closes the connection"],
    ["masterAction", "refuses connection on P"],
    ["conn", "a"],
    ["ipport", "127.0.0.1:forty"],
    ["db", "db"],
    ["duration", "20 sec"],
    ["duration", "20s"],
  ])
    assert.equal(parse(name as string, text as string), undefined, `${name} accepted "${text}"`);
});

test("what a probe slave sends: every phrase of the vocabulary, and its misspellings refused", () => {
  assert.deepEqual(parse("request", "MetaSync"), { kind: "metaSync" });
  assert.deepEqual(parse("request", 'MetaSync with auth "s3cret"'), { kind: "metaSync", auth: "s3cret" });
  assert.deepEqual(parse("request", 'MetaSync with auth ""'), { kind: "metaSync", auth: "" });
  assert.deepEqual(parse("request", "MetaSync without auth"), { kind: "metaSync", auth: null });
  assert.deepEqual(parse("request", "MetaSync as :40000"), { kind: "metaSync", as: { ip: "", port: 40000 } });
  assert.deepEqual(parse("request", "a MetaSync without a node"), { kind: "metaSyncWithoutNode" });
  assert.deepEqual(parse("request", "TrySync for db0"), { kind: "trySync", db: "db0" });
  assert.deepEqual(parse("request", "TrySync for db1 at offset 3:4096"), {
    kind: "trySync",
    db: "db1",
    offset: { filenum: 3, offset: 4096 },
  });
  assert.deepEqual(parse("request", "DBSync for db0"), { kind: "dbSync", db: "db0" });
  assert.deepEqual(parse("request", "RemoveSlaveNode for db7"), { kind: "removeSlaveNode", db: "db7" });
  assert.deepEqual(parse("request", "a type-only kDBSync request"), {
    kind: "typeOnly",
    type: MsgType.kDBSync,
  });
  assert.deepEqual(parse("request", "a frame with a malformed body"), { kind: "malformedBody" });
  assert.deepEqual(parse("request", "a frame header with length 0"), { kind: "header", length: 0 });
  assert.deepEqual(parse("request", "a request of type 99"), { kind: "unknownType", type: 99 });
  for (const typo of [
    "MetaSnyc",
    "TrySync for db",
    "a type-only kMetaSnyc request",
    "MetaSync with auth s3cret",
    "",
  ])
    assert.equal(parse("request", typo), undefined, `request accepted "${typo}"`);
});

test("the smaller vocabularies: node settings, SLAVEOF targets, announced auth, answers, bounds", () => {
  assert.deepEqual(parse("nodeOptions", 'requirepass "s3cret"'), { requirepass: "s3cret" });
  assert.deepEqual(parse("nodeOptions", 'masterauth "s3cret"'), { masterauth: "s3cret" });
  assert.deepEqual(parse("nodeOptions", "2 databases"), { databases: 2 });
  assert.deepEqual(parse("nodeOptions", "2 databases and db-instance-num 5"), {
    databases: 2,
    dbInstanceNum: 5,
  });
  assert.deepEqual(parse("nodeOptions", "3 databases and an empty replication-id"), {
    databases: 3,
    replicationId: "",
  });
  assert.equal(parse("slaveofTarget", "the probe master with force"), "probe master with force");
  assert.equal(parse("slaveofTarget", "NO ONE"), "no one");
  assert.equal(parse("slaveofTarget", "its own address"), "itself");
  assert.equal(parse("announcedAuth", "without auth"), undefined);
  assert.equal(parse("announcedAuth", 'with auth "s3cret"'), "s3cret");
  assert.equal(parse("metaSyncReply", "second MetaSync reply"), 2);
  assert.equal(parse("metaSyncReply", "MetaSync reply"), 1);
  assert.equal(parse("bound", "exactly"), "exactly");
  assert.equal(parse("syncType", "DBSync"), MsgType.kDBSync);
  const answer = (text: string) => (parse("metaSyncAnswer", text) as PlanOf)(() => "new-id");
  assert.deepEqual(answer("kError"), { first: [], after: { kind: "error" } });
  assert.deepEqual(answer("kOther 2 times, then kOk"), { first: [{ kind: "other" }, { kind: "other" }] });
  assert.deepEqual(answer("kOk and another replication_id"), {
    first: [],
    after: { kind: "ok", replicationId: "new-id" },
  });
  assert.deepEqual(answer("an undecodable frame, then kOk"), { first: [{ kind: "garbage" }] });
  assert.deepEqual(answer("kOk listing db1 with db_instance_num 3"), {
    first: [],
    after: { kind: "ok", dbs: [{ dbName: "db1", slotNum: 1, dbInstanceNum: 3 }] },
  });
  for (const [name, typo] of [
    ["nodeOptions", "requirepass s3cret"],
    ["nodeOptions", "2 database"],
    ["slaveofTarget", "the probe-master"],
    ["announcedAuth", "with auth s3cret"],
    ["metaSyncAnswer", "kOther 2 times"],
    ["metaSyncAnswer", "KOk and an empty replication_id"],
    ["bound", "at least"],
    ["syncType", "BinlogSync"],
  ] as const)
    assert.equal(parse(name, typo), undefined, `${name} accepted "${typo}"`);
});

test("Vocabulary: its regexp captures nothing, and text that is no phrase is refused by name", () => {
  const v = new Vocabulary<string>("a colour", [
    [/red (\d+)/, ([n]) => `r${n}`],
    [/(blue|green)/, ([c]) => c ?? ""],
  ]);
  assert.equal(new RegExp(`^(?:${v.regexp.source})$`).exec("red 7")?.length, 1, "no capture groups");
  assert.equal(v.parse("red 7"), "r7");
  assert.equal(v.parse("green"), "green");
  assert.throws(() => v.parse("red"), /"red" is not a colour/);
});
