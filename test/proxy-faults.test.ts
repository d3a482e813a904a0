/**
 * The proxy's faults without sockets: the frame chain (frames in, frames and a cut out), the
 * stream shaper (bytes and a time in, timed pieces out) and the frame splitter.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { Rng } from "../harness/clock";
import {
  type ChainFrame,
  type Fault,
  FrameChain,
  FrameSplitter,
  type NamedFault,
  type ShapeState,
  type StreamFault,
  shape,
  streamMatches,
  validateFault,
} from "../harness/proxy";
import {
  decodeResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  MsgType,
  rawFrame,
  req,
  res,
  StatusCode,
} from "../harness/wire";

const node = { ip: "127.0.0.1", port: 9222 };
const metaSyncReq = encodeFrame(encodeRequest(req.metaSync(node)));
const metaSyncOk = encodeFrame(
  encodeResponse(res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], "r".repeat(40), "x")),
);
const metaSyncOther = encodeFrame(
  encodeResponse(res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist")),
);
const ping = encodeFrame(encodeResponse(res.ping("db0", 0)));

/** A frame as the proxy hands it to the chain. */
function frame(bytes: Buffer, over: Partial<ChainFrame> = {}): ChainFrame {
  const response = over.direction !== "toMaster";
  const f: ChainFrame = { conn: 1, direction: "toSlave", bytes, ...over };
  if (f.type === undefined && !("type" in over)) {
    const m = response ? decodeResponse(bytes.subarray(4)) : undefined;
    f.type = m?.type ?? MsgType.kMetaSync;
    f.code = m?.code;
  }
  return f;
}

let n = 0;
/** A chain holding these faults, named in order. */
function chain(...faults: Fault[]): FrameChain {
  const c = new FrameChain(new Rng(7));
  for (const f of faults) {
    validateFault(f);
    c.add({ ...f, name: f.name ?? `${f.kind}#${++n}` } as NamedFault<typeof f & { kind: "drop" }>);
  }
  return c;
}

/** How many copies of the frame came out, and their delays. */
const delays = (c: FrameChain, f: ChainFrame) => c.run(f).emit.map((e) => e.delayMs);

describe("frame chain", () => {
  test("with no faults every frame comes out once, unchanged, at once", () => {
    const v = chain().run(frame(metaSyncOk));
    assert.deepEqual(v.emit, [{ bytes: metaSyncOk, delayMs: 0 }]);
    assert.equal(v.cut, undefined);
    assert.deepEqual(v.notes, []);
  });

  test("drop acts on its direction, type and code only, and stops after `times`", () => {
    const c = chain({
      kind: "drop",
      direction: "toSlave",
      match: { type: MsgType.kMetaSync, code: StatusCode.kOk },
      times: 1,
    });
    assert.equal(
      c.run(frame(metaSyncReq, { direction: "toMaster", type: MsgType.kMetaSync })).emit.length,
      1,
    );
    assert.equal(c.run(frame(ping)).emit.length, 1, "another type passes");
    assert.equal(c.run(frame(metaSyncOther)).emit.length, 1, "another code passes");
    const dropped = c.run(frame(metaSyncOk));
    assert.equal(dropped.emit.length, 0);
    const [note] = dropped.notes;
    assert.ok(note, "the drop leaves a note");
    assert.match(note, /dropped/);
    assert.equal(c.run(frame(metaSyncOk)).emit.length, 1, "times: 1 is used up");
  });

  test("without `times` a fault acts on every matching frame", () => {
    const c = chain({ kind: "drop", direction: "toSlave", match: { type: MsgType.kBinlogSync } });
    for (let i = 0; i < 5; i++) assert.equal(c.run(frame(ping)).emit.length, 0);
  });

  test("skip lets the first matching frames through: skip 2, times 1 acts on the 3rd", () => {
    const c = chain({ kind: "drop", direction: "toSlave", skip: 2, times: 1 });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => c.run(frame(ping)).emit.length),
      [1, 1, 0, 1],
    );
  });

  test("match.conn picks one connection", () => {
    const c = chain({ kind: "drop", direction: "toSlave", match: { conn: 2 } });
    assert.equal(c.run(frame(ping, { conn: 1 })).emit.length, 1);
    assert.equal(c.run(frame(ping, { conn: 2 })).emit.length, 0);
  });

  test("a request never matches a response code", () => {
    const c = chain({ kind: "drop", direction: "toMaster", match: { code: StatusCode.kOk } });
    assert.equal(
      c.run(frame(metaSyncReq, { direction: "toMaster", type: MsgType.kMetaSync })).emit.length,
      1,
    );
  });

  test("an undecodable frame matches only faults that name no type or code", () => {
    const junk = encodeFrame(Buffer.from([0xff, 0xff]));
    const undecodable = frame(junk, { type: undefined, code: undefined });
    assert.equal(
      chain({ kind: "drop", direction: "toSlave", match: { type: MsgType.kMetaSync } }).run(undecodable).emit
        .length,
      1,
    );
    assert.equal(chain({ kind: "drop", direction: "toSlave" }).run(undecodable).emit.length, 0);
  });

  test("delay holds the frame; delays along the chain add up; other frames are not held", () => {
    const c = chain(
      { kind: "delay", direction: "toSlave", match: { type: MsgType.kTrySync }, ms: 25_000 },
      { kind: "delay", direction: "toSlave", ms: 100 },
    );
    const trySync = encodeFrame(encodeResponse(res.trySync("db0", 1, { filenum: 0, offset: 0 }, 0)));
    assert.deepEqual(delays(c, frame(trySync)), [25_100]);
    assert.deepEqual(delays(c, frame(ping)), [100]);
  });

  test("duplicate writes the frame 1 + copies times in a row", () => {
    assert.deepEqual(delays(chain({ kind: "duplicate", direction: "toSlave" }), frame(ping)), [0, 0]);
    const v = chain({ kind: "duplicate", direction: "toSlave", copies: 3 }).run(frame(ping));
    assert.equal(v.emit.length, 4);
    for (const e of v.emit) assert.equal(e.bytes, ping);
    const [note] = v.notes;
    assert.ok(note, "the duplicate leaves a note");
    assert.match(note, /3 extra copies/);
  });

  test("corrupt (garbage) keeps the length, leaves the input alone, and no longer decodes", () => {
    const copy = Buffer.from(metaSyncOk);
    const [out] = chain({ kind: "corrupt", direction: "toSlave" }).run(frame(metaSyncOk)).emit;
    assert.ok(out, "the corrupted frame is emitted");
    assert.deepEqual(metaSyncOk, copy, "input untouched");
    assert.equal(out.bytes.length, metaSyncOk.length);
    assert.deepEqual(out.bytes.subarray(0, 4), metaSyncOk.subarray(0, 4), "header kept");
    assert.throws(() => decodeResponse(out.bytes.subarray(4)));
  });

  test("corrupt (flip) changes exactly one bit of the body, the same one for the same seed", () => {
    const flipped = (seed: number) => {
      const c = new FrameChain(new Rng(seed));
      c.add({ kind: "corrupt", direction: "toSlave", mode: "flip", name: "flip" });
      const [out] = c.run(frame(metaSyncOk)).emit;
      assert.ok(out, "the flipped frame is emitted");
      return out.bytes;
    };
    const a = flipped(1);
    let bits = 0;
    for (const [i, byte] of a.entries()) {
      const was = metaSyncOk[i];
      assert.ok(was !== undefined, `the original frame has a byte ${i}`);
      bits += popcount(byte ^ was);
    }
    assert.equal(bits, 1);
    assert.deepEqual(a.subarray(0, 4), metaSyncOk.subarray(0, 4));
    assert.deepEqual(flipped(1), a);
  });

  test("cut forwards the frame and asks for the cut after it, with how", () => {
    for (const how of ["fin", "rst", "half-open"] as const) {
      const c = chain({
        kind: "cut",
        direction: "toSlave",
        match: { type: MsgType.kMetaSync, code: StatusCode.kOk },
        how,
        times: 1,
      });
      assert.equal(c.run(frame(ping)).cut, undefined);
      const v = c.run(frame(metaSyncOk));
      assert.deepEqual(v.emit, [{ bytes: metaSyncOk, delayMs: 0 }]);
      assert.equal(v.cut, how);
      assert.equal(c.run(frame(metaSyncOk)).cut, undefined, "times: 1 is used up");
    }
  });

  test("cut with forward: false swallows the frame and cuts in its place", () => {
    const c = chain({
      kind: "cut",
      direction: "toSlave",
      match: { type: MsgType.kMetaSync, code: StatusCode.kOk },
      how: "fin",
      forward: false,
      times: 1,
    });
    const v = c.run(frame(metaSyncOk));
    assert.deepEqual(v.emit, []);
    assert.equal(v.cut, "fin");
    assert.match(v.notes.join(), /cut instead of forwarding this frame \(fin\)/);
  });

  test("cut after frame N: skip N-1 of every frame", () => {
    const c = chain({ kind: "cut", direction: "toSlave", skip: 2, times: 1, how: "rst" });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => c.run(frame(ping)).cut),
      [undefined, undefined, "rst", undefined],
    );
  });

  test("the chain runs in order: duplicate-then-drop-once leaves one copy, drop-then-duplicate none", () => {
    assert.equal(
      chain(
        { kind: "duplicate", direction: "toSlave" },
        { kind: "drop", direction: "toSlave", times: 1 },
      ).run(frame(ping)).emit.length,
      1,
    );
    assert.equal(
      chain(
        { kind: "drop", direction: "toSlave", times: 1 },
        { kind: "duplicate", direction: "toSlave" },
      ).run(frame(ping)).emit.length,
      0,
    );
  });

  test("a removed fault no longer acts", () => {
    const c = chain({ kind: "drop", direction: "toSlave", name: "d" });
    assert.equal(c.run(frame(ping)).emit.length, 0);
    assert.equal(c.remove("d"), true);
    assert.equal(c.remove("d"), false);
    assert.equal(c.run(frame(ping)).emit.length, 1);
  });
});

describe("fault validation", () => {
  const bad: [string, unknown][] = [
    ["negative delay", { kind: "delay", direction: "toSlave", ms: -1 }],
    ["fractional times", { kind: "drop", direction: "toSlave", times: 1.5 }],
    ["bad direction", { kind: "drop", direction: "up" }],
    ["unknown type", { kind: "drop", direction: "toSlave", match: { type: 9 } }],
    ["unknown code", { kind: "drop", direction: "toSlave", match: { code: 4 } }],
    [
      "a type given as undefined (a misspelled name looked up)",
      { kind: "drop", direction: "toSlave", match: { type: undefined } },
    ],
    [
      "a code given as undefined",
      { kind: "cut", direction: "toSlave", how: "fin", match: { code: undefined } },
    ],
    ["bad cut", { kind: "cut", direction: "toSlave", how: "close" }],
    ["zero bandwidth", { kind: "bandwidth", direction: "toSlave", bytesPerSecond: 0 }],
    ["bad port", { kind: "refuse", port: "admin" }],
    ["bad forMs", { kind: "silence", forMs: Number.NaN }],
    ["unknown kind", { kind: "explode" }],
  ];
  for (const [what, f] of bad)
    test(`rejects ${what}`, () => assert.throws(() => validateFault(f as Fault), /fault /));

  test("accepts each kind of fault", () => {
    const good: Fault[] = [
      {
        kind: "drop",
        direction: "toSlave",
        match: { conn: 1, type: MsgType.kMetaSync, code: StatusCode.kOk },
      },
      { kind: "delay", direction: "toMaster", ms: 0 },
      { kind: "duplicate", direction: "toMaster", copies: 2 },
      { kind: "corrupt", direction: "toMaster", mode: "flip" },
      { kind: "cut", direction: "toSlave", how: "half-open", skip: 3 },
      { kind: "latency", direction: "toSlave", ms: 10, jitterMs: 5, port: "redis" },
      { kind: "bandwidth", direction: "toSlave", bytesPerSecond: 1000 },
      { kind: "silence", port: "repl", forMs: 1000 },
      { kind: "refuse" },
    ];
    for (const f of good) validateFault(f);
  });
});

describe("stream shaping", () => {
  const lat = (ms: number, jitterMs?: number): NamedFault<StreamFault> => ({
    kind: "latency",
    direction: "toSlave",
    ms,
    jitterMs,
    name: "lat",
  });
  const bw = (bytesPerSecond: number): NamedFault<StreamFault> => ({
    kind: "bandwidth",
    direction: "toSlave",
    bytesPerSecond,
    name: "bw",
  });
  const chunk = Buffer.from("0123456789");

  test("with no faults the chunk goes at once", () => {
    assert.deepEqual(shape(chunk, 1000, [], new Map(), new Rng(1)), [{ bytes: chunk, at: 1000 }]);
  });

  test("latency adds ms to every chunk", () => {
    const state: ShapeState = new Map();
    assert.deepEqual(shape(chunk, 1000, [lat(250)], state, new Rng(1)), [{ bytes: chunk, at: 1250 }]);
    assert.deepEqual(shape(chunk, 1010, [lat(250)], state, new Rng(1)), [{ bytes: chunk, at: 1260 }]);
  });

  test("jitter stays within ms ± jitterMs, is seeded, and never lets a chunk overtake an earlier one", () => {
    const run = (seed: number, gap: number) => {
      const rng = new Rng(seed);
      const state: ShapeState = new Map();
      return Array.from({ length: 200 }, (_, i) => {
        const [first] = shape(chunk, i * gap, [lat(100, 80)], state, rng);
        assert.ok(first, `chunk ${i} is released`);
        return first.at - i * gap;
      });
    };
    const added = run(42, 1000);
    assert.deepEqual(run(42, 1000), added, "same seed, same times");
    assert.notDeepEqual(run(43, 1000), added);
    for (const d of added) assert.ok(d >= 20 && d <= 180, `added ${d} ms`);
    assert.ok(Math.max(...added) > 160 && Math.min(...added) < 40, "jitter spreads");
    // Chunks 1 ms apart: a chunk drawn early waits for the one before it.
    const close = run(42, 1).map((d, i) => d + i);
    let previous: number | undefined;
    for (const at of close) {
      if (previous !== undefined) assert.ok(at >= previous, "in order");
      previous = at;
    }
  });

  test("bandwidth releases slices of a tenth of a second at the rate, back to back", () => {
    const state: ShapeState = new Map();
    const pieces = shape(Buffer.alloc(250), 0, [bw(1000)], state, new Rng(1));
    assert.deepEqual(
      pieces.map((p) => [p.bytes.length, p.at]),
      [
        [100, 100],
        [100, 200],
        [50, 250],
      ],
    );
    // The link is still busy until 250 ms: a chunk read at 100 ms waits for it.
    assert.deepEqual(
      shape(Buffer.alloc(10), 100, [bw(1000)], state, new Rng(1)).map((p) => p.at),
      [260],
    );
  });

  test("latency then bandwidth compose in chain order", () => {
    const pieces = shape(Buffer.alloc(100), 0, [lat(500), bw(1000)], new Map(), new Rng(1));
    assert.deepEqual(
      pieces.map((p) => p.at),
      [600],
    );
  });

  test("shaping never loses or reorders bytes (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(50)), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 1, max: 5000 }),
        fc.nat(100),
        fc.nat(100),
        (chunks, rate, ms, jitter) => {
          const state: ShapeState = new Map();
          const rng = new Rng(rate);
          let now = 0;
          const out: { bytes: Buffer; at: number }[] = [];
          for (const [bytes, gap] of chunks) {
            now += gap;
            out.push(...shape(Buffer.from(bytes), now, [lat(ms, jitter), bw(rate)], state, rng));
          }
          assert.deepEqual(
            Buffer.concat(out.map((o) => o.bytes)),
            Buffer.concat(chunks.map(([b]) => Buffer.from(b))),
          );
          let previous: number | undefined;
          for (const { at } of out) {
            if (previous !== undefined) assert.ok(at >= previous);
            previous = at;
          }
        },
      ),
    );
  });

  test("a stream fault applies to its direction, and to its port and connection when it names them", () => {
    const f: StreamFault = { kind: "latency", direction: "toSlave", ms: 1, port: "repl", conn: 3 };
    assert.equal(streamMatches(f, "toSlave", "repl", 3), true);
    assert.equal(streamMatches(f, "toMaster", "repl", 3), false);
    assert.equal(streamMatches(f, "toSlave", "redis", 3), false);
    assert.equal(streamMatches(f, "toSlave", "repl", 4), false);
    assert.equal(
      streamMatches({ kind: "latency", direction: "toSlave", ms: 1 }, "toSlave", "rsync", 9),
      true,
    );
  });
});

describe("frame splitter", () => {
  const stream = Buffer.concat([metaSyncReq, ping, metaSyncOk]);

  test("frames split at every point of the input come out whole and in order", () => {
    for (let i = 0; i <= stream.length; i++) {
      for (const j of [i, Math.min(stream.length, i + 3), stream.length]) {
        const s = new FrameSplitter();
        const out = [stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)].flatMap(
          (c) => s.push(c).frames,
        );
        assert.deepEqual(
          out.map((b) => encodeFrame(b)),
          [metaSyncReq, ping, metaSyncOk],
          `split at ${i}/${j}`,
        );
      }
    }
  });

  test("frames of any size, split anywhere, round-trip (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (bodies, cuts) => {
          const bytes = Buffer.concat(bodies.map((b) => encodeFrame(b)));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const s = new FrameSplitter();
          const out: Buffer[] = [];
          let from = 0;
          for (const p of [...points, bytes.length]) {
            out.push(...s.push(bytes.subarray(from, p)).frames);
            from = p;
          }
          assert.deepEqual(
            out.map((b) => Buffer.from(b)),
            bodies.map((b) => Buffer.from(b)),
          );
        },
      ),
    );
  });

  for (const [what, header] of [
    ["zero-length", rawFrame(0)],
    ["over-limit", rawFrame(0xffffffff)],
  ] as const) {
    test(`after a ${what} header the frames before it are kept and every later byte is raw`, () => {
      const tailBytes = Buffer.from("after the bad header");
      for (let split = 0; split <= metaSyncReq.length + 6; split++) {
        const all = Buffer.concat([metaSyncReq, header, tailBytes]);
        const s = new FrameSplitter();
        const a = s.push(all.subarray(0, split));
        const b = s.push(all.subarray(split));
        const c = s.push(Buffer.from("more"));
        assert.deepEqual(
          [...a.frames, ...b.frames].map((f) => encodeFrame(f)),
          [metaSyncReq],
          `split ${split}`,
        );
        const raw = Buffer.concat([
          a.raw ?? Buffer.alloc(0),
          b.raw ?? Buffer.alloc(0),
          c.raw ?? Buffer.alloc(0),
        ]);
        assert.deepEqual(raw, Buffer.concat([header, tailBytes, Buffer.from("more")]), `split ${split}`);
        assert.equal(s.error?.kind, what);
        assert.equal([a.error, b.error].filter(Boolean).length, 1, "the error is reported once");
      }
    });
  }
});

function popcount(x: number): number {
  let n = 0;
  for (let v = x; v; v >>= 1) n += v & 1;
  return n;
}
