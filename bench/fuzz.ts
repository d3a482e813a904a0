/**
 * Fuzzing the reference node and the wire proxy (`npm run bench:fuzz -- --frames N`).
 *
 * N random and malformed frames (default 1,000,000), a third each:
 *   - to a reference master's P+2000, directly;
 *   - to a reference slave, from a fake master on 127.0.0.1 that completes the handshake (or
 *     stops half way) and then streams random responses;
 *   - to the same master through the wire proxy (harness/proxy).
 * Frames go in bursts, one connection each: random valid messages and mutated ones that still
 * decode, then usually a frame the receiver must close the connection for (a body that does not
 * decode, a zero length, a length past Pika's limits, a frame announced and never completed;
 * for the slave also a length over its max-conn-rbuf-size, R4). Alongside, the master's Redis
 * port takes the requests that used to stall it: a 70 MiB inline request without CRLF, a
 * 60 MiB bulk string, lengths past Redis's limits, noise.
 *
 * The two reference nodes run as processes of their own (bin/pika-reference-server); the proxy
 * and a PING client run in worker threads, so the fuzzer's own work does not show up as a stall,
 * and the fuzzer's thread runs at a lower priority than all of them. The PING client keeps one
 * PING at a time in flight on each Redis port (the master's P, the slave's P, the proxy's P')
 * and records the longest wait for its +PONG. A short warm-up round comes first, then a second
 * of idle pings (printed for comparison), then the N frames.
 *
 * Prints frames per second, crashes (a node process or the proxy dying; goal 0), the longest
 * PING stall on the nodes' Redis ports (goal under 100 ms) and peak RSS, all measured in this
 * run; exits 1 when a goal is missed. Everything binds and connects to 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import type { Socket } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { RealClock, Rng, seedFrom } from "../harness/clock";
import { connect, Listener, ports, REPL_SHIFT } from "../harness/net";
import { WireProxy } from "../harness/proxy";
import { PikaConf } from "../harness/reference/conf";
import { MAX_CONN_RBUF } from "../harness/reference/slave";
import { kitPath } from "../harness/root";
import {
  type BinlogOffset,
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameDecoder,
  type InnerRequest,
  type InnerResponse,
  MsgType,
  PIKA_MAX_BODY,
  type PNode,
  rawFrame,
  rawTypeBody,
  req,
  res,
  StatusCode,
  TrySyncReply,
} from "../harness/wire";

const STALL_GOAL_MS = 100;
/** The share of a burst's frames that are mutated copies of pool frames (those that still decode). */
const MUTATED = 0.05;
/**
 * Connections at once to the master directly and through the proxy, and the most frames a
 * burst to the master holds. The reference node is single-threaded: it decodes and answers
 * all the frames of one read before it looks at its Redis port, so these keep its load
 * below saturation on a two-core machine, where its PING times measure its stalls.
 */
const MASTER_LANES = 3;
const PROXY_LANES = 2;
const MASTER_BURST = 150;
/** The most frames a burst to the slave holds. */
const SLAVE_BURST = 300;
const SLAVE_REPLICATION_ID = "f".repeat(50);
const MASTER_RUN_ID = "e".repeat(40);
const CHUNK = 64 * 1024;

/** `value`, which must be there; an Error naming `what` when it is not. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Random input

class Fuzz {
  constructor(readonly rng: Rng) {}
  int(n: number): number {
    return this.rng.int(n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[this.rng.int(xs.length)];
    if (x === undefined) throw new Error("pick from an empty list");
    return x;
  }
  u32(): number {
    return Math.floor(this.rng.next() * 2 ** 32);
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.rng.int(256);
    return b;
  }
  offset(full = false): BinlogOffset {
    if (this.chance(0.4)) return { filenum: 0, offset: 0, term: 0, index: 0 };
    const o = { filenum: this.int(100), offset: this.u32() };
    return full || this.chance(0.5) ? { ...o, term: this.int(4), index: this.u32() } : o;
  }
  dbName(): string {
    return this.chance(0.75) ? "db0" : this.pick(["db1", "db7", "", "db0 ", "x".repeat(300), "db\u0000"]);
  }
  code(): StatusCode {
    return this.pick([StatusCode.kOk, StatusCode.kOk, StatusCode.kError, StatusCode.kOther]);
  }
  /** The body changed in one to three places: a bit flipped, the end cut off, bytes inserted, a runaway varint. */
  mutate(body: Buffer): Buffer {
    let b = Buffer.from(body);
    for (let k = 1 + this.int(3); k > 0; k--) {
      const op = this.int(4);
      const at = this.int(b.length + 1);
      if (op === 0 && b.length > 0) {
        const i = this.int(b.length);
        b[i] = must(b[i], `byte ${i} of a ${b.length}-byte body`) ^ (1 << this.int(8));
      } else if (op === 1 && b.length > 1) b = b.subarray(0, 1 + this.int(b.length - 1));
      else if (op === 2) b = Buffer.concat([b.subarray(0, at), this.bytes(1 + this.int(8)), b.subarray(at)]);
      else b = Buffer.concat([b.subarray(0, at), Buffer.alloc(1 + this.int(10), 0xff), b.subarray(at)]);
    }
    return b;
  }
}

const decodes = (decode: (b: Buffer) => unknown, body: Buffer): boolean => {
  try {
    decode(body);
    return true;
  } catch {
    return false;
  }
};

function randomRequest(f: Fuzz, nodes: PNode[]): InnerRequest {
  const node = f.chance(0.9)
    ? f.pick(nodes)
    : { ip: f.pick(["", "10.0.0.1", "::1", "h".repeat(300)]), port: f.int(65536) };
  const k = f.int(10);
  if (k < 3) return req.metaSync(node, f.chance(0.8) ? undefined : f.pick(["", "secret", "x".repeat(1000)]));
  if (k < 5) return req.trySync(node, f.dbName(), f.offset());
  if (k === 5) return req.dbSync(node, f.dbName(), f.offset());
  if (k < 8) return req.binlogSync(node, f.dbName(), f.int(5), f.chance(0.5), f.offset(true), f.offset(true));
  if (k === 8) return req.removeSlaveNode(node, f.dbName());
  return req.typeOnly(f.pick([MsgType.kMetaSync, MsgType.kTrySync, MsgType.kBinlogSync, MsgType.kHeatBeat]));
}

function randomResponse(f: Fuzz, session: number): InnerResponse {
  const sid = f.chance(0.8) ? session : f.int(10);
  const slot = () => ({ dbName: f.dbName(), slotId: f.chance(0.9) ? 0 : f.int(8) });
  const k = f.int(10);
  if (k < 4)
    return res.binlogSync(
      Array.from({ length: 1 + f.int(3) }, () => ({
        slot: slot(),
        binlogOffset: f.offset(true),
        binlog: f.bytes(f.int(64)),
        sessionId: sid,
      })),
    );
  if (k === 4) return res.ping("db0", sid);
  if (k === 5)
    return res.trySync(
      f.dbName(),
      f.pick([
        TrySyncReply.kOk,
        TrySyncReply.kSyncPointBePurged,
        TrySyncReply.kSyncPointLarger,
        TrySyncReply.kError,
      ]),
      f.offset(),
      sid,
      f.code(),
    );
  if (k === 6) return res.dbSync(f.dbName(), sid, f.code());
  if (k === 7)
    return f.chance(0.5)
      ? res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], MASTER_RUN_ID, SLAVE_REPLICATION_ID)
      : res.status(MsgType.kMetaSync, f.pick([StatusCode.kOther, StatusCode.kError]), "busy");
  if (k === 8) return res.removeSlaveNode({ ip: "127.0.0.1", port: f.int(65536) }, f.dbName());
  return res.status(f.pick([1, 2, 3, 4, 5, 6]) as MsgType, f.code());
}

/** Encoded bodies to draw from: encoding a fresh message per frame would make the fuzzer the bottleneck. */
function pool(n: number, make: () => Buffer): Buffer[] {
  return Array.from({ length: n }, make);
}

type Killer = "undecodable" | "garbage" | "zero" | "huge" | "abandon" | "bad-enum" | "r4";

/**
 * The frame a burst ends with, and whether the receiver must close the connection for it (a
 * frame announced and never completed leaves it waiting instead; random bytes may decode).
 */
function killerFrame(
  f: Fuzz,
  kind: Killer,
  bodies: Buffer[],
  decode: (b: Buffer) => unknown,
): { frame: Buffer; closes: boolean } {
  switch (kind) {
    case "undecodable": {
      for (let i = 0; i < 8; i++) {
        const m = f.mutate(f.pick(bodies));
        if (!decodes(decode, m)) return { frame: encodeFrame(m), closes: true };
      }
      return { frame: encodeFrame(Buffer.from([0xff, 0xff])), closes: true };
    }
    case "garbage": {
      const body = f.bytes(1 + f.int(200));
      return { frame: encodeFrame(body), closes: !decodes(decode, body) };
    }
    case "zero":
      return { frame: rawFrame(0, f.bytes(f.int(8))), closes: true };
    case "huge": {
      const length = f.pick([0xffffffff, 0xfffffffc, PIKA_MAX_BODY + 1 + f.int(1000)]);
      return { frame: rawFrame(length, f.bytes(f.int(16))), closes: true };
    }
    case "abandon":
      return { frame: rawFrame(64 + f.int(1 << 20), f.bytes(f.int(32))), closes: false };
    case "bad-enum":
      return { frame: encodeFrame(rawTypeBody(f.pick([0, 7, 255]))), closes: true };
    case "r4": {
      const over = MAX_CONN_RBUF.default + 1 + f.int(PIKA_MAX_BODY - MAX_CONN_RBUF.default);
      return { frame: rawFrame(over, f.bytes(16)), closes: true };
    }
  }
}

/**
 * A burst of `max` frames: pool bodies, and mutated ones that still decode (a mutated body that
 * does not decode would end the connection early; the killer frames do that on purpose).
 */
function burst(f: Fuzz, bodies: Buffer[], decode: (b: Buffer) => unknown, max: number) {
  const frames: Buffer[] = [];
  let malformed = 0;
  while (frames.length < max) {
    if (f.chance(MUTATED)) {
      const m = f.mutate(f.pick(bodies));
      if (decodes(decode, m)) {
        frames.push(encodeFrame(m));
        malformed++;
        continue;
      }
    }
    frames.push(encodeFrame(f.pick(bodies)));
  }
  return { frames, malformed };
}

/**
 * A burst that usually ends with a killer frame in place of its last frame; `closes` says
 * whether the receiver must then close the connection itself.
 */
function burstWithKiller(
  f: Fuzz,
  bodies: Buffer[],
  decode: (b: Buffer) => unknown,
  max: number,
  killers: readonly Killer[],
): { frames: Buffer[]; closes: boolean; malformed: number; killer?: Killer } {
  const b = burst(f, bodies, decode, max);
  if (!f.chance(0.8)) return { ...b, closes: false };
  const killer = f.pick(killers);
  const k = killerFrame(f, killer, bodies, decode);
  b.frames[b.frames.length - 1] = k.frame;
  return { frames: b.frames, closes: k.closes, malformed: b.malformed + 1, killer };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** `p`, or "timeout" once `ms` have passed. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const closedPromise = (s: Socket) =>
  new Promise<void>((r) => {
    if (s.destroyed) r();
    else s.once("close", () => r());
  });

/** Writes `data`, waiting for the socket to drain; false once the peer has gone. */
async function write(s: Socket, data: Buffer, closed: Promise<void>): Promise<boolean> {
  if (s.destroyed || s.writableEnded) return false;
  if (s.write(data)) return true;
  await Promise.race([new Promise((r) => s.once("drain", r)), closed]);
  return !s.destroyed;
}

/** A Redis-protocol client that sends one-line commands and reads one-line replies. */
class LineClient {
  private buf = "";
  private readonly waiting: ((line: string) => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf("\r\n"); i >= 0; i = this.buf.indexOf("\r\n")) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        this.waiting.shift()?.(line);
      }
    });
    socket.on("error", () => {});
  }
  async command(text: string, ms = 5000): Promise<string | undefined> {
    const reply = new Promise<string>((r) => {
      this.waiting.push(r);
      this.socket.write(`${text}\r\n`);
    });
    const r = await within(reply, ms);
    return r === "timeout" ? undefined : r;
  }
}

interface Tally {
  frames: number;
  /** Frames mutated, or made to be refused. */
  malformed: number;
  connections: number;
  /** The receiver closed the connection before the fuzzer's own close or deadline. */
  closedByTarget: number;
  /** Frames the target sent back, and how many of them did not decode (none should). */
  replies: number;
  badReplies: number;
  /** Connections the target neither served nor closed within the deadline. */
  hung: number;
  connectFailures: number;
  ms: number;
}
const tally = (): Tally => ({
  frames: 0,
  malformed: 0,
  connections: 0,
  closedByTarget: 0,
  replies: 0,
  badReplies: 0,
  hung: 0,
  connectFailures: 0,
  ms: 0,
});

/** Reads the frames a peer sends back and decodes each, counting the ones that do not decode. */
function readReplies(
  s: Socket,
  t: Tally,
  decode: (b: Buffer) => unknown,
  onMessage?: (m: unknown) => void,
): void {
  const decoder = new FrameDecoder();
  s.on("data", (chunk: Buffer) => {
    let bodies: Buffer[];
    try {
      bodies = decoder.push(chunk);
    } catch {
      t.badReplies++;
      s.destroy();
      return;
    }
    for (const body of bodies) {
      t.replies++;
      try {
        onMessage?.(decode(body));
      } catch {
        t.badReplies++;
      }
    }
  });
  s.on("error", () => {});
}

class Budget {
  constructor(public left: number) {}
  take(n: number): number {
    const k = Math.min(n, this.left);
    this.left -= k;
    return k;
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing a master's P+2000 (directly, or through the proxy)

const REQUEST_KILLERS: Killer[] = [
  "undecodable",
  "undecodable",
  "garbage",
  "zero",
  "huge",
  "abandon",
  "bad-enum",
];

async function fuzzMaster(
  clock: RealClock,
  port: number,
  f: Fuzz,
  lane: number,
  budget: Budget,
  t: Tally,
  alive: () => boolean,
): Promise<void> {
  const nodes = Array.from({ length: 8 }, (_, i) => ({ ip: "127.0.0.1", port: 20_000 + lane * 8 + i }));
  const bodies = pool(512, () => encodeRequest(randomRequest(f, nodes)));
  while (budget.left > 0 && alive()) {
    const want = budget.take(1 + f.int(MASTER_BURST));
    if (want === 0) break;
    const b = burstWithKiller(f, bodies, decodeRequest, want, REQUEST_KILLERS);
    let s: Socket;
    try {
      s = await connect(clock, port, 5000);
    } catch {
      t.connectFailures++; // the burst's share of the budget is spent, so a dead port ends the loop
      continue;
    }
    t.connections++;
    const closed = closedPromise(s);
    readReplies(s, t, decodeResponse);
    await write(s, Buffer.concat(b.frames), closed);
    t.frames += b.frames.length;
    t.malformed += b.malformed;
    // After a frame it must refuse, the master closes the connection itself (R3, R5); else the
    // fuzzer closes it.
    if (b.closes) {
      if ((await within(closed, 5000)) === "timeout") t.hung++;
      else t.closedByTarget++;
    }
    s.end();
    if ((await within(closed, 10_000)) === "timeout") {
      t.hung++;
      s.destroy();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzzing a slave, as its master

const RESPONSE_KILLERS: Killer[] = [
  "undecodable",
  "garbage",
  "zero",
  "huge",
  "abandon",
  "bad-enum",
  "r4",
  "r4",
];

/** The fake master's P (the slave's probes) and P+2000, handing out each replication connection. */
class FakeMaster {
  private readonly queue: Socket[] = [];
  private waiter: (() => void) | undefined;
  private constructor(readonly listeners: Listener[]) {}

  static async start(clock: RealClock, port: number): Promise<FakeMaster> {
    const probes = await Listener.open(clock, port, (s) => {
      s.on("error", () => {});
      s.resume();
    });
    const holder: { m?: FakeMaster } = {};
    const repl = await Listener.open(clock, port + REPL_SHIFT, (s) => {
      s.on("error", () => {});
      holder.m?.queue.push(s);
      holder.m?.waiter?.();
    });
    holder.m = new FakeMaster([probes, repl]);
    return holder.m;
  }

  /** Drops connections accepted earlier and not taken. */
  flush(): void {
    for (const s of this.queue.splice(0)) s.destroy();
  }

  async next(ms: number): Promise<Socket | undefined> {
    const deadline = Date.now() + ms;
    while (this.queue.length === 0) {
      if (Date.now() >= deadline) return undefined;
      await within(
        new Promise<void>((r) => {
          this.waiter = r;
        }),
        deadline - Date.now(),
      );
    }
    return this.queue.shift();
  }

  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.listeners.map((l) => l.close()));
  }
}

interface SlaveFigures {
  handshakes: number;
  r4Sent: number;
  /** R4 headers after which the slave closed the connection without waiting for the body. */
  r4Refused: number;
}

async function fuzzSlave(
  clock: RealClock,
  slavePort: number,
  fake: FakeMaster,
  fakePort: number,
  f: Fuzz,
  budget: Budget,
  t: Tally,
  figures: SlaveFigures,
  alive: () => boolean,
): Promise<void> {
  const control = new LineClient(await connect(clock, slavePort, 5000));
  // Every handshake gets session 1, so most BinlogSync responses of the pool match it.
  const session = 1;
  const bodies = pool(512, () => encodeResponse(randomResponse(f, session)));
  let unready = 0;
  try {
    while (budget.left > 0 && alive()) {
      fake.flush();
      if ((await control.command(`SLAVEOF 127.0.0.1 ${fakePort}`)) !== "+OK") break;
      const s = await fake.next(15_000);
      if (!s) {
        t.hung++;
        break;
      }
      t.connections++;
      const closed = closedPromise(s);
      const requests: InnerRequest[] = [];
      let arrived: (() => void) | undefined;
      readReplies(s, t, decodeRequest, (m) => {
        requests.push(m as InnerRequest);
        arrived?.();
      });
      const request = async (type: MsgType): Promise<InnerRequest | undefined> => {
        const deadline = Date.now() + 3000;
        for (;;) {
          const i = requests.findIndex((r) => r.type === type);
          if (i >= 0) return requests.splice(0, i + 1)[i];
          if (s.destroyed || Date.now() >= deadline) return undefined;
          await within(
            new Promise<void>((r) => {
              arrived = r;
            }),
            deadline - Date.now(),
          );
        }
      };
      // Two in three connections get the whole handshake; the rest are fuzzed at MetaSync.
      let ready = (await request(MsgType.kMetaSync)) !== undefined;
      if (ready && f.chance(0.67)) {
        s.write(
          encodeFrame(
            encodeResponse(
              res.metaSyncOk(
                [{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }],
                MASTER_RUN_ID,
                SLAVE_REPLICATION_ID,
              ),
            ),
          ),
        );
        const ts = await request(MsgType.kTrySync);
        if (ts)
          s.write(
            encodeFrame(
              encodeResponse(res.trySync("db0", TrySyncReply.kOk, ts.trySync?.binlogOffset, session)),
            ),
          );
        ready = ts !== undefined && (await request(MsgType.kBinlogSync)) !== undefined;
        if (ready) figures.handshakes++;
      }
      if (!ready) {
        t.hung++;
        if (++unready >= 10) break; // ten handshakes in a row that did not come: stop here
      } else {
        unready = 0;
        const want = budget.take(1 + f.int(SLAVE_BURST));
        const b = burstWithKiller(f, bodies, decodeResponse, want, RESPONSE_KILLERS);
        await write(s, Buffer.concat(b.frames), closed);
        t.frames += b.frames.length;
        t.malformed += b.malformed;
        // The slave closes the connection itself after a frame it must refuse; a frame announced
        // and never completed keeps it waiting until SLAVEOF NO ONE.
        if (b.closes) {
          const refused = (await within(closed, 3000)) !== "timeout";
          if (refused) t.closedByTarget++;
          else t.hung++;
          if (b.killer === "r4") {
            figures.r4Sent++;
            if (refused) figures.r4Refused++;
          }
        }
      }
      if ((await control.command("SLAVEOF NO ONE")) !== "+OK") break;
      if ((await within(closed, 5000)) === "timeout") s.destroy();
    }
  } finally {
    control.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// The Redis port: the requests that used to stall it

type Attack =
  | "inline-70MiB"
  | "bulk-60MiB"
  | "command-65MiB"
  | "multibulk"
  | "bulk-length"
  | "noise"
  | "commands";
const ATTACKS: Attack[] = [
  "inline-70MiB",
  "multibulk",
  "bulk-length",
  "noise",
  "commands",
  "bulk-60MiB",
  "noise",
  "commands",
  "command-65MiB",
  "commands",
];
/** What Redis answers each attack with before it closes the connection. */
const EXPECTED: Partial<Record<Attack, string>> = {
  "inline-70MiB": "-ERR Protocol error: too big inline request\r\n",
  multibulk: "-ERR Protocol error: invalid multibulk length\r\n",
  "bulk-length": "-ERR Protocol error: invalid bulk length\r\n",
  "bulk-60MiB": "-ERR unknown command 'echo'\r\n",
  "command-65MiB": "-ERR request too large\r\n",
};

function* attackBytes(f: Fuzz, attack: Attack): Generator<Buffer> {
  const filler = Buffer.alloc(CHUNK, 0x61);
  switch (attack) {
    case "inline-70MiB":
      for (let i = 0; i < (70 << 20) / CHUNK; i++) yield filler;
      return;
    case "bulk-60MiB":
      yield Buffer.from(`*2\r\n$4\r\nECHO\r\n$${60 << 20}\r\n`);
      for (let i = 0; i < (60 << 20) / CHUNK; i++) yield filler;
      yield Buffer.from("\r\n");
      return;
    case "command-65MiB":
      yield Buffer.from(`*1\r\n$${100_000_000}\r\n`);
      for (let i = 0; i < (65 << 20) / CHUNK; i++) yield filler;
      return;
    case "multibulk":
      yield Buffer.from(`*${1024 * 1024 + 1}\r\n`);
      return;
    case "bulk-length":
      yield Buffer.from(`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`);
      return;
    case "noise":
      yield f.bytes(1 + f.int(4096));
      return;
    case "commands": {
      const safe = ["PING", "INFO", "INFO replication", "CONFIG GET requirepass", "NOSUCH x", "AUTH x", ""];
      const cmds = Array.from({ length: 1 + f.int(50) }, () => {
        const words = f.pick(safe).split(" ").filter(Boolean);
        return f.chance(0.5)
          ? `${words.join(" ")}\r\n`
          : `*${words.length}\r\n${words.map((w) => `$${w.length}\r\n${w}\r\n`).join("")}`;
      });
      yield Buffer.from(cmds.join(""));
      return;
    }
  }
}

interface RespFigures {
  attacks: number;
  checked: number;
  answered: number;
  wrong: string[];
}

async function respAttack(
  clock: RealClock,
  port: number,
  f: Fuzz,
  attack: Attack,
  out: RespFigures,
): Promise<void> {
  let s: Socket;
  try {
    s = await connect(clock, port, 5000);
  } catch {
    out.wrong.push(`${attack}: cannot connect`);
    return;
  }
  s.on("error", () => {});
  const closed = closedPromise(s);
  let reply = "";
  s.on("data", (d: Buffer) => {
    if (reply.length < 4096) reply += d.toString("latin1");
  });
  for (const piece of attackBytes(f, attack)) if (!(await write(s, piece, closed))) break;
  s.end();
  if ((await within(closed, 15_000)) === "timeout") {
    out.wrong.push(`${attack}: the connection stayed open`);
    s.destroy();
  }
  out.attacks++;
  const want = EXPECTED[attack];
  if (want === undefined) return;
  out.checked++;
  if (reply === want) out.answered++;
  else out.wrong.push(`${attack}: answered ${JSON.stringify(reply.slice(0, 80))}`);
}

// ---------------------------------------------------------------------------------------------
// Worker threads: the proxy, and the PING client

interface PingStats {
  name: string;
  pings: number;
  maxMs: number;
  p99Ms: number;
  failures: number;
}

async function pingWorker(targets: { name: string; port: number }[]): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("the PING client runs in a worker thread");
  const clock = new RealClock(new Rng(1));
  let running = true;
  const lanes = targets.map((t) => ({
    ...t,
    samples: [] as number[],
    failures: 0,
    since: undefined as bigint | undefined,
  }));
  const pace = () => new Promise((r) => setTimeout(r, 2)); // the rate of pings, not a wait for anything
  const loops = lanes.map(async (lane) => {
    while (running) {
      let s: Socket;
      try {
        s = await connect(clock, lane.port, 1000);
      } catch {
        lane.failures++;
        await pace();
        continue;
      }
      s.setNoDelay(true);
      s.on("error", () => {});
      let buf = "";
      let pong: (() => void) | undefined;
      s.on("data", (d: Buffer) => {
        buf += d.toString("latin1");
        while (buf.startsWith("+PONG\r\n")) {
          buf = buf.slice(7);
          pong?.();
        }
      });
      const closed = closedPromise(s);
      while (running && !s.destroyed) {
        const answered = new Promise<void>((r) => {
          pong = r;
        });
        const t0 = process.hrtime.bigint();
        lane.since = t0;
        s.write("PING\r\n");
        await Promise.race([answered, closed]);
        lane.since = undefined;
        if (s.destroyed) break;
        lane.samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
        await pace();
      }
      if (running) lane.failures++;
      s.destroy();
    }
  });
  // "mark" answers the figures so far and starts afresh; "stop" answers them and ends.
  port.on("message", (m) => {
    if (m !== "stop" && m !== "mark") return;
    if (m === "stop") running = false;
    const now = process.hrtime.bigint();
    const stats: PingStats[] = lanes.map((lane) => {
      // A PING still unanswered counts as a stall as long as it has waited so far.
      const stuck = lane.since === undefined ? 0 : Number(now - lane.since) / 1e6;
      const sorted = [...lane.samples].sort((a, b) => a - b);
      return {
        name: lane.name,
        pings: lane.samples.length,
        maxMs: Math.max(stuck, sorted.at(-1) ?? 0),
        p99Ms: sorted[Math.floor(0.99 * (sorted.length - 1))] ?? 0,
        failures: lane.failures,
      };
    });
    for (const lane of lanes) {
      lane.samples = [];
      lane.failures = 0;
    }
    port.postMessage(stats);
  });
  port.postMessage("ready");
  await Promise.all(loops);
}

async function proxyWorker(masterPort: number, port: number): Promise<void> {
  const parent = parentPort;
  if (!parent) throw new Error("the proxy runs in a worker thread");
  const proxy = await WireProxy.start(new RealClock(new Rng(2)), masterPort, { port });
  let frames = 0;
  // The proxy keeps every frame and connection for its scenario; a million-frame run drops
  // them as it goes, as a long-lived user of the proxy would.
  const trim = setInterval(() => {
    frames += proxy.frames.length;
    proxy.frames.length = 0;
    proxy.trace.events.length = 0;
    const open = proxy.connections.filter((c) => c.state !== "closed");
    proxy.connections.splice(0, proxy.connections.length, ...open);
  }, 200);
  parent.on("message", async (m) => {
    if (m !== "stop") return;
    clearInterval(trim);
    frames += proxy.frames.length;
    let failure: string | undefined;
    try {
      await proxy.close();
    } catch (err) {
      failure = (err as Error).message;
    }
    parent.postMessage({ frames, failure });
  });
  parent.postMessage("ready");
}

/** A worker thread running this file in one role; its death before `stop` is a crash. */
class Thread {
  private stopping = false;
  private constructor(readonly worker: Worker) {}

  /** Starts this file as a worker thread in `role`; resolves once it says it is ready. */
  static async start(role: string, data: object, crashes: string[]): Promise<Thread> {
    const t = new Thread(new Worker(__filename, { workerData: { role, ...data } }));
    t.worker.on("error", (err) => crashes.push(`${role} thread: ${err.stack ?? err.message}`));
    t.worker.on("exit", (code) => {
      if (!t.stopping) crashes.push(`${role} thread exited (code ${code})`);
    });
    await new Promise<void>((resolve, reject) => {
      t.worker.once("message", (m) =>
        m === "ready" ? resolve() : reject(new Error(`${role}: ${String(m)}`)),
      );
      t.worker.once("exit", () => reject(new Error(`${role} thread exited before it was ready`)));
    });
    return t;
  }

  /** Asks the thread for its figures so far. */
  async mark<T>(): Promise<T | undefined> {
    const answer = new Promise<T>((r) => this.worker.once("message", r));
    this.worker.postMessage("mark");
    const m = await within(answer, 10_000);
    return m === "timeout" ? undefined : m;
  }

  /** Asks the thread for its figures and ends it. */
  async stop<T>(): Promise<T | undefined> {
    if (this.stopping) return undefined;
    this.stopping = true;
    const answer = new Promise<T>((r) => this.worker.once("message", r));
    this.worker.postMessage("stop");
    const m = await within(answer, 10_000);
    await this.worker.terminate();
    return m === "timeout" ? undefined : m;
  }
}

// ---------------------------------------------------------------------------------------------
// Reference nodes as processes

interface NodeProcess {
  name: string;
  child: ChildProcess;
  port: number;
  stopping: boolean;
}

async function startNode(
  name: string,
  dir: string,
  keys: Record<string, string | number>,
  crashes: string[],
): Promise<NodeProcess> {
  fs.mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "pika.conf");
  fs.writeFileSync(
    conf,
    PikaConf.render({
      ...keys,
      databases: 1,
      "db-instance-num": 3,
      "log-path": path.join(dir, "log"),
      "db-path": path.join(dir, "db"),
      "dump-path": path.join(dir, "dump"),
      "db-sync-path": path.join(dir, "dbsync"),
      pidfile: path.join(dir, "pika.pid"),
    }),
  );
  const child = spawn(process.execPath, [kitPath("dist", "bin", "pika-reference-server.js"), "-c", conf], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const node: NodeProcess = { name, child, port: Number(keys.port), stopping: false };
  const { stdout, stderr: errors } = child;
  if (!stdout || !errors) throw new Error(`${name}: no pipes to the process`);
  let stderr = "";
  errors.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.once("exit", (code, signal) => {
    if (!node.stopping) crashes.push(`${name} exited (code ${code}, signal ${signal}): ${stderr.trim()}`);
  });
  const ready = await within(
    new Promise<boolean>((resolve) => {
      let out = "";
      stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes(" ready: ")) resolve(true);
      });
      child.once("exit", () => resolve(false));
    }),
    15_000,
  );
  if (ready !== true) {
    child.kill("SIGKILL");
    throw new Error(`${name} did not start: ${stderr.trim() || "no output"}`);
  }
  return node;
}

/** VmHWM of a process (Linux), in MiB. */
function peakRssMiB(pid: number | undefined): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function stopNode(n: NodeProcess): Promise<void> {
  n.stopping = true;
  if (n.child.exitCode !== null || n.child.signalCode !== null) return;
  const exited = new Promise((r) => n.child.once("exit", r));
  n.child.kill("SIGTERM");
  if ((await within(exited, 20_000)) === "timeout") n.child.kill("SIGKILL");
}

// ---------------------------------------------------------------------------------------------

interface RunContext {
  clock: RealClock;
  seed: number;
  masterPort: number;
  slavePort: number;
  fakePort: number;
  proxyPort: number;
  fake: FakeMaster;
  alive: () => boolean;
}

/**
 * One round of `total` frames, a third per target, all three at once, with Redis-protocol
 * attacks on the master's P alongside until the frames are done and every attack has run.
 */
async function fuzzRound(ctx: RunContext, total: number, round: number) {
  const third = Math.floor(total / 3);
  const budgets = {
    master: new Budget(total - 2 * third),
    slave: new Budget(third),
    proxy: new Budget(third),
  };
  const t = { master: tally(), slave: tally(), proxy: tally() };
  const slaveFigures: SlaveFigures = { handshakes: 0, r4Sent: 0, r4Refused: 0 };
  const resp: RespFigures = { attacks: 0, checked: 0, answered: 0, wrong: [] };
  const rng = (k: number) => new Fuzz(new Rng(Math.imul(ctx.seed + round * 1000 + k, 0x9e3779b1) >>> 0));
  const timed = async (tl: Tally, run: () => Promise<unknown>) => {
    const t0 = performance.now();
    await run();
    tl.ms = performance.now() - t0;
  };
  const lanes = (n: number, first: number, port: number, budget: Budget, tl: Tally) =>
    timed(tl, () =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          fuzzMaster(ctx.clock, port, rng(first + i), first + i, budget, tl, ctx.alive),
        ),
      ),
    );
  const started = performance.now();
  let framesDone = false;
  const attacks = (async () => {
    const f = rng(99);
    const seen = new Set<Attack>();
    for (let i = 0; ctx.alive() && (!framesDone || seen.size < new Set(ATTACKS).size); i++) {
      const a = must(ATTACKS[i % ATTACKS.length], `attack ${i % ATTACKS.length}`);
      seen.add(a);
      await respAttack(ctx.clock, ctx.masterPort, f, a, resp);
    }
  })();
  await Promise.all([
    lanes(MASTER_LANES, 0, ctx.masterPort + REPL_SHIFT, budgets.master, t.master),
    lanes(PROXY_LANES, MASTER_LANES, ctx.proxyPort + REPL_SHIFT, budgets.proxy, t.proxy),
    timed(t.slave, () =>
      fuzzSlave(
        ctx.clock,
        ctx.slavePort,
        ctx.fake,
        ctx.fakePort,
        rng(10),
        budgets.slave,
        t.slave,
        slaveFigures,
        ctx.alive,
      ),
    ),
  ]);
  framesDone = true;
  await attacks;
  return { t, slaveFigures, resp, elapsed: performance.now() - started };
}

function parseFrames(argv: string[]): number {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = must(argv[i], `argument ${i}`);
    if (arg === "--frames") value = argv[++i] ?? "";
    else if (arg.startsWith("--frames=")) value = arg.slice("--frames=".length);
    else value = "";
  }
  if (value === undefined) return 1_000_000;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 3) {
    console.error("usage: npm run bench:fuzz -- [--frames N]   (N: a whole number of frames, at least 3)");
    process.exit(2);
  }
  return n;
}

/** Columns padded to their widest cell; the first left-aligned, the others right-aligned. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(head), ...rows.map(line)].join("\n");
}

const rate = (n: number, ms: number) => Math.round((n * 1000) / Math.max(1, ms)).toLocaleString("en-US");
const mib = (x: number | undefined) => (x === undefined ? "n/a" : `${x.toFixed(0)} MiB`);

async function main(): Promise<void> {
  const total = parseFrames(process.argv.slice(2));
  const limitMs = 120_000 + total / 2;
  const nodes: NodeProcess[] = [];
  const killAll = () => {
    for (const n of nodes)
      if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill("SIGKILL");
  };
  process.once("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(sig, () => {
      killAll();
      process.exit(130);
    });
  const watchdog = setTimeout(() => {
    console.error(`bench:fuzz still running after ${limitMs / 1000} s, giving up`);
    killAll();
    process.exit(1);
  }, limitMs);
  watchdog.unref();

  const seed = seedFrom(process.env.PIKA_SEED);
  const clock = new RealClock(new Rng(seed));
  const crashes: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-fuzz-"));
  const [masterPort, slavePort, fakePort, proxyPort] = [
    await ports.allocate(),
    await ports.allocate(),
    await ports.allocate(),
    await ports.allocate(),
  ];
  const threads: Thread[] = [];
  let fakeMaster: FakeMaster | undefined;
  try {
    const master = await startNode("master", path.join(dir, "master"), { port: masterPort }, crashes);
    nodes.push(master);
    const slave = await startNode(
      "slave",
      path.join(dir, "slave"),
      { port: slavePort, "replication-id": SLAVE_REPLICATION_ID },
      crashes,
    );
    nodes.push(slave);
    const fake = await FakeMaster.start(clock, fakePort);
    fakeMaster = fake;
    const proxy = await Thread.start("proxy", { masterPort, port: proxyPort }, crashes);
    threads.push(proxy);
    const pinger = await Thread.start(
      "pinger",
      {
        targets: [
          { name: "master P", port: masterPort },
          { name: "slave P", port: slavePort },
          { name: "proxy P'", port: proxyPort },
        ],
      },
      crashes,
    );
    threads.push(pinger);
    // The fuzzer's own thread yields the CPU to the nodes, the proxy and the PING client (Linux
    // nice values are per thread, and those started earlier keep theirs): on a small machine
    // the PING figures then show the nodes' stalls, not the load generator's share of the CPU.
    try {
      os.setPriority(0, 10);
    } catch {
      // Not permitted here: the figures include the competition for the CPU.
    }

    const ctx: RunContext = {
      clock,
      seed,
      masterPort,
      slavePort,
      fakePort,
      proxyPort,
      fake,
      alive: () => crashes.length === 0,
    };
    // A warm-up round, not counted: the nodes compile their decoders and take their first
    // large requests before the PING figures count.
    await fuzzRound(ctx, Math.min(3000, total), 1);
    await pinger.mark<PingStats[]>();
    await new Promise((r) => setTimeout(r, 1000)); // an idle window: the PING figures before fuzzing
    const idle = (await pinger.mark<PingStats[]>()) ?? [];
    const { t, slaveFigures, resp, elapsed } = await fuzzRound(ctx, total, 0);
    const pings = (await pinger.stop<PingStats[]>()) ?? [];
    const proxied = await proxy.stop<{ frames: number; failure?: string }>();
    const rss = { master: peakRssMiB(master.child.pid), slave: peakRssMiB(slave.child.pid) };
    await Promise.all(nodes.map(stopNode));
    if (proxied?.failure) crashes.push(`proxy: ${proxied.failure}`);

    const sent = t.master.frames + t.slave.frames + t.proxy.frames;
    const variant = process.env.PIKA_REFERENCE_VARIANT || "conformant";
    console.log(
      `pika-conformance fuzz: node ${process.version}, ${os.cpus().length} CPU(s), seed ${seed}, reference ${variant}, 127.0.0.1 only`,
    );
    const figures = (name: string, x: Tally) => [
      name,
      x.frames.toLocaleString("en-US"),
      x.malformed.toLocaleString("en-US"),
      rate(x.frames, x.ms),
      String(x.connections),
      String(x.closedByTarget),
      String(x.replies),
      String(x.badReplies),
      String(x.hung + x.connectFailures),
    ];
    console.log(
      table(
        [
          "target",
          "frames",
          "malformed",
          "frames/s",
          "connections",
          "closed by target",
          "replies",
          "undecodable",
          "hung",
        ],
        [
          figures("master P+2000, direct", t.master),
          figures("slave, from a fake master", t.slave),
          figures("master through the proxy", t.proxy),
        ],
      ),
    );
    console.log(
      `total: ${sent.toLocaleString("en-US")} frames in ${(elapsed / 1000).toFixed(1)} s, ${rate(sent, elapsed)} frames/s` +
        (proxied ? `; the proxy decoded ${proxied.frames.toLocaleString("en-US")} frames both ways` : ""),
    );
    console.log(
      `slave: ${slaveFigures.handshakes} full handshakes; R4 headers over max-conn-rbuf-size: ${slaveFigures.r4Sent}, ` +
        `refused at the header: ${slaveFigures.r4Refused}`,
    );
    console.log(
      `master P: ${resp.attacks} Redis-protocol attacks (70 MiB inline, 60 MiB bulk, 65 MiB command, bad lengths, noise); ` +
        `${resp.answered} of ${resp.checked} answered as Redis does` +
        (resp.wrong.length ? `; not: ${resp.wrong.slice(0, 5).join("; ")}` : ""),
    );
    const nodeStall = Math.max(0, ...pings.filter((p) => p.name !== "proxy P'").map((p) => p.maxMs));
    console.log(`longest PING stall while fuzzing (goal under ${STALL_GOAL_MS} ms on the nodes' P):`);
    for (const p of pings) {
      const before = idle.find((i) => i.name === p.name);
      console.log(
        `  ${p.name.padEnd(9)} ${p.maxMs.toFixed(1).padStart(7)} ms   (p99 ${p.p99Ms.toFixed(1)} ms, ${p.pings} pings, ` +
          `${p.failures} lost connections; idle before fuzzing: longest ${before?.maxMs.toFixed(1) ?? "?"} ms)`,
      );
    }
    console.log(`crashes (goal 0): ${crashes.length}${crashes.length ? `\n  ${crashes.join("\n  ")}` : ""}`);
    console.log(
      `peak RSS: master ${mib(rss.master)}, slave ${mib(rss.slave)}, ` +
        `fuzzer process (fuzzer, proxy and PING threads) ${mib(process.resourceUsage().maxRSS / 1024)}`,
    );
    const missed: string[] = [];
    if (crashes.length > 0) missed.push(`${crashes.length} crash(es)`);
    if (pings.length === 0) missed.push("no PING figures");
    else if (nodeStall >= STALL_GOAL_MS) missed.push(`a PING stall of ${nodeStall.toFixed(1)} ms`);
    if (missed.length > 0) {
      console.log(`FAILED: ${missed.join(", ")}`);
      process.exitCode = 1;
    }
  } finally {
    for (const th of threads) await th.stop();
    await fakeMaster?.close();
    await Promise.all(nodes.map(stopNode));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
} else if (workerData.role === "pinger") {
  void pingWorker(workerData.targets);
} else if (workerData.role === "proxy") {
  void proxyWorker(workerData.masterPort, workerData.port);
}
