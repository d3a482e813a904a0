/** The step vocabulary's parameter types (steps/parameters.ts): what each accepts, and what it makes of it. */
import assert from "node:assert/strict";
import { test } from "node:test";
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
  assert.equal(parse("trySyncReply", "kSyncPointLarger"), TrySyncReply.kSyncPointLarger);
  assert.equal(parse("cut", "RST"), "rst");
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
    ["trySyncReply", "kSyncPointLager"],
    ["cut", "FINN"],
    ["conn", "a"],
    ["ipport", "127.0.0.1:forty"],
    ["db", "db"],
    ["duration", "20 sec"],
    ["duration", "20s"],
  ])
    assert.equal(parse(name as string, text as string), undefined, `${name} accepted "${text}"`);
});
