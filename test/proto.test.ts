/**
 * Schema checks (harness/wire/proto.ts) and builders, summaries and ping detection
 * (harness/wire/messages.ts). Pika rejects a body with a missing required field or an enum
 * value its proto2 schema lacks; protobufjs alone lets both through, so the kit checks them.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type InnerRequest,
  type InnerResponse,
  isPing,
  MessageError,
  MsgType,
  rawTypeBody,
  req,
  res,
  StatusCode,
  summarize,
  TrySyncReply,
} from "../harness/wire";

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join("").replace(/\s+/g, ""), "hex");
const NODE = { ip: "127.0.0.1", port: 9222 };
const NODE_BYTES = "0a 09 31 32 37 2e 30 2e 30 2e 31 10 86 48"; // Node{ip, port=9222}
const SLOT_DB0 = "0a 03 64 62 30 10 00"; //                         Slot{db_name="db0", slot_id=0}
const RUN_ID = "b".repeat(40);

/** Runs `f`, which must throw a MessageError; returns it. */
function messageError(f: () => unknown): MessageError {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof MessageError, `expected a MessageError, got ${String(err)}`);
    return err;
  }
  assert.fail("no MessageError thrown");
}

describe("decode: required fields and enums", () => {
  test("a request of type 0 is refused", () => {
    assert.match(messageError(() => decodeRequest(hex("08 00"))).message, /InnerRequest/);
  });

  test("a request of type 7 is refused", () => {
    assert.match(messageError(() => decodeRequest(hex("08 07"))).message, /InnerRequest/);
  });

  test("a request of every defined type, type only, is accepted", () => {
    for (const t of [1, 2, 3, 4, 5, 6]) assert.deepEqual(decodeRequest(rawTypeBody(t)), { type: t });
  });

  test("a response with code 4 is refused", () => {
    assert.match(messageError(() => decodeResponse(hex("08 01", "10 04"))).message, /InnerResponse/);
  });

  test("a response with code 0 is refused, codes 1 to 3 are accepted", () => {
    messageError(() => decodeResponse(hex("08 01", "10 00")));
    for (const c of [1, 2, 3])
      assert.deepEqual(decodeResponse(hex("08 01", `10 0${c}`)), { type: 1, code: c });
  });

  test("a TrySync response with reply_code 5 is refused; 4 is accepted", () => {
    const body = (replyCode: number) =>
      hex(
        "08 02", //                  type = kTrySync
        "10 01", //                  code = kOk
        "32 0b", //                  try_sync, 11 bytes
        `08 0${replyCode}`, //         reply_code
        "12 07",
        SLOT_DB0, //                   slot
      );
    const e = messageError(() => decodeResponse(body(5)));
    assert.match(e.message, /reply_?code/i);
    assert.equal(decodeResponse(body(4)).trySync?.replyCode, TrySyncReply.kError);
  });

  test("a MetaSync request whose meta_sync lacks the required node is refused", () => {
    const e = messageError(() => decodeRequest(hex("08 01", "12 00")));
    assert.match(e.message, /node/);
  });

  test("a node without its required port is refused", () => {
    messageError(() => decodeRequest(hex("08 01", "12 0d", "0a 0b", "0a 09 31 32 37 2e 30 2e 30 2e 31")));
  });

  test("a request without its type is refused", () => {
    assert.match(messageError(() => decodeRequest(hex("12 10 0a 0e", NODE_BYTES))).message, /type/);
  });

  test("a response without its code is refused", () => {
    assert.match(messageError(() => decodeResponse(hex("08 01"))).message, /code/);
  });

  test("a kOk MetaSync response without run_id is refused", () => {
    // classic_mode and one dbs_info entry, but no run_id (field 3 is required).
    const e = messageError(() =>
      decodeResponse(hex("08 01 10 01", "22 0d", "08 01", "12 09 0a 03 64 62 30 10 01 18 03")),
    );
    assert.match(e.message, /run_?id/i);
  });

  test("garbage bytes are refused and the error carries the body", () => {
    for (const g of [hex("ff ff ff ff"), hex("08"), hex("08 01 12 7f 0a"), hex("0f 0f 0f")]) {
      const e = messageError(() => decodeRequest(g));
      assert.ok(e.body, "the error carries the body");
      assert.deepEqual(Buffer.from(e.body), g);
    }
  });

  test("an empty body has no type and is refused", () => {
    messageError(() => decodeRequest(Buffer.alloc(0)));
    messageError(() => decodeResponse(Buffer.alloc(0)));
  });

  test("unknown fields are skipped, as protobuf requires", () => {
    // type = kMetaSync, then field 15 (varint 1), which the schema does not define.
    assert.deepEqual(decodeRequest(hex("08 01", "78 01")), { type: MsgType.kMetaSync });
  });
});

describe("encode: hand-built messages", () => {
  const noPort = {
    type: MsgType.kMetaSync,
    metaSync: { node: { ip: "127.0.0.1" } },
  } as unknown as InnerRequest;
  const noNode = { type: MsgType.kMetaSync, metaSync: {} } as unknown as InnerRequest;
  const noCode = { type: MsgType.kMetaSync } as unknown as InnerResponse;
  const noRunId = {
    type: MsgType.kMetaSync,
    code: StatusCode.kOk,
    metaSync: { classicMode: true, dbsInfo: [] },
  } as unknown as InnerResponse;

  test("a missing required field is refused when checked", () => {
    assert.match(messageError(() => encodeRequest(noPort)).message, /metaSync\.node\.port/);
    assert.match(messageError(() => encodeRequest(noNode)).message, /metaSync\.node/);
    assert.match(messageError(() => encodeResponse(noCode)).message, /code/);
    assert.match(messageError(() => encodeResponse(noRunId)).message, /runId/);
  });

  test("an enum value the schema lacks is refused when checked", () => {
    messageError(() => encodeRequest({ type: 7 as MsgType }));
    messageError(() => encodeRequest({ type: 0 as MsgType }));
    messageError(() => encodeResponse({ type: MsgType.kMetaSync, code: 4 as StatusCode }));
    messageError(() => encodeResponse(res.trySync("db0", 5 as TrySyncReply)));
  });

  test("checked=false encodes a message without its required fields, and leaves them out", () => {
    const a = encodeRequest(noPort, false);
    assert.equal(
      a.toString("hex"),
      hex("08 01 12 0d 0a 0b 0a 09 31 32 37 2e 30 2e 30 2e 31").toString("hex"),
    );
    assert.match(messageError(() => decodeRequest(a)).message, /port/);
    const b = encodeRequest(noNode, false);
    assert.equal(b.toString("hex"), "08011200");
    assert.match(messageError(() => decodeRequest(b)).message, /node/);
    assert.equal(encodeResponse(noCode, false).toString("hex"), "0801");
    assert.match(messageError(() => decodeResponse(encodeResponse(noRunId, false))).message, /run_?id/i);
  });

  test("checked=false writes an enum value the schema lacks as it is", () => {
    assert.equal(encodeRequest({ type: 7 as MsgType }, false).toString("hex"), "0807");
    assert.equal(
      encodeResponse({ type: MsgType.kMetaSync, code: 4 as StatusCode }, false).toString("hex"),
      "08011004",
    );
    messageError(() => decodeRequest(encodeRequest({ type: 7 as MsgType }, false)));
  });

  test("checked=false encodes a complete message to the same bytes as checked", () => {
    const all: (InnerRequest | InnerResponse)[] = [...requests(), ...responses()];
    for (const m of all) {
      const enc =
        "code" in m
          ? encodeResponse
          : (x: InnerRequest | InnerResponse, c?: boolean) => encodeRequest(x as InnerRequest, c);
      assert.equal(enc(m as never, false).toString("hex"), enc(m as never).toString("hex"), summarize(m));
    }
  });
});

/** One of each request, with values off the beaten path (large offsets, several entries). */
function requests(): InnerRequest[] {
  const big = { filenum: 4_000_000_000, offset: 2 ** 40 + 3 };
  return [
    req.metaSync(NODE),
    req.metaSync(NODE, "s3cret"),
    req.metaSync({ ip: "", port: 0 }, ""),
    req.trySync(NODE, "db7", big),
    req.dbSync(NODE, "db1", { filenum: 1, offset: 2 }),
    req.binlogSync(NODE, "db0", 12, false, { filenum: 1, offset: 100, term: 2, index: 3 }, big),
    req.removeSlaveNode(NODE, "db2"),
    {
      type: MsgType.kRemoveSlaveNode,
      removeSlaveNode: [
        ...(req.removeSlaveNode(NODE, "db0").removeSlaveNode ?? []),
        ...(req.removeSlaveNode({ ip: "10.0.0.1", port: 1 }, "db1").removeSlaveNode ?? []),
      ],
    },
    req.typeOnly(MsgType.kHeatBeat),
  ];
}

function responses(): InnerResponse[] {
  return [
    res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], RUN_ID, "c".repeat(50)),
    res.metaSyncOk(
      [
        { dbName: "db0", slotNum: 1, dbInstanceNum: 1 },
        { dbName: "db1", slotNum: 1, dbInstanceNum: 1 },
      ],
      RUN_ID,
      undefined,
      false,
    ),
    res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist"),
    res.status(MsgType.kMetaSync, StatusCode.kError),
    res.trySync("db0", TrySyncReply.kSyncPointLarger, { filenum: 0, offset: 0 }),
    res.trySync("db9", TrySyncReply.kError, undefined, undefined, StatusCode.kError, "DB not found"),
    res.trySync("db0", TrySyncReply.kSyncPointBePurged, { filenum: 3, offset: 7 }, 5),
    res.dbSync("db0", 2),
    res.dbSync("db3", -1, StatusCode.kError),
    res.binlogSync([
      {
        slot: { dbName: "db0", slotId: 0 },
        binlogOffset: { filenum: 1, offset: 2 ** 33, term: 1, index: 9 },
        binlog: Buffer.from("0102030405", "hex"),
        sessionId: 1,
      },
    ]),
    res.ping("db1", 4),
    res.removeSlaveNode({ ip: "127.0.0.1", port: 9221 }, "db0"),
  ];
}

describe("builders round trip", () => {
  for (const m of requests())
    test(`request ${summarize(m)}`, () => assert.deepEqual(decodeRequest(encodeRequest(m)), m));
  for (const m of responses())
    test(`response ${summarize(m)}`, () => assert.deepEqual(decodeResponse(encodeResponse(m)), m));
});

describe("decode gives what the generated types say", () => {
  const chip = res.binlogSync([
    {
      slot: { dbName: "db0", slotId: 0 },
      binlogOffset: { filenum: 1, offset: 2 ** 40 + 5, term: 2, index: 2 ** 35 },
      binlog: Buffer.from("0102", "hex"),
      sessionId: 3,
    },
  ]);

  test("bytes are Buffers even from a plain Uint8Array, and 64-bit fields are numbers", () => {
    const body = encodeResponse(chip);
    for (const input of [body, new Uint8Array(body), new Uint8Array([0xee, ...body]).subarray(1)]) {
      const decoded = decodeResponse(input);
      const c = decoded.binlogSync?.[0];
      assert.ok(c && Buffer.isBuffer(c.binlog), `binlog is a Buffer from a ${input.constructor.name}`);
      assert.equal(c.binlog.toString("hex"), "0102");
      assert.equal(typeof c.binlogOffset.offset, "number");
      assert.equal(c.binlogOffset.index, 2 ** 35);
      assert.deepEqual(decoded, chip);
    }
  });

  test("a field the kit never sets (consensus_meta) is typed and decoded", () => {
    const m: InnerRequest = { type: MsgType.kTrySync, consensusMeta: { term: 3, reject: false, hint: [] } };
    assert.deepEqual(decodeRequest(encodeRequest(m)), {
      type: MsgType.kTrySync,
      consensusMeta: { term: 3, reject: false },
    });
  });
});

describe("rawTypeBody", () => {
  test("is field 1 as a varint, for any number", () => {
    assert.equal(rawTypeBody(1).toString("hex"), "0801");
    assert.equal(rawTypeBody(0).toString("hex"), "0800");
    assert.equal(rawTypeBody(7).toString("hex"), "0807");
    assert.equal(rawTypeBody(300).toString("hex"), "08ac02");
  });

  test("decodes for a defined type and is refused otherwise", () => {
    assert.deepEqual(decodeRequest(rawTypeBody(MsgType.kDBSync)), { type: MsgType.kDBSync });
    messageError(() => decodeRequest(rawTypeBody(300)));
  });
});

describe("summarize", () => {
  const SECRET = "p4ss-w0rd-never-shown";

  test("MetaSync auth is redacted: the secret never appears", () => {
    const m = req.metaSync(NODE, SECRET);
    const s = summarize(m);
    assert.ok(!s.includes(SECRET), s);
    assert.ok(!s.includes("p4ss"), s);
    assert.match(s, /auth=<redacted>/);
    assert.match(s, /127\.0\.0\.1:9222/);
    // Also after a round trip through the wire.
    assert.ok(!summarize(decodeRequest(encodeRequest(m))).includes(SECRET));
  });

  test("a MetaSync without auth says so", () => {
    assert.match(summarize(req.metaSync(NODE)), /auth=none/);
  });

  test("each request type is described", () => {
    const cases: [InnerRequest, RegExp][] = [
      [req.metaSync(NODE), /^kMetaSync node=127\.0\.0\.1:9222 auth=none$/],
      [req.typeOnly(MsgType.kMetaSync), /^kMetaSync \(no meta_sync\)$/],
      [
        req.trySync(NODE, "db0", { filenum: 1, offset: 20 }),
        /^kTrySync node=127\.0\.0\.1:9222 db0 offset=1:20$/,
      ],
      [req.dbSync(NODE, "db1"), /^kDBSync node=127\.0\.0\.1:9222 db1 offset=0:0$/],
      [req.binlogSync(NODE, "db0", 3, true), /^kBinlogSync db0 session=3 first_send=true ack=0:0\.\.0:0$/],
      [req.typeOnly(MsgType.kBinlogSync), /^kBinlogSync \(no binlog_sync\)$/],
      [req.removeSlaveNode(NODE, "db2"), /^kRemoveSlaveNode 127\.0\.0\.1:9222\/db2$/],
      [req.typeOnly(MsgType.kHeatBeat), /^kHeatBeat$/],
      [{ type: 9 as MsgType }, /^type=9$/],
    ];
    for (const [m, want] of cases) assert.match(summarize(m), want);
  });

  test("each response type is described", () => {
    const cases: [InnerResponse, RegExp][] = [
      [
        res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], RUN_ID, "r1"),
        /^kMetaSync kOk dbs=\[db0\/3\] run_id=bbbbbbbb… repl_id=r1$/,
      ],
      [
        res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist"),
        /^kMetaSync kOther "Slave AlreadyExist"$/,
      ],
      [
        res.trySync("db0", TrySyncReply.kOk, { filenum: 0, offset: 0 }, 4),
        /^kTrySync kOk db0 kOk offset=0:0 session=4$/,
      ],
      [
        res.trySync("db5", TrySyncReply.kError, undefined, undefined, StatusCode.kError, "DB not found"),
        /^kTrySync kError "DB not found" db5 kError offset=- session=-$/,
      ],
      [res.dbSync("db0", 2), /^kDBSync kOk db0 session=2$/],
      [res.ping("db0", 1), /^kBinlogSync ping db0#1$/],
      [
        res.binlogSync([
          {
            slot: { dbName: "db0", slotId: 0 },
            binlogOffset: { filenum: 2, offset: 77 },
            binlog: Buffer.from("aa", "hex"),
            sessionId: 0,
          },
        ]),
        /^kBinlogSync kOk 1 chip\(s\) up to 2:77$/,
      ],
      [res.removeSlaveNode(NODE, "db0"), /^kRemoveSlaveNode kOk$/],
      [{ type: 9 as MsgType, code: 7 as StatusCode }, /^type=9 code=7$/],
    ];
    for (const [m, want] of cases) assert.match(summarize(m), want);
  });
});

describe("isPing", () => {
  const chip = (binlog: string) => ({
    slot: { dbName: "db0", slotId: 0 },
    binlogOffset: { filenum: 0, offset: 0 },
    binlog: Buffer.from(binlog, "hex"),
    sessionId: 0,
  });

  test("a BinlogSync response whose chips are all empty is a ping", () => {
    assert.equal(isPing(res.ping("db0", 0)), true);
    assert.equal(isPing(res.binlogSync([chip(""), chip("")])), true);
    assert.equal(isPing(decodeResponse(encodeResponse(res.ping("db3", 9)))), true);
  });

  test("binlog data, no chips at all, or another type is not a ping", () => {
    assert.equal(isPing(res.binlogSync([chip("01")])), false);
    assert.equal(isPing(res.binlogSync([chip(""), chip("02")])), false);
    assert.equal(isPing(res.binlogSync([])), false);
    assert.equal(isPing(res.status(MsgType.kBinlogSync, StatusCode.kOk)), false);
    assert.equal(isPing(res.metaSyncOk([], RUN_ID)), false);
  });
});
