/**
 * Frame codec (harness/wire/frame.ts): byte-exact round trips against the worked frames of
 * pika-protocol.md §1.5, decoding at every split point, the length limits, and properties over
 * random input.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameDecoder,
  FrameError,
  type InnerRequest,
  type InnerResponse,
  MsgType,
  PIKA_MAX_BODY,
  rawFrame,
  req,
  res,
  StatusCode,
  TrySyncReply,
} from "../harness/wire";

/** Bytes from a hex fixture; whitespace between the bytes is ignored. */
const hex = (...parts: string[]): Buffer => Buffer.from(parts.join("").replace(/\s+/g, ""), "hex");
const ascii = (s: string): string => Buffer.from(s).toString("hex");

const NODE = { ip: "127.0.0.1", port: 9222 };
const RUN_ID = "a".repeat(40);
const REPL_ID = "0123456789".repeat(5);

/** Node{ip="127.0.0.1", port=9222}, the `<node>` of §1.5. */
const NODE_BYTES = [
  "0a 09", //                            ip: field 1, length-delimited, 9 bytes
  "31 32 37 2e 30 2e 30 2e 31", //       "127.0.0.1"
  "10 86 48", //                         port: field 2, varint 9222
].join("");
/** Slot{db_name="db0", slot_id=0}. */
const SLOT_DB0 = [
  "0a 03 64 62 30", //                   db_name: field 1, "db0"
  "10 00", //                            slot_id: field 2, 0
].join("");
/** BinlogOffset{filenum=0, offset=0}. */
const OFFSET_00 = "08 00 10 00"; //     filenum: field 1 = 0; offset: field 2 = 0
/** BinlogOffset{filenum=0, offset=0, term=0, index=0}. */
const OFFSET_0000 = "08 00 10 00 18 00 20 00"; // filenum, offset, term (3), index (4), all 0

interface Fixture {
  name: string;
  wire: Buffer;
  request?: InnerRequest;
  response?: InnerResponse;
}

/** Every worked frame of pika-protocol.md §1.5. */
const FIXTURES: Fixture[] = [
  {
    name: "MetaSync request, no auth",
    request: req.metaSync(NODE),
    wire: hex(
      "00 00 00 14", //                  length 20
      "08 01", //                        type: field 1 = kMetaSync
      "12 10", //                        meta_sync: field 2, 16 bytes
      "0a 0e", //                          node: field 1, 14 bytes
      NODE_BYTES,
    ),
  },
  {
    name: "MetaSync request, auth",
    request: req.metaSync(NODE, "secret"),
    wire: hex(
      "00 00 00 1c", //                  length 28
      "08 01", //                        type = kMetaSync
      "12 18", //                        meta_sync, 24 bytes
      "0a 0e",
      NODE_BYTES, //                       node
      "12 06",
      ascii("secret"), //                  auth: field 2, "secret"
    ),
  },
  {
    name: "MetaSync response kOther",
    response: res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist"),
    wire: hex(
      "00 00 00 18", //                  length 24
      "08 01", //                        type = kMetaSync
      "10 03", //                        code: field 2 = kOther
      "1a 12",
      ascii("Slave AlreadyExist"), //    reply: field 3, 18 bytes
    ),
  },
  {
    name: "MetaSync response kError (auth)",
    response: res.status(MsgType.kMetaSync, StatusCode.kError, "Auth with master error, Invalid masterauth"),
    wire: hex(
      "00 00 00 30", //                  length 48
      "08 01", //                        type = kMetaSync
      "10 02", //                        code = kError
      "1a 2a",
      ascii("Auth with master error, Invalid masterauth"), // reply, 42 bytes
    ),
  },
  {
    name: "MetaSync response kOk, 1 DB, db-instance-num 3",
    response: res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], RUN_ID, REPL_ID),
    wire: hex(
      "00 00 00 71", //                  length 113
      "08 01", //                        type = kMetaSync
      "10 01", //                        code = kOk
      "22 6b", //                        meta_sync: field 4, 107 bytes
      "08 01", //                          classic_mode: field 1 = true
      "12 09", //                          dbs_info: field 2, 9 bytes
      "0a 03 64 62 30", //                   db_name "db0"
      "10 01", //                            slot_num = 1
      "18 03", //                            db_instance_num = 3
      "1a 28",
      ascii(RUN_ID), //                    run_id: field 3, 40 x "a"
      "22 32",
      ascii(REPL_ID), //                   replication_id: field 4, 50 hex characters
    ),
  },
  {
    name: "TrySync request, offset (0,0)",
    request: req.trySync(NODE, "db0"),
    wire: hex(
      "00 00 00 23", //                  length 35
      "08 02", //                        type = kTrySync
      "1a 1f", //                        try_sync: field 3, 31 bytes
      "0a 0e",
      NODE_BYTES, //                       node
      "12 07",
      SLOT_DB0, //                         slot: field 2
      "1a 04",
      OFFSET_00, //                        binlog_offset: field 3
    ),
  },
  {
    name: "TrySync response kOk, session 0, master offset (0,0)",
    response: res.trySync("db0", TrySyncReply.kOk, { filenum: 0, offset: 0 }, 0),
    wire: hex(
      "00 00 00 19", //                  length 25
      "08 02", //                        type = kTrySync
      "10 01", //                        code = kOk
      "32 13", //                        try_sync: field 6, 19 bytes
      "08 01", //                          reply_code: field 1 = kOk
      "12 07",
      SLOT_DB0, //                         slot
      "1a 04",
      OFFSET_00, //                        binlog_offset
      "20 00", //                          session_id: field 4 = 0
    ),
  },
  {
    name: "BinlogSync request, first_send=true",
    request: req.binlogSync(NODE, "db0", 0, true),
    wire: hex(
      "00 00 00 33", //                  length 51
      "08 04", //                        type = kBinlogSync
      "2a 2f", //                        binlog_sync: field 5, 47 bytes
      "0a 0e",
      NODE_BYTES, //                       node
      "12 03 64 62 30", //                 db_name: field 2, "db0"
      "18 00", //                          slot_id: field 3 = 0
      "22 08",
      OFFSET_0000, //                      ack_range_start: field 4
      "2a 08",
      OFFSET_0000, //                      ack_range_end: field 5
      "30 00", //                          session_id: field 6 = 0
      "38 01", //                          first_send: field 7 = true
    ),
  },
  {
    name: "BinlogSync request, ping ack (first_send=false)",
    request: req.binlogSync(NODE, "db0", 0, false),
    wire: hex(
      "00 00 00 33 08 04 2a 2f 0a 0e",
      NODE_BYTES,
      "12 03 64 62 30 18 00 22 08",
      OFFSET_0000,
      "2a 08",
      OFFSET_0000,
      "30 00",
      "38 00", //                          first_send = false: the only byte that differs
    ),
  },
  {
    name: "keepalive BinlogSync response",
    response: res.ping("db0", 0),
    wire: hex(
      "00 00 00 1d", //                  length 29
      "08 04", //                        type = kBinlogSync
      "10 01", //                        code = kOk
      "3a 17", //                        binlog_sync[0]: field 7, 23 bytes
      "0a 07",
      SLOT_DB0, //                         slot
      "12 08",
      OFFSET_0000, //                      binlog_offset (all four fields)
      "1a 00", //                          binlog: field 3, empty
      "20 00", //                          session_id = 0
    ),
  },
  {
    name: "DBSync request",
    request: req.dbSync(NODE, "db0"),
    wire: hex(
      "00 00 00 23", //                  length 35
      "08 03", //                        type = kDBSync
      "22 1f", //                        db_sync: field 4, 31 bytes
      "0a 0e",
      NODE_BYTES,
      "12 07",
      SLOT_DB0,
      "1a 04",
      OFFSET_00,
    ),
  },
  {
    name: "RemoveSlaveNode request",
    request: req.removeSlaveNode(NODE, "db0"),
    wire: hex(
      "00 00 00 1d", //                  length 29
      "08 06", //                        type = kRemoveSlaveNode
      "32 19", //                        remove_slave_node[0]: field 6, 25 bytes
      "0a 0e",
      NODE_BYTES, //                       node
      "12 07",
      SLOT_DB0, //                         slot
    ),
  },
  {
    name: "type-only kMetaSync",
    request: req.typeOnly(MsgType.kMetaSync),
    wire: hex("00 00 00 02", "08 01"), // length 2; type = kMetaSync, no sub-message
  },
  {
    name: "type-only kHeatBeat",
    request: req.typeOnly(MsgType.kHeatBeat),
    wire: hex("00 00 00 02", "08 05"), // length 2; type = kHeatBeat
  },
];

/** The whole stream of §1.5, one frame after another. */
const STREAM = Buffer.concat(FIXTURES.map((f) => f.wire));
const BODIES = FIXTURES.map((f) => f.wire.subarray(4));

/** The bytes of the fixture at `index`, failing clearly when there is none. */
function fixtureWire(index: number): Buffer {
  const f = FIXTURES[index];
  assert.ok(f, `fixture ${index} exists`);
  return f.wire;
}

interface Decoded {
  frames: Buffer[];
  error?: FrameError;
}

/**
 * Feeds chunks to one decoder and collects every frame it hands over, including those a
 * FrameError carries; stops at the first error. Anything else thrown propagates.
 */
function decodeChunks(chunks: Uint8Array[], maxBody?: number): Decoded {
  const d = new FrameDecoder(maxBody);
  const frames: Buffer[] = [];
  for (const c of chunks) {
    try {
      frames.push(...d.push(c));
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      frames.push(...err.frames);
      return { frames, error: err };
    }
  }
  return { frames };
}

/** Splits `data` at the given cut positions (taken modulo length + 1, sorted, duplicates allowed). */
function splitAt(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    out.push(data.subarray(from, p));
    from = p;
  }
  out.push(data.subarray(from));
  return out;
}

const hexOf = (bufs: Uint8Array[]) => bufs.map((b) => Buffer.from(b).toString("hex"));

/** The first (and only) error a push of `chunk` throws. */
function pushError(d: FrameDecoder, chunk: Uint8Array): FrameError {
  try {
    d.push(chunk);
  } catch (err) {
    assert.ok(err instanceof FrameError, `expected a FrameError, got ${String(err)}`);
    return err;
  }
  assert.fail("push did not throw");
}

describe("worked frames of pika-protocol.md §1.5", () => {
  for (const f of FIXTURES) {
    test(`${f.name}: encode is byte-exact`, () => {
      let body: Buffer;
      if (f.request) body = encodeRequest(f.request);
      else {
        assert.ok(f.response, `${f.name} holds a request or a response`);
        body = encodeResponse(f.response);
      }
      assert.equal(encodeFrame(body).toString("hex"), f.wire.toString("hex"));
    });

    test(`${f.name}: decode gives every field back`, () => {
      const { frames, error } = decodeChunks([f.wire]);
      assert.equal(error, undefined);
      assert.equal(frames.length, 1);
      const [frame] = frames;
      assert.ok(frame, "one frame decoded");
      assert.equal(frame.length, f.wire.readUInt32BE(0));
      if (f.request) assert.deepEqual(decodeRequest(frame), f.request);
      else assert.deepEqual(decodeResponse(frame), f.response);
    });
  }

  test("the fixtures agree with the lengths in their own headers", () => {
    for (const f of FIXTURES) assert.equal(f.wire.readUInt32BE(0), f.wire.length - 4, f.name);
  });

  test("decoded fields of the kOk MetaSync response, one by one", () => {
    const f = FIXTURES.find((x) => x.name.startsWith("MetaSync response kOk"));
    assert.ok(f, "a fixture for the kOk MetaSync response");
    const m = decodeResponse(f.wire.subarray(4));
    assert.equal(m.type, MsgType.kMetaSync);
    assert.equal(m.code, StatusCode.kOk);
    assert.equal(m.metaSync?.classicMode, true);
    assert.deepEqual(m.metaSync?.dbsInfo, [{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }]);
    assert.equal(m.metaSync?.runId, RUN_ID);
    assert.equal(m.metaSync?.replicationId, REPL_ID);
  });

  test("decoded fields of the MetaSync request with auth, one by one", () => {
    const f = FIXTURES.find((x) => x.name === "MetaSync request, auth");
    assert.ok(f, "a fixture for the MetaSync request with auth");
    const m = decodeRequest(f.wire.subarray(4));
    assert.equal(m.type, MsgType.kMetaSync);
    assert.equal(m.metaSync?.node.ip, "127.0.0.1");
    assert.equal(m.metaSync?.node.port, 9222);
    assert.equal(m.metaSync?.auth, "secret");
  });
});

describe("FrameDecoder: split points", () => {
  test("the whole stream in one chunk gives every frame, in order", () => {
    assert.deepEqual(hexOf(decodeChunks([STREAM]).frames), hexOf(BODIES));
  });

  test("split into two chunks at every byte boundary", () => {
    for (let i = 0; i <= STREAM.length; i++) {
      const { frames, error } = decodeChunks([STREAM.subarray(0, i), STREAM.subarray(i)]);
      assert.equal(error, undefined, `split at ${i}`);
      assert.deepEqual(hexOf(frames), hexOf(BODIES), `split at ${i}`);
    }
  });

  test("split into three chunks at every pair of byte boundaries (first four frames)", () => {
    const part = Buffer.concat(FIXTURES.slice(0, 4).map((f) => f.wire));
    const want = hexOf(BODIES.slice(0, 4));
    for (let i = 0; i <= part.length; i++)
      for (let j = i; j <= part.length; j++)
        assert.deepEqual(hexOf(decodeChunks(splitAt(part, [i, j])).frames), want, `split at ${i}, ${j}`);
  });

  test("one byte at a time", () => {
    const d = new FrameDecoder();
    const frames: Buffer[] = [];
    let ends = 0;
    for (let i = 0; i < STREAM.length; i++) {
      const got = d.push(STREAM.subarray(i, i + 1));
      frames.push(...got);
      if (got.length > 0) ends++;
      assert.equal(d.pending, i + 1 - frames.reduce((n, f) => n + 4 + f.length, 0));
    }
    assert.equal(ends, FIXTURES.length, "each frame is handed over by the push of its last byte");
    assert.deepEqual(hexOf(frames), hexOf(BODIES));
    assert.equal(d.pending, 0);
  });

  test("empty chunks change nothing", () => {
    const d = new FrameDecoder();
    assert.deepEqual(d.push(Buffer.alloc(0)), []);
    const first = fixtureWire(0);
    assert.deepEqual(d.push(first.subarray(0, 3)), []);
    assert.deepEqual(d.push(new Uint8Array(0)), []);
    assert.deepEqual(hexOf(d.push(first.subarray(3))), [first.subarray(4).toString("hex")]);
    assert.equal(d.pending, 0);
  });

  test("a chunk that ends one frame and starts the next keeps the rest pending", () => {
    const d = new FrameDecoder();
    const a = fixtureWire(0);
    const b = fixtureWire(1);
    const frames = d.push(Buffer.concat([a, b.subarray(0, 6)]));
    assert.deepEqual(hexOf(frames), [a.subarray(4).toString("hex")]);
    assert.equal(d.pending, 6);
    assert.deepEqual(hexOf(d.push(b.subarray(6))), [b.subarray(4).toString("hex")]);
  });

  test("a Uint8Array view into a larger buffer is read from its own offset", () => {
    const backing = Buffer.concat([Buffer.from("ffffffff", "hex"), STREAM, Buffer.from("ffff", "hex")]);
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, STREAM.length);
    assert.deepEqual(hexOf(decodeChunks([view]).frames), hexOf(BODIES));
  });
});

describe("FrameDecoder: length limits", () => {
  test("length 0 is refused as zero-length, with its header and the data after it", () => {
    const e = pushError(new FrameDecoder(), hex("00 00 00 00", "08 01 12"));
    assert.equal(e.kind, "zero-length");
    assert.equal(e.length, 0);
    assert.equal(e.header.toString("hex"), "00000000");
    assert.equal(e.hexPrefix, "080112");
    assert.match(e.message, /zero-length/);
    assert.match(e.message, /00000000/);
  });

  test("length 1 is a frame of one byte", () => {
    assert.deepEqual(hexOf(decodeChunks([hex("00 00 00 01 7f")]).frames), ["7f"]);
  });

  test("a length equal to the limit is accepted; one more is refused as over-limit", () => {
    const limit = 64;
    const body = Buffer.alloc(limit, 0xab);
    assert.deepEqual(hexOf(decodeChunks([encodeFrame(body)], limit).frames), [body.toString("hex")]);
    const e = pushError(new FrameDecoder(limit), encodeFrame(Buffer.alloc(limit + 1)));
    assert.equal(e.kind, "over-limit");
    assert.equal(e.length, limit + 1);
    assert.equal(e.limit, limit);
    assert.equal(e.header.toString("hex"), "00000041");
  });

  test("the default limit is Pika's: 536870907 accepted, 536870908 refused", () => {
    assert.equal(PIKA_MAX_BODY, 536_870_907);
    const d = new FrameDecoder();
    assert.equal(d.maxBody, PIKA_MAX_BODY);
    assert.deepEqual(d.push(rawFrame(536_870_907, Buffer.alloc(10))), []);
    const e = pushError(new FrameDecoder(), rawFrame(536_870_908, hex("08 01 12 10")));
    assert.equal(e.kind, "over-limit");
    assert.equal(e.length, 536_870_908);
    assert.equal(e.limit, PIKA_MAX_BODY);
    assert.equal(e.header.toString("hex"), "1ffffffc");
    assert.equal(e.hexPrefix, "08011210");
    assert.match(e.message, /536870908/);
    assert.match(e.message, /1ffffffc/);
    assert.match(e.message, /08011210/);
  });

  test("0xFFFFFFFF is refused as over-limit", () => {
    const e = pushError(new FrameDecoder(), hex("ff ff ff ff"));
    assert.equal(e.kind, "over-limit");
    assert.equal(e.length, 0xffffffff);
    assert.equal(e.header.toString("hex"), "ffffffff");
    assert.equal(e.hexPrefix, "");
  });

  test("the hex prefix is at most 16 bytes of what follows the header", () => {
    const after = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
    const e = pushError(new FrameDecoder(), Buffer.concat([hex("00 00 00 00"), after]));
    assert.equal(e.hexPrefix, after.subarray(0, 16).toString("hex"));
  });

  test("a refused header is reported as soon as its fourth byte arrives", () => {
    const d = new FrameDecoder();
    for (const b of [0x1f, 0xff, 0xff]) assert.deepEqual(d.push(Buffer.from([b])), []);
    const e = pushError(d, Buffer.from([0xfc]));
    assert.equal(e.length, 536_870_908);
    assert.equal(e.header.toString("hex"), "1ffffffc");
  });

  test("an accepted huge length just waits for its body, allocating nothing", () => {
    const before = process.memoryUsage().arrayBuffers;
    const d = new FrameDecoder();
    const frames = d.push(rawFrame(0x1ffffffb, Buffer.alloc(10, 1)));
    assert.deepEqual(frames, []);
    assert.equal(d.pending, 14);
    assert.deepEqual(d.push(Buffer.alloc(100, 2)), []);
    assert.equal(d.pending, 114);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  });

  test("a refused length allocates nothing", () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const n of [536_870_908, 0xfffffffc, 0xffffffff]) pushError(new FrameDecoder(), rawFrame(n));
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 16 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  });

  test("after an error the decoder stays failed, whatever comes next", () => {
    const d = new FrameDecoder();
    const first = pushError(d, hex("00 00 00 00"));
    const again = pushError(d, fixtureWire(0));
    assert.equal(again, first);
    assert.equal(pushError(d, Buffer.alloc(0)), first);
  });

  test("frames ahead of a refused header in the same chunk are handed over with the error", () => {
    const a = fixtureWire(0);
    const b = fixtureWire(2);
    const { frames, error } = decodeChunks([Buffer.concat([a, b, hex("00 00 00 00 08 01")])]);
    assert.equal(error?.kind, "zero-length");
    assert.equal(error?.hexPrefix, "0801");
    assert.deepEqual(hexOf(frames), [a.subarray(4).toString("hex"), b.subarray(4).toString("hex")]);
    // A later push rethrows the error without handing the same frames over twice.
    const d = new FrameDecoder();
    const e = pushError(d, Buffer.concat([a, hex("ff ff ff ff")]));
    assert.equal(e.frames.length, 1);
    assert.equal(pushError(d, a).frames.length, 0);
  });
});

describe("FrameDecoder: properties", () => {
  const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 12 });
  /** Garbage that still looks like frames now and then: small headers, whole frames, noise. */
  const noisy = fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 12 }),
        fc.nat({ max: 48 }).map((n) => rawFrame(n)),
        fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => encodeFrame(b)),
        fc.constantFrom(rawFrame(0), rawFrame(0xffffffff), rawFrame(536_870_908), fixtureWire(0)),
      ),
      { maxLength: 10 },
    )
    .map((parts) => Buffer.concat(parts));

  test("random bytes in random chunks: only FrameError, and the same result for every split", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 200 }), noisy),
        cuts,
        fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 40 })),
        (data, at, limit) => {
          const whole = decodeChunks([data], limit);
          const split = decodeChunks(splitAt(data, at), limit);
          assert.deepEqual(hexOf(split.frames), hexOf(whole.frames));
          assert.equal(split.error?.kind, whole.error?.kind);
          assert.equal(split.error?.length, whole.error?.length);
          const used = whole.frames.reduce((n, f) => n + 4 + f.length, 0);
          assert.ok(used <= data.length);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("frames of random bodies, cut anywhere, give back exactly those bodies", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 8 }),
        cuts,
        (bodies, at) => {
          const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
          const { frames, error } = decodeChunks(splitAt(stream, at));
          assert.equal(error, undefined);
          assert.deepEqual(hexOf(frames), hexOf(bodies));
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("valid frames followed by garbage: the valid frames always come out first", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        fc.uint8Array({ minLength: 4, maxLength: 30 }),
        cuts,
        (bodies, garbage, at) => {
          const stream = Buffer.concat([...bodies.map((b) => encodeFrame(b)), garbage]);
          const { frames } = decodeChunks(splitAt(stream, at), 40);
          assert.deepEqual(hexOf(frames.slice(0, bodies.length)), hexOf(bodies));
        },
      ),
      { numRuns: 500 },
    );
  });
});
