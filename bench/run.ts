/**
 * `npm run bench`: figures measured in one run, each printed with its ratio to (a).
 *
 *   (a)   round trips per second of a plain TCP echo on loopback (one connection, ping-pong of
 *         16-byte messages): the floor set by Node's event loop and the kernel.
 *   (b)   handshakes per second against the reference master on a real clock: connect to
 *         P+2000, MetaSync, kOk, close; with 1 and with 64 concurrent probe slaves, each
 *         announcing its own ip:port.
 *   (c)   encodes and decodes per second of a MetaSync frame (the codec alone, no I/O).
 *
 * The probe side uses raw sockets and harness/wire rather than ProbeSlave: ProbeSlave waits for
 * replies with `clock.within`, which on a real clock polls every few milliseconds, so it would
 * measure the poll interval instead of the master. A benchmark prints figures; it is never a
 * timed test. Every phase is bounded in time; the whole run takes about 15 s.
 */
import type * as net from "node:net";
import * as os from "node:os";
import { RealClock, Rng, seedFrom } from "../harness/clock";
import { connect, Listener, ports } from "../harness/net";
import { PikaConf } from "../harness/reference/conf";
import { ReferenceNode } from "../harness/reference/node";
import {
  decodeRequest,
  decodeResponse,
  encodeFrame,
  encodeRequest,
  FrameDecoder,
  MsgType,
  type PNode,
  req,
  StatusCode,
} from "../harness/wire";

const PHASE_MS = 2000;
const WARMUP_MS = 300;
const HARD_LIMIT_MS = 30_000;

interface Figure {
  label: string;
  unit: string;
  count: number;
  ms: number;
}
const rate = (f: Figure) => (f.count * 1000) / f.ms;

/** Runs `once` back to back until `ms` have passed; returns how many completed and the time. */
async function timed(ms: number, once: () => Promise<void>): Promise<{ count: number; ms: number }> {
  const start = performance.now();
  const end = start + ms;
  let count = 0;
  while (performance.now() < end) {
    await once();
    count++;
  }
  return { count, ms: performance.now() - start };
}

/** (a) Plain TCP echo on loopback: one connection, one 16-byte message in flight at a time. */
async function echo(clock: RealClock): Promise<Figure> {
  const listener = await Listener.open(clock, 0, (s) => {
    s.setNoDelay(true);
    s.on("data", (d) => s.write(d));
  });
  const { port } = listener.server.address() as net.AddressInfo;
  const client = await connect(clock, port);
  client.setNoDelay(true);
  const message = Buffer.alloc(16, 0x61);
  let waiting: (() => void) | undefined;
  let received = 0;
  client.on("data", (d: Buffer) => {
    received += d.length;
    if (received >= message.length && waiting) {
      received -= message.length;
      const done = waiting;
      waiting = undefined;
      done();
    }
  });
  const roundTrip = () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      client.write(message);
    });
  try {
    await timed(WARMUP_MS, roundTrip);
    const r = await timed(PHASE_MS, roundTrip);
    return { label: "(a)  TCP echo, 1 connection", unit: "round trips/s", ...r };
  } finally {
    client.destroy();
    await listener.close();
  }
}

/** One handshake: connect to P+2000, send MetaSync, wait for its kOk, close and see the close. */
async function handshake(clock: RealClock, replPort: number, frame: Buffer): Promise<void> {
  const socket = await connect(clock, replPort);
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    const decoder = new FrameDecoder();
    let ok = false;
    socket.on("error", reject);
    socket.on("close", () => (ok ? resolve() : reject(new Error("connection closed before kOk"))));
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const body of decoder.push(chunk)) {
          const m = decodeResponse(body);
          if (m.type !== MsgType.kMetaSync) continue;
          if (m.code !== StatusCode.kOk)
            throw new Error(`MetaSync answered ${StatusCode[m.code]} ${m.reply ?? ""}`);
          ok = true;
          socket.end();
        }
      } catch (err) {
        socket.destroy();
        reject(err);
      }
    });
    socket.write(frame);
  });
}

/** (b) Handshakes per second against a reference master with `concurrency` probe slaves. */
async function handshakes(clock: RealClock, replPort: number, concurrency: number): Promise<Figure> {
  const frames = Array.from({ length: concurrency }, (_, i) =>
    encodeFrame(encodeRequest(req.metaSync({ ip: "127.0.0.1", port: 40000 + i }))),
  );
  const run = async (ms: number) => {
    const start = performance.now();
    const counts = await Promise.all(frames.map((f) => timed(ms, () => handshake(clock, replPort, f))));
    return { count: counts.reduce((n, c) => n + c.count, 0), ms: performance.now() - start };
  };
  await run(WARMUP_MS);
  const r = await run(PHASE_MS);
  const who = concurrency === 1 ? "1 probe slave" : `${concurrency} probe slaves`;
  return { label: `(b)  handshake, ${who}`, unit: "handshakes/s", ...r };
}

/** Runs a synchronous operation in batches until `ms` have passed. */
function timedSync(ms: number, op: () => number): { count: number; ms: number; sink: number } {
  const start = performance.now();
  const end = start + ms;
  let count = 0;
  let sink = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) sink += op();
    count += 1000;
  }
  return { count, ms: performance.now() - start, sink };
}

/** (c) Encode and decode of a MetaSync frame (the worked frame of pika-protocol.md §1.5). */
function codec(): Figure[] {
  const node: PNode = { ip: "127.0.0.1", port: 9222 };
  const encode = () => encodeFrame(encodeRequest(req.metaSync(node))).length;
  const frame = encodeFrame(encodeRequest(req.metaSync(node)));
  const decoder = new FrameDecoder();
  const decode = () => {
    let n = 0;
    for (const body of decoder.push(frame)) n += decodeRequest(body).metaSync?.node.port ?? 0;
    return n;
  };
  if (decode() !== 9222) throw new Error("the MetaSync frame does not decode to itself");
  timedSync(WARMUP_MS, encode);
  const e = timedSync(PHASE_MS / 2, encode);
  timedSync(WARMUP_MS, decode);
  const d = timedSync(PHASE_MS / 2, decode);
  if (e.sink === 0 || d.sink === 0) throw new Error("codec produced nothing");
  return [
    { label: "(c)  encode MetaSync frame", unit: "ops/s", count: e.count, ms: e.ms },
    { label: "(c)  decode MetaSync frame", unit: "ops/s", count: d.count, ms: d.ms },
  ];
}

/** `value`, or an Error naming `what` was missing. */
function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`bench: no ${what}`);
  return value;
}

function table(figures: Figure[]): string {
  const first = must(figures[0], "figure (a) to take ratios to");
  const base = rate(first);
  const rows = figures.map((f) => [
    f.label,
    Math.round(rate(f)).toLocaleString("en-US"),
    f.unit,
    `${f.count.toLocaleString("en-US")} in ${(f.ms / 1000).toFixed(2)} s`,
    (rate(f) / base).toFixed(f === first ? 2 : rate(f) / base >= 10 ? 1 : 3),
  ]);
  const head = ["figure", "rate", "unit", "measured", "ratio to (a)"];
  const widths = head.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => must(r[i], `cell "${h}" in a row`).length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const width = must(widths[i], `width for column ${i}`);
        return i === 1 || i === 4 ? c.padStart(width) : c.padEnd(width);
      })
      .join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${HARD_LIMIT_MS / 1000} s, giving up`);
    process.exit(1);
  }, HARD_LIMIT_MS);
  watchdog.unref();
  const started = performance.now();
  const seed = seedFrom(process.env.PIKA_SEED);
  const clock = new RealClock(new Rng(seed));

  const figures: Figure[] = [await echo(clock)];

  const port = await ports.allocate();
  const conf = new PikaConf(undefined, PikaConf.render({ port, databases: 1, "db-instance-num": 3 }));
  const node = new ReferenceNode(conf, clock);
  await node.start();
  try {
    figures.push(await handshakes(clock, node.replPort, 1));
    figures.push(await handshakes(clock, node.replPort, 64));
  } finally {
    await node.stop();
  }

  figures.push(...codec());

  console.log(
    `pika-conformance bench: node ${process.version}, ${os.cpus().length} CPU(s), seed ${seed}, ` +
      `reference master on 127.0.0.1:${port + 2000}`,
  );
  console.log(table(figures));
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
