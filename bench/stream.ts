/**
 * `npm run bench:stream -- --pika-bin PATH [--pika-bin PATH ...] [--writes N]`: binlog streaming
 * throughput, the reference server against real Pika builds on the same machine, in one run.
 *
 * For each target a master and a slave are linked by SLAVEOF (no proxy). N SETs are sent to the
 * master in pipelines of 100; the figure is N divided by the time from the first SET to the
 * slave answering the last one's value (writes/s from SET on the master to GET on the slave),
 * with the replication lag (last acknowledgement on the master to the value on the slave) and
 * whether the slave then holds all N keys. Ratios are the reference's figure over each build's.
 * The reference runs as its own process (bin/pika-reference-server), as the real builds do.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { Rng } from "../harness/clock";
import { linksUpWithin, slaveof } from "../harness/pair";
import { kitPath } from "../harness/root";
import { createTarget, loadSettings } from "../harness/targets/select";
import { Trace } from "../harness/trace/trace";

interface Figure {
  label: string;
  writesPerS: number;
  lagMs: number;
  held: number;
}

const BATCH = 100;

async function measure(label: string, bin: string, writes: number): Promise<Figure> {
  await using target = await createTarget(
    1,
    loadSettings({ ...process.env, PIKA_TARGET: "binary", PIKA_BIN: bin }),
  );
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
    for (let from = 0; from < writes; from += BATCH) {
      const n = Math.min(BATCH, writes - from);
      const replies = await m.pipeline(
        Array.from({ length: n }, (_, k) => ["SET", key(from + k), String(from + k)]),
      );
      const bad = replies.find((r) => r !== "OK");
      if (bad !== undefined) throw new Error(`${label}: the master refused a SET: ${String(bad)}`);
    }
    const acked = performance.now();
    const last = String(writes - 1);
    await clock.within(
      60,
      async () => (await s.call("GET", key(writes - 1))) === last,
      `${label}: the last write on the slave`,
    );
    const seen = performance.now();
    let held = 0;
    for (let from = 0; from < writes; from += 1000) {
      const ids = Array.from({ length: Math.min(1000, writes - from) }, (_, k) => from + k);
      const values = (await s.call("MGET", ...ids.map(key))) as unknown[];
      held += ids.filter((i, k) => values[k] === String(i)).length;
    }
    return { label, writesPerS: writes / ((seen - started) / 1000), lagMs: seen - acked, held };
  } finally {
    m.close();
    s.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { "pika-bin": { type: "string", multiple: true }, writes: { type: "string", default: "20000" } },
  });
  const writes = Number(values.writes);
  if (!Number.isInteger(writes) || writes < BATCH) {
    console.error(`usage: npm run bench:stream -- --pika-bin PATH [...] [--writes N>=${BATCH}]`);
    return 2;
  }
  const figures: Figure[] = [await measure("reference", kitPath("bin", "pika-reference-server"), writes)];
  for (const bin of values["pika-bin"] ?? [])
    figures.push(
      await measure(`Pika ${path.basename(path.dirname(path.resolve(bin)))}`, path.resolve(bin), writes),
    );
  const ref = figures[0] as Figure;
  console.log(`binlog streaming, ${writes} SETs in pipelines of ${BATCH}, master to slave on loopback:`);
  for (const f of figures)
    console.log(
      `  ${f.label.padEnd(26)} ${f.writesPerS.toFixed(0).padStart(8)} writes/s, lag ${f.lagMs.toFixed(0)} ms, ` +
        `slave holds ${f.held}/${writes}` +
        (f === ref ? "" : `; reference/this = ${(ref.writesPerS / f.writesPerS).toFixed(2)}`),
    );
  return figures.every((f) => f.held === writes) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:stream: ${(err as Error).message}`);
    process.exit(2);
  },
);
