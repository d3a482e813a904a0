/**
 * The reference is as robust as it is strict: the slave refuses a frame over its
 * max-conn-rbuf-size at the header and reconnects (R4), and the Redis port's parser works in
 * linear time, gives the same answer however its input is chunked, and refuses what Redis
 * refuses (too long an inline request, too large a bulk length or multibulk count).
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { afterEach, describe, test } from "node:test";
import fc from "fast-check";
import { type Clock, RealClock, Rng, VirtualClock } from "../harness/clock";
import { ports } from "../harness/net";
import { ProbeMaster } from "../harness/probe/master";
import { type Behaviour, behaviourOf, CONFORMANT } from "../harness/reference/behaviour";
import { PikaConf } from "../harness/reference/conf";
import { ReferenceNode } from "../harness/reference/node";
import { RespError, type RespLimits, RespParser } from "../harness/reference/resp";
import { MAX_CONN_RBUF, SlaveSide } from "../harness/reference/slave";
import { Trace } from "../harness/trace/trace";
import { MsgType, PIKA_MAX_BODY, rawFrame } from "../harness/wire";

const ID = "a".repeat(50);
let cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function probeMaster(clock: Clock, databases = 1): Promise<ProbeMaster> {
  const pm = await ProbeMaster.start(clock, new Trace(clock), {
    port: await ports.allocate(),
    databases,
    dbInstanceNum: 3,
    replicationId: ID,
    runId: "r".repeat(40),
  });
  cleanup.push(() => pm.close());
  return pm;
}

/** A reference slave linked to a probe master on a virtual clock. */
async function linkedSlave(behaviour: Behaviour = CONFORMANT, maxConnRbufSize?: number) {
  const clock = new VirtualClock(new Rng(7));
  const pm = await probeMaster(clock);
  const slave = new SlaveSide(clock, {
    port: 19998,
    databases: ["db0"],
    dbInstanceNum: 3,
    masterauth: () => "",
    replicationId: () => ID,
    adoptReplicationId: () => {},
    behaviour,
    maxConnRbufSize,
  });
  cleanup.push(() => slave.shutdown());
  slave.setMaster("127.0.0.1", pm.port, false);
  await clock.within(1, () => slave.linkUp);
  return { clock, pm, slave };
}

/** Connection number `i` (from 0) the slave made to the probe master, which must exist. */
function connection(pm: ProbeMaster, i: number) {
  const c = pm.connections[i];
  assert.ok(c, `the slave made connection ${i + 1}`);
  return c;
}

/** The header of a frame announcing `length` body bytes, and the first few of them. */
const headerOnly = (length: number) => rawFrame(length, Buffer.alloc(16, 0x08));

describe("R4: the reference slave refuses a frame over max-conn-rbuf-size", () => {
  test("the default limit: a header one byte over is refused at once, and the slave reconnects", async () => {
    const { clock, pm, slave } = await linkedSlave();
    const first = connection(pm, 0);
    first.conn.writeRaw(headerOnly(MAX_CONN_RBUF.default + 1));
    // The body never comes: only a refusal at the header can close the connection.
    await clock.within(1, () => first.closedAt !== undefined, "the slave closes the connection");
    assert.notEqual(slave.state, "Error");
    await clock.within(13, () => pm.connections.length === 2 && slave.linkUp, "a new link");
    assert.equal(pm.received(MsgType.kMetaSync).length, 2);
    const gap = connection(pm, 1).openedAt - (first.closedAt ?? Number.NaN);
    assert.ok(gap >= 2000, `reconnected ${gap} ms later: a paced retry, not a loop`);
  });

  test("a frame of exactly max-conn-rbuf-size is taken: the slave waits for its body", async () => {
    const { clock, pm, slave } = await linkedSlave(CONFORMANT, MAX_CONN_RBUF.min);
    connection(pm, 0).conn.writeRaw(headerOnly(MAX_CONN_RBUF.min));
    await clock.during(5);
    assert.equal(connection(pm, 0).closedAt, undefined);
    assert.equal(slave.linkUp, true);
  });

  test("a configured limit applies: one byte over it is refused", async () => {
    const { clock, pm } = await linkedSlave(CONFORMANT, MAX_CONN_RBUF.min);
    connection(pm, 0).conn.writeRaw(headerOnly(MAX_CONN_RBUF.min + 1));
    await clock.within(1, () => pm.connections[0]?.closedAt !== undefined);
    await clock.within(13, () => pm.connections.length === 2);
  });

  test("the pika-4.0 profile stops for good, as Pika does when such a frame fails to parse", async () => {
    const { clock, pm, slave } = await linkedSlave(behaviourOf("pika-4.0"));
    connection(pm, 0).conn.writeRaw(headerOnly(MAX_CONN_RBUF.default + 1));
    await clock.within(1, () => slave.state === "Error");
    await clock.within(1, () => pm.connections[0]?.closedAt !== undefined);
    await clock.during(60);
    assert.equal(pm.connections.length, 1);
    assert.equal(pm.received(MsgType.kMetaSync).length, 1);
  });

  for (const [name, behaviour] of [
    ["the conformant reference", CONFORMANT],
    ["the pika-4.0 profile", behaviourOf("pika-4.0")],
  ] as const) {
    test(`${name}: a length past Pika's read limit (R3) is a plain close, then a reconnect`, async () => {
      const { clock, pm, slave } = await linkedSlave(behaviour);
      connection(pm, 0).conn.writeRaw(headerOnly(PIKA_MAX_BODY + 1));
      await clock.within(1, () => pm.connections[0]?.closedAt !== undefined);
      await clock.within(13, () => pm.connections.length === 2 && slave.linkUp);
    });
  }

  for (const [value, limit] of [
    [undefined, MAX_CONN_RBUF.default],
    ["100000000", 100_000_000],
    ["1", MAX_CONN_RBUF.min],
    ["4294967296", MAX_CONN_RBUF.max],
  ] as const) {
    test(`a reference node with max-conn-rbuf-size ${value ?? "unset"} takes ${limit} bytes and refuses one more`, async () => {
      const clock = new VirtualClock(new Rng(3));
      const pm = await probeMaster(clock);
      const port = await ports.allocate();
      const text = PikaConf.render({
        port,
        "replication-id": ID,
        slaveof: `127.0.0.1:${pm.port}`,
        "max-conn-rbuf-size": value,
      });
      const node = new ReferenceNode(new PikaConf(undefined, text), clock);
      await node.start();
      cleanup.push(() => node.stop());
      await clock.within(1, () => node.slave.linkUp);
      // A 1 GiB limit is capped by Pika's own read limit (R3), which refuses past 512 MiB.
      const taken = Math.min(limit, PIKA_MAX_BODY);
      connection(pm, 0).conn.writeRaw(headerOnly(taken));
      await clock.during(2);
      assert.equal(connection(pm, 0).closedAt, undefined, "a frame at the limit is waited for");
      pm.dropConnections();
      await clock.within(13, () => pm.connections.length === 2 && node.slave.linkUp);
      connection(pm, 1).conn.writeRaw(headerOnly(taken + 1));
      await clock.within(1, () => pm.connections[1]?.closedAt !== undefined, "one byte more is refused");
      assert.notEqual(node.slave.state, "Error");
    });
  }
});

/** What a parser makes of `chunks`: the commands, and the error that stopped it if any. */
function outcome(chunks: Buffer[], limits?: Partial<RespLimits>): { commands: string[][]; error?: string } {
  const p = new RespParser(limits);
  const commands: string[][] = [];
  for (const c of chunks) {
    try {
      commands.push(...p.push(c));
    } catch (err) {
      if (!(err instanceof RespError)) throw err;
      commands.push(...err.commands);
      return { commands, error: err.message };
    }
  }
  return { commands };
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    out.push(data.subarray(from, c));
    from = c;
  }
  out.push(data.subarray(from));
  return out;
}

const enc = (args: string[]) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** Small limits, so that generated input reaches every one of them. */
const SMALL: RespLimits = { inline: 24, multibulk: 6, bulk: 20, command: 90 };

describe("RespParser: the same answer however the input is chunked", () => {
  const word = fc.string({
    unit: fc.constantFrom("a", "B", "€", "\r", "\n", " ", "$", "*", "1"),
    maxLength: 12,
  });
  const piece = fc.oneof(
    fc.array(word, { maxLength: 7 }).map((args) => Buffer.from(enc(args))),
    fc
      .array(fc.stringMatching(/^[a-zA-Z0-9]{1,8}$/), { maxLength: 4 })
      .map((w) => Buffer.from(`${w.join(" ")}\r\n`)),
    fc.constantFrom(
      ...["*abc\r\n", "*-1\r\n", "*1\r\nPING\r\n", "*1\r\n$x\r\n", "*7\r\n", "$9\r\n", "*1\r\n$21\r\n"].map(
        (s) => Buffer.from(s),
      ),
    ),
    fc.uint8Array({ maxLength: 30 }).map((u) => Buffer.from(u)),
    fc.nat({ max: 40 }).map((n) => Buffer.alloc(n, 0x61)),
  );
  const stream = fc.array(piece, { maxLength: 8 }).map((parts) => Buffer.concat(parts));
  const cuts = fc.array(fc.nat({ max: 10_000 }), { maxLength: 10 });

  test("random streams, small limits: random splits give the whole stream's commands and error", () => {
    fc.assert(
      fc.property(stream, cuts, (data, at) => {
        assert.deepEqual(outcome(splitAt(data, at), SMALL), outcome([data], SMALL));
      }),
      { numRuns: 3000 },
    );
  });

  test("every split position and one byte at a time, small and default limits", () => {
    fc.assert(
      fc.property(stream, (data) => {
        for (const limits of [SMALL, undefined]) {
          const whole = outcome([data], limits);
          for (let i = 0; i <= data.length; i++)
            assert.deepEqual(
              outcome([data.subarray(0, i), data.subarray(i)], limits),
              whole,
              `split at ${i}`,
            );
          const bytes = Array.from(data, (_, i) => data.subarray(i, i + 1));
          assert.deepEqual(outcome(bytes, limits), whole, "one byte at a time");
        }
      }),
      { numRuns: 200 },
    );
  });

  test("a long bulk string is decoded as it arrives, to the same text however it is chunked", () => {
    // Valid characters, stray continuation bytes, truncated sequences, bytes UTF-8 never uses.
    const tokens = [
      "A",
      "\n",
      "€",
      "😀",
      [0x80],
      [0xbf, 0xbf, 0xbf, 0xbf, 0xbf],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc0],
      [0xff],
      [0xed, 0xa0, 0x80],
      [0xe0, 0x80],
    ].map((t) => Buffer.from(t as string));
    fc.assert(
      fc.property(
        fc.nat(),
        fc.integer({ min: 64 * 1024, max: 200 * 1024 }),
        fc.oneof(
          fc.array(fc.nat({ max: 220 * 1024 }), { maxLength: 12 }),
          fc.integer({ min: 1000, max: 80_000 }),
        ),
        (seed, size, cuts) => {
          const rng = new Rng(seed);
          const parts: Buffer[] = [];
          for (let n = 0; n < size; ) {
            const t = tokens[rng.int(tokens.length)];
            assert.ok(t, "a token drawn from the list");
            parts.push(t);
            n += t.length;
          }
          const data = Buffer.concat(parts);
          const stream = Buffer.concat([Buffer.from(`*1\r\n$${data.length}\r\n`), data, Buffer.from("\r\n")]);
          const chunks =
            typeof cuts === "number"
              ? Array.from({ length: Math.ceil(stream.length / cuts) }, (_, i) =>
                  stream.subarray(i * cuts, (i + 1) * cuts),
                )
              : splitAt(stream, cuts);
          assert.deepEqual(outcome(chunks), { commands: [[data.toString("utf8")]] });
        },
      ),
      { numRuns: 200 },
    );
  });

  test("valid commands come back exactly as they were sent", () => {
    fc.assert(
      fc.property(fc.array(fc.array(word, { maxLength: 5 }), { maxLength: 6 }), cuts, (cmds, at) => {
        const data = Buffer.from(cmds.map(enc).join(""));
        assert.deepEqual(outcome(splitAt(data, at)), { commands: cmds });
      }),
      { numRuns: 1000 },
    );
  });
});

describe("RespParser: Redis's limits", () => {
  const K64 = 64 * 1024;

  test("an inline request longer than 64 KiB is refused, with or without its CRLF", () => {
    assert.deepEqual(outcome([Buffer.alloc(K64 + 1, 0x61)]), {
      commands: [],
      error: "Protocol error: too big inline request",
    });
    assert.equal(
      outcome([Buffer.from(`${"a".repeat(K64 + 1)}\r\n`)]).error,
      "Protocol error: too big inline request",
    );
    // 64 KiB is accepted; so are 64 KiB and a CR, which may yet be the start of the CRLF.
    assert.deepEqual(outcome([Buffer.from(`${"a".repeat(K64)}\r`), Buffer.from("\n")]), {
      commands: [["a".repeat(K64)]],
    });
  });

  test("the commands ahead of a refused request are handed over with the error", () => {
    const p = new RespParser();
    const err = (() => {
      try {
        p.push(Buffer.concat([Buffer.from("PING\r\n*1\r\n$4\r\nPING\r\n"), Buffer.alloc(K64 + 2, 0x61)]));
      } catch (e) {
        return e as RespError;
      }
      assert.fail("no error");
    })();
    assert.ok(err instanceof RespError);
    assert.deepEqual(err.commands, [["PING"], ["PING"]]);
    // The parser stays failed, and does not hand the same commands over twice.
    assert.throws(
      () => p.push(Buffer.from("PING\r\n")),
      (e: RespError) => e.commands.length === 0 && /too big inline/.test(e.message),
    );
  });

  test("a multibulk count above 1024*1024 and a bulk length above 512 MiB are refused", () => {
    assert.equal(
      outcome([Buffer.from(`*${1024 * 1024 + 1}\r\n`)]).error,
      "Protocol error: invalid multibulk length",
    );
    assert.deepEqual(outcome([Buffer.from(`*${1024 * 1024}\r\n`)]), { commands: [] });
    assert.equal(
      outcome([Buffer.from(`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`)]).error,
      "Protocol error: invalid bulk length",
    );
  });

  test("a count or length line longer than 64 KiB is refused as Redis refuses it", () => {
    assert.equal(
      outcome([Buffer.from(`*${"1".repeat(K64 + 1)}`)]).error,
      "Protocol error: too big mbulk count string",
    );
    assert.equal(
      outcome([Buffer.from(`*1\r\n$${"1".repeat(K64)}`)]).error,
      "Protocol error: too big bulk count string",
    );
  });
});

describe("RespParser: linear time, counted in bytes examined", () => {
  test("a 64 KiB inline line in 1-byte chunks is scanned once, plus one byte per chunk", () => {
    const line = Buffer.from(`${"a".repeat(64 * 1024 - 2)}\r\n`);
    const p = new RespParser();
    let got: string[][] = [];
    for (let i = 0; i < line.length; i++) got = got.concat(p.push(line.subarray(i, i + 1)));
    assert.equal(got.length, 1);
    assert.ok(p.work.scanned <= 2 * line.length, `scanned ${p.work.scanned} for ${line.length}`);
    assert.ok(p.work.copied <= 4 * line.length, `copied ${p.work.copied} for ${line.length}`);
  });

  test("70 MiB without a CRLF: refused after the first 64 KiB, having looked at no more", () => {
    const p = new RespParser();
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let pushes = 0;
    assert.throws(() => {
      for (let sent = 0; sent < 70 * 1024 * 1024; sent += chunk.length) {
        pushes++;
        p.push(chunk);
      }
    }, /too big inline request/);
    assert.equal(pushes, 5);
    assert.ok(p.work.scanned <= 5 * (chunk.length + 1), `scanned ${p.work.scanned}`);
  });

  test("a bulk string in many chunks is copied a bounded number of times and never scanned", () => {
    const size = 8 * 1024 * 1024;
    const head = Buffer.from(`*2\r\n$3\r\nSET\r\n$${size}\r\n`);
    const p = new RespParser();
    assert.deepEqual(p.push(head), []);
    const chunk = Buffer.alloc(4096, 0x62);
    for (let sent = 0; sent < size; sent += chunk.length) assert.deepEqual(p.push(chunk), []);
    const [cmd] = p.push(Buffer.from("\r\n"));
    assert.equal(cmd?.[1]?.length, size);
    assert.ok(p.work.scanned <= head.length + 2, `scanned ${p.work.scanned}`);
    assert.ok(p.work.copied <= 4 * size, `copied ${p.work.copied} for ${size}`);
  });

  test("the work grows linearly: 4x the input in the same chunks is 4x the bytes scanned", () => {
    const work = (n: number) => {
      const p = new RespParser();
      const line = Buffer.from(`${"x".repeat(n)}\r\n`);
      for (let i = 0; i < line.length; i += 7) p.push(line.subarray(i, i + 7));
      return p.work;
    };
    const [small, large] = [work(10_000), work(40_000)];
    // Re-scanning the whole line per chunk would make these ratios about 16.
    const scanned = large.scanned / small.scanned;
    assert.ok(scanned > 3.9 && scanned < 4.1, `scanned ratio ${scanned}`);
    const copied = large.copied / small.copied;
    assert.ok(copied < 5, `copied ratio ${copied}`);
  });
});

describe("the reference node's Redis port", () => {
  /** Sends `bytes` to a fresh reference node's P; resolves with every byte it answered once it closes or goes quiet after `until`. */
  async function exchange(
    bytes: Buffer,
    opts: { until?: string; flood?: number } = {},
  ): Promise<{ reply: string; closed: boolean; reset?: string }> {
    const clock = new RealClock(new Rng(1));
    const port = await ports.allocate();
    const node = new ReferenceNode(new PikaConf(undefined, PikaConf.render({ port })), clock);
    await node.start();
    cleanup.push(() => node.stop());
    const socket = net.connect({ host: "127.0.0.1", port });
    cleanup.push(() => {
      socket.destroy();
    });
    let reset: string | undefined;
    socket.on("error", (err: NodeJS.ErrnoException) => {
      reset = err.code;
    });
    let reply = "";
    let closed = false;
    const done = new Promise<void>((resolve) => {
      socket.on("data", (d: Buffer) => {
        reply += d.toString("latin1");
        if (opts.until !== undefined && reply === opts.until) resolve();
      });
      socket.on("close", () => {
        closed = true;
        resolve();
      });
    });
    socket.write(bytes);
    // A flooding client goes on writing, as fast as the node reads, until the node closes.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let sent = 0; sent < (opts.flood ?? 0) && !socket.destroyed; sent += chunk.length)
      if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once("drain", r)), done]);
    await done;
    return reset === undefined ? { reply, closed } : { reply, closed, reset };
  }

  test("valid requests are answered as before, pipelined, and the connection stays open", async () => {
    const want = "+PONG\r\n+PONG\r\n*0\r\n-ERR unknown command 'foo'\r\n";
    const r = await exchange(
      Buffer.from("PING\r\n*1\r\n$4\r\nping\r\n*3\r\n$6\r\nconfig\r\n$3\r\nget\r\n$1\r\nx\r\nfoo\r\n"),
      { until: want },
    );
    assert.deepEqual(r, { reply: want, closed: false });
  });

  test("a client that goes on sending after the error receives it, then a FIN, not a reset", async () => {
    const r = await exchange(Buffer.alloc(70 * 1024, 0x61), { flood: 64 * 1024 * 1024 });
    assert.deepEqual(r, { reply: "-ERR Protocol error: too big inline request\r\n", closed: true });
  });

  for (const [name, bytes, error] of [
    ["an inline request over 64 KiB", Buffer.alloc(70 * 1024, 0x61), "too big inline request"],
    ["a multibulk count over 1024*1024", Buffer.from("*1048577\r\n"), "invalid multibulk length"],
    ["a bulk length over 512 MiB", Buffer.from("*1\r\n$536870913\r\n"), "invalid bulk length"],
  ] as const) {
    test(`${name}: the commands before it are answered, then the error, then the connection closes`, async () => {
      const r = await exchange(Buffer.concat([Buffer.from("PING\r\n"), bytes]));
      assert.deepEqual(r, { reply: `+PONG\r\n-ERR Protocol error: ${error}\r\n`, closed: true });
    });
  }
});
