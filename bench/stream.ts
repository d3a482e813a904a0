/**
 * `npm run bench:stream -- --pika-bin PATH [--pika-bin PATH ...] [--writes N] [--keys K]`: binlog
 * streaming and full-sync throughput, the reference server against real Pika builds on the same
 * machine, in one run.
 *
 * For each target a master and a slave are linked by SLAVEOF (no proxy). N SETs are sent to the
 * master in pipelines of 100; the figure is N divided by the time from the first SET to the
 * slave answering the last one's value (writes/s from SET on the master to GET on the slave),
 * with the replication lag (last acknowledgement on the master to the value on the slave) and
 * whether the slave then holds all N keys. Ratios are the reference's figure over each build's.
 * Full sync: K keys of 1 KiB values are written to a master first; then a new slave (no
 * replication_id, so its first sync is a full one) is told SLAVEOF it. The figure is the keys'
 * bytes (key and value) over the time from SLAVEOF to the slave answering the last key: MB/s of
 * data, the same account for every implementation whatever its snapshot's format.
 * The reference runs as its own process (bin/pika-reference-server), as the real builds do.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../harness/clock";
import { linksUpWithin, slaveof } from "../harness/pair";
import { kitPath } from "../harness/root";
import type { Admin } from "../harness/targets/admin";
import { createTarget, loadSettings } from "../harness/targets/select";
import { Trace } from "../harness/trace/trace";

interface Figure {
  label: string;
  writesPerS: number;
  lagMs: number;
  held: number;
  fullSync: { mbPerS: number; seconds: number; held: number };
}

const BATCH = 100;

const targetOf = (bin: string) =>
  createTarget(1, loadSettings({ ...process.env, PIKA_TARGET: "binary", PIKA_BIN: bin }));

/** How many of keys[from, to) `node` holds with the value `value(i)`, read by MGET in batches. */
async function countHeld(
  node: Admin,
  count: number,
  key: (i: number) => string,
  value: (i: number) => string,
): Promise<number> {
  let held = 0;
  for (let from = 0; from < count; from += 1000) {
    const ids = Array.from({ length: Math.min(1000, count - from) }, (_, k) => from + k);
    const values = (await node.call("MGET", ...ids.map(key))) as unknown[];
    held += ids.filter((i, k) => values[k] === value(i)).length;
  }
  return held;
}

/** SETs key(i) = value(i) for i < count on `node`, in pipelines of BATCH. */
async function setAll(
  label: string,
  node: Admin,
  count: number,
  key: (i: number) => string,
  value: (i: number) => string,
) {
  for (let from = 0; from < count; from += BATCH) {
    const n = Math.min(BATCH, count - from);
    const replies = await node.pipeline(
      Array.from({ length: n }, (_, k) => ["SET", key(from + k), value(from + k)]),
    );
    const bad = replies.find((r) => r !== "OK");
    if (bad !== undefined) throw new Error(`${label}: the master refused a SET: ${String(bad)}`);
  }
}

async function measureFullSync(label: string, bin: string, keys: number): Promise<Figure["fullSync"]> {
  await using target = await targetOf(bin);
  const clock = target.clock;
  const master = await target.startNode("master");
  const slave = await target.startNode("slave");
  const [m, s] = [await master.admin(), await slave.admin()];
  try {
    const key = (i: number) => `full:${i}`;
    const pad = "v".repeat(1024);
    const value = (i: number) => `${i}:${pad}`;
    await setAll(label, m, keys, key, value);
    const bytes = Array.from({ length: keys }, (_, i) => key(i).length + value(i).length).reduce(
      (a, b) => a + b,
      0,
    );
    const started = performance.now();
    await slaveof(slave, new Trace(clock), "127.0.0.1", String(master.port));
    await clock.within(
      300,
      async () => (await s.call("GET", key(keys - 1))) === value(keys - 1),
      `${label}: the last key on the new slave after its full sync`,
    );
    const seconds = (performance.now() - started) / 1000;
    return { mbPerS: bytes / 1e6 / seconds, seconds, held: await countHeld(s, keys, key, value) };
  } finally {
    m.close();
    s.close();
  }
}

async function measure(label: string, bin: string, writes: number, keys: number): Promise<Figure> {
  const fullSync = await measureFullSync(label, bin, keys);
  await using target = await targetOf(bin);
  const clock = target.clock;
  const id = new Rng(7).hex(50);
  const master = await target.startNode("master", { replicationId: id });
  const slave = await target.startNode("slave", { replicationId: id });
  await slaveof(slave, new Trace(clock), "127.0.0.1", String(master.port));
  await linksUpWithin(clock, [slave], 20);
  const [m, s] = [await master.admin(), await slave.admin()];
  try {
    const key = (i: number) => `bench:${i}`;
    const started = performance.now();
    await setAll(label, m, writes, key, String);
    const acked = performance.now();
    const last = String(writes - 1);
    await clock.within(
      60,
      async () => (await s.call("GET", key(writes - 1))) === last,
      `${label}: the last write on the slave`,
    );
    const seen = performance.now();
    const held = await countHeld(s, writes, key, String);
    return { label, writesPerS: writes / ((seen - started) / 1000), lagMs: seen - acked, held, fullSync };
  } finally {
    m.close();
    s.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      "pika-bin": { type: "string", multiple: true },
      writes: { type: "string", default: "20000" },
      keys: { type: "string", default: "20000" },
    },
  });
  const [writes, keys] = [Number(values.writes), Number(values.keys)];
  if (!Number.isInteger(writes) || writes < BATCH || !Number.isInteger(keys) || keys < 1) {
    console.error(
      `usage: npm run bench:stream -- --pika-bin PATH [...] [--writes N>=${BATCH}] [--keys K>=1]`,
    );
    return 2;
  }
  const figures: Figure[] = [
    await measure("reference", kitPath("bin", "pika-reference-server"), writes, keys),
  ];
  for (const bin of values["pika-bin"] ?? [])
    figures.push(
      await measure(
        `Pika ${path.basename(path.dirname(path.resolve(bin)))}`,
        path.resolve(bin),
        writes,
        keys,
      ),
    );
  const ref = figures[0] as Figure;
  console.log(`binlog streaming, ${writes} SETs in pipelines of ${BATCH}, master to slave on loopback:`);
  for (const f of figures)
    console.log(
      `  ${f.label.padEnd(26)} ${f.writesPerS.toFixed(0).padStart(8)} writes/s, lag ${f.lagMs.toFixed(0)} ms, ` +
        `slave holds ${f.held}/${writes}` +
        (f === ref ? "" : `; reference/this = ${(ref.writesPerS / f.writesPerS).toFixed(2)}`),
    );
  console.log(
    `full sync of a new slave, ${keys} keys of 1 KiB values, SLAVEOF to the last key on the slave:`,
  );
  for (const f of figures)
    console.log(
      `  ${f.label.padEnd(26)} ${f.fullSync.mbPerS.toFixed(1).padStart(8)} MB/s of data, ${f.fullSync.seconds.toFixed(2)} s, ` +
        `slave holds ${f.fullSync.held}/${keys}` +
        (f === ref ? "" : `; reference/this = ${(ref.fullSync.mbPerS / f.fullSync.mbPerS).toFixed(2)}`),
    );
  return figures.every((f) => f.held === writes && f.fullSync.held === keys) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:stream: ${(err as Error).message}`);
    process.exit(2);
  },
);
