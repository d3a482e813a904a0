/**
 * Overhead of the wire proxy, as ratios to a direct connection measured in the same run, on a
 * RealClock over loopback (`npm run bench:proxy`).
 *
 * - Latency: MetaSync request → kOk response round trips, one at a time, direct to the master's
 *   P+2000 and through the proxy's P'+2000 (each round trip crosses the proxy twice, so the
 *   latency added per frame is half the difference). p50 and p99.
 * - Throughput: the master streams BinlogSync responses with a 1 KiB binlog to the slave on
 *   P+2000 (decoded and recorded by the proxy), and the same bytes unframed on P (forwarded as
 *   plain bytes). MB/s.
 *
 * The "master" is a small server built here: on P+2000 it answers a MetaSync with a kOk and a
 * BinlogSync request with `session_id` frames; on P it answers a 4-byte count with that many bytes.
 * Runs in well under 30 s (a watchdog fails the run past 30 s) and leaves nothing open.
 */
import type { Socket } from "node:net";
import { RealClock, Rng, seedFrom } from "../harness/clock";
import { connect, Listener, ports, REPL_SHIFT } from "../harness/net";
import { WireProxy } from "../harness/proxy";
import {
  decodeRequest,
  encodeFrame,
  encodeRequest,
  encodeResponse,
  FrameDecoder,
  MsgType,
  req,
  res,
} from "../harness/wire";

const ROUND_TRIPS = 4000;
const WARMUP_ROUND_TRIPS = 1000;
const STREAM_FRAMES = 40_000;
const BINLOG_BYTES = 1024;
const PHASE_BUDGET_MS = 4000;
const ROUNDS = 3;

const slave = { ip: "127.0.0.1", port: 9222 };
const metaSyncReq = encodeFrame(encodeRequest(req.metaSync(slave)));
const metaSyncOk = encodeFrame(
  encodeResponse(
    res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], "r".repeat(40), "x".repeat(50)),
  ),
);
const binlogFrame = encodeFrame(
  encodeResponse(
    res.binlogSync([
      {
        slot: { dbName: "db0", slotId: 0 },
        binlogOffset: { filenum: 1, offset: 4096, term: 0, index: 7 },
        binlog: Buffer.alloc(BINLOG_BYTES, 0x61),
        sessionId: 0,
      },
    ]),
  ),
);

/** Writes `count` copies of `chunk`, honouring backpressure. */
async function stream(socket: Socket, chunk: Buffer, count: number): Promise<void> {
  const batch = Buffer.concat(Array.from({ length: 64 }, () => chunk));
  let left = count;
  while (left > 0 && !socket.destroyed) {
    const n = Math.min(64, left);
    left -= n;
    const ok = socket.write(n === 64 ? batch : batch.subarray(0, n * chunk.length));
    if (!ok) await new Promise((r) => socket.once("drain", r));
  }
}

async function startMaster(clock: RealClock, port: number): Promise<Listener[]> {
  const repl = await Listener.open(clock, port + REPL_SHIFT, (s) => {
    s.setNoDelay(true);
    const decoder = new FrameDecoder();
    s.on("data", (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) {
        const m = decodeRequest(body);
        if (m.type === MsgType.kMetaSync) s.write(metaSyncOk);
        else if (m.type === MsgType.kBinlogSync) void stream(s, binlogFrame, m.binlogSync?.sessionId ?? 0);
      }
    });
    s.on("error", () => {});
  });
  const plain = await Listener.open(clock, port, (s) => {
    s.once(
      "data",
      (chunk: Buffer) => void stream(s, Buffer.alloc(binlogFrame.length, 0x62), chunk.readUInt32BE(0)),
    );
    s.on("error", () => {});
  });
  return [repl, plain];
}

/** Round-trip times in microseconds, one MetaSync at a time. */
async function roundTrips(clock: RealClock, port: number, n: number): Promise<number[]> {
  const s = await connect(clock, port);
  s.setNoDelay(true);
  const decoder = new FrameDecoder();
  const samples: number[] = [];
  let resolveReply: () => void = () => {};
  s.on("data", (chunk: Buffer) => {
    if (decoder.push(chunk).length > 0) resolveReply();
  });
  const deadline = Date.now() + PHASE_BUDGET_MS;
  for (let i = 0; i < n && Date.now() < deadline; i++) {
    const reply = new Promise<void>((r) => {
      resolveReply = r;
    });
    const t0 = process.hrtime.bigint();
    s.write(metaSyncReq);
    await reply;
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  s.destroy();
  return samples;
}

/** MB/s of `frames` frames streamed by the master to a reader on `port`. */
async function throughput(clock: RealClock, port: number, framed: boolean, frames: number): Promise<number> {
  const s = await connect(clock, port);
  const total = frames * binlogFrame.length;
  let got = 0;
  const t0 = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`throughput phase over ${PHASE_BUDGET_MS * 2} ms`)),
      PHASE_BUDGET_MS * 2,
    );
    s.on("data", (chunk: Buffer) => {
      got += chunk.length;
      if (got >= total) {
        clearTimeout(timer);
        resolve();
      }
    });
    if (framed) s.write(encodeFrame(encodeRequest(req.binlogSync(slave, "db0", frames, true))));
    else {
      const count = Buffer.alloc(4);
      count.writeUInt32BE(frames);
      s.write(count);
    }
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  s.destroy();
  return total / 1e6 / seconds;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const x = s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
  if (x === undefined) throw new Error(`bench:proxy: no samples for the ${q} quantile`);
  return x;
};
const median = (xs: number[]) => quantile(xs, 0.5);
const fmt = (x: number, digits = 1) => x.toFixed(digits).padStart(9);

/** Runs `fn` with a fresh proxy in front of the master (each phase starts with an empty recording). */
async function withProxy<T>(
  clock: RealClock,
  masterPort: number,
  fn: (proxy: WireProxy) => Promise<T>,
): Promise<T> {
  const proxy = await WireProxy.start(clock, masterPort);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error("bench:proxy ran over 30 s");
    process.exit(1);
  }, 30_000);
  watchdog.unref();
  const started = Date.now();
  const seed = seedFrom(process.env.PIKA_SEED);
  const clock = new RealClock(new Rng(seed));
  const masterPort = await ports.allocate();
  const listeners = await startMaster(clock, masterPort);
  try {
    const directRepl = masterPort + REPL_SHIFT;
    const rtt = { direct: [] as number[], proxied: [] as number[] };
    await withProxy(clock, masterPort, async (proxy) => {
      await roundTrips(clock, directRepl, WARMUP_ROUND_TRIPS);
      await roundTrips(clock, proxy.replPort, WARMUP_ROUND_TRIPS);
      for (let round = 0; round < 2; round++) {
        rtt.direct.push(...(await roundTrips(clock, directRepl, ROUND_TRIPS / 2)));
        rtt.proxied.push(...(await roundTrips(clock, proxy.replPort, ROUND_TRIPS / 2)));
      }
    });
    // Throughput: ROUNDS alternating direct/proxied runs per port; the median of each.
    const mb = {
      directRepl: [] as number[],
      proxiedRepl: [] as number[],
      directPlain: [] as number[],
      proxiedPlain: [] as number[],
    };
    for (let round = 0; round <= ROUNDS; round++) {
      const warmup = round === 0;
      const frames = warmup ? STREAM_FRAMES / 10 : STREAM_FRAMES;
      const dRepl = await throughput(clock, directRepl, true, frames);
      const pRepl = await withProxy(clock, masterPort, (proxy) =>
        throughput(clock, proxy.replPort, true, frames),
      );
      const dPlain = await throughput(clock, masterPort, false, frames);
      const pPlain = await withProxy(clock, masterPort, (proxy) =>
        throughput(clock, proxy.port, false, frames),
      );
      if (warmup) continue;
      mb.directRepl.push(dRepl);
      mb.proxiedRepl.push(pRepl);
      mb.directPlain.push(dPlain);
      mb.proxiedPlain.push(pPlain);
    }

    const p = quantile;
    const m = {
      directRepl: median(mb.directRepl),
      proxiedRepl: median(mb.proxiedRepl),
      directPlain: median(mb.directPlain),
      proxiedPlain: median(mb.proxiedPlain),
    };
    console.log(`proxy overhead: RealClock, 127.0.0.1, node ${process.version}, seed ${seed}`);
    console.log(
      `latency: MetaSync → kOk round trips (µs), ${rtt.direct.length} direct and ${rtt.proxied.length} proxied, interleaved`,
    );
    console.log(`                p50       p99`);
    console.log(`direct    ${fmt(p(rtt.direct, 0.5))} ${fmt(p(rtt.direct, 0.99))}`);
    console.log(`proxied   ${fmt(p(rtt.proxied, 0.5))} ${fmt(p(rtt.proxied, 0.99))}`);
    console.log(
      `ratio     ${fmt(p(rtt.proxied, 0.5) / p(rtt.direct, 0.5), 2)}× ${fmt(p(rtt.proxied, 0.99) / p(rtt.direct, 0.99), 2)}×`,
    );
    console.log(
      `added per frame (half the round-trip difference): p50 ${((p(rtt.proxied, 0.5) - p(rtt.direct, 0.5)) / 2).toFixed(1)} µs, p99 ${((p(rtt.proxied, 0.99) - p(rtt.direct, 0.99)) / 2).toFixed(1)} µs`,
    );
    console.log(
      `throughput: ${STREAM_FRAMES} frames of ${binlogFrame.length} bytes (BinlogSync, ${BINLOG_BYTES} B binlog), master → slave, MB/s, median of ${ROUNDS} interleaved runs`,
    );
    console.log(`             P+2000 decoded    P plain`);
    console.log(`direct      ${fmt(m.directRepl)}      ${fmt(m.directPlain)}`);
    console.log(`proxied     ${fmt(m.proxiedRepl)}      ${fmt(m.proxiedPlain)}`);
    console.log(
      `ratio       ${fmt(m.proxiedRepl / m.directRepl, 2)}×     ${fmt(m.proxiedPlain / m.directPlain, 2)}×`,
    );
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
