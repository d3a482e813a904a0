/**
 * Retry-storm figures: the half-open reconnect of #2291, 8 slaves losing their master at
 * once and a BinlogSync response lost on the wire, on the conformant reference, on its kOther variant and its pika-4.0 and pika-3.5 profiles, on each real
 * Pika binary given with --pika-bin, and on the target of the environment when PIKA_TARGET names
 * a real one: MetaSync attempts and time to recovery, and of the writes made before and during
 * the fault, how many each slave lost or applied twice and when it held every one of them once.
 * Prints a table and writes <out>/storm.md and <out>/storm-timeline.svg. A real build takes about
 * 4 minutes: its half-open case lasts until the master's 180 s idle close.
 *
 * usage: storm [--pika-bin PATH ...] [--out DIR]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { seedFrom } from "../harness/clock";
import { type Panel, timelineSvg } from "../harness/report/timeline";
import {
  type CaseResult,
  firstAttemptSpread,
  halfOpenCase,
  lostFrameCase,
  stormCase,
} from "../harness/storm";
import { createTarget, loadSettings } from "../harness/targets/select";

interface Column {
  label: string;
  env: NodeJS.ProcessEnv;
}

function columns(bins: string[]): Column[] {
  const base = { ...process.env, PIKA_TARGET: "reference" };
  const cols: Column[] = [
    { label: "reference", env: { ...base, PIKA_REFERENCE_VARIANT: "" } },
    { label: "reference dup-kother", env: { ...base, PIKA_REFERENCE_VARIANT: "dup-kother" } },
    { label: "reference pika-4.0", env: { ...base, PIKA_REFERENCE_VARIANT: "pika-4.0" } },
    { label: "reference pika-3.5", env: { ...base, PIKA_REFERENCE_VARIANT: "pika-3.5" } },
  ];
  for (const bin of bins)
    cols.push({
      label: `Pika ${path.basename(path.dirname(path.resolve(bin)))}`,
      env: { ...process.env, PIKA_TARGET: "binary", PIKA_BIN: path.resolve(bin), PIKA_REFERENCE_VARIANT: "" },
    });
  if (process.env.PIKA_TARGET && process.env.PIKA_TARGET !== "reference")
    cols.push({
      label: `${process.env.PIKA_TARGET} ${process.env.PIKA_VERSION ?? ""}`.trim(),
      env: process.env,
    });
  return cols;
}

async function measure(
  col: Column,
  run: (t: Awaited<ReturnType<typeof createTarget>>) => Promise<CaseResult>,
): Promise<CaseResult> {
  await using target = await createTarget(seedFrom(process.env.PIKA_SEED), loadSettings(col.env));
  return await run(target); // awaited here, so the target is disposed after the case, not before
}

const fmt = (n: number | undefined, d = 1) => (n === undefined ? "-" : n.toFixed(d));

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: "string" }, "pika-bin": { type: "string", multiple: true } },
  });
  const rows: string[][] = [];
  const panels: Panel[] = [];
  for (const col of columns(values["pika-bin"] ?? [])) {
    for (const run of [
      (t: Parameters<typeof halfOpenCase>[0]) => halfOpenCase(t),
      (t: Parameters<typeof stormCase>[0]) => stormCase(t),
      (t: Parameters<typeof lostFrameCase>[0]) => lostFrameCase(t),
    ]) {
      const r = await measure(col, run);
      const recovered = r.recoveries.filter((x) => x.recoveredS !== undefined);
      const attempts = r.recoveries.map((x) => x.attempts);
      const times = recovered.map((x) => x.recoveredS as number);
      const most = (f: (d: (typeof r.data)[number]) => number) => String(Math.max(...r.data.map(f)));
      const converged = r.data.map((d) => d.convergedS);
      rows.push([
        r.case,
        col.label,
        String(r.recoveries.length),
        `${recovered.length}/${r.recoveries.length}`,
        String(Math.max(...attempts)),
        times.length ? fmt(Math.max(...times)) : `> ${r.horizonS}`,
        fmt(firstAttemptSpread(r.recoveries), 2),
        String(r.data[0]?.written ?? 0),
        most((d) => d.lost),
        most((d) => d.appliedTwice),
        converged.every((c) => c !== undefined) ? fmt(Math.max(...converged)) : `> ${r.horizonS}`,
      ]);
      panels.push({ title: `${r.case} — ${col.label}`, recoveries: r.recoveries, horizonS: r.horizonS });
      console.log(`measured ${r.case} on ${col.label}`);
    }
  }
  const head = [
    "case",
    "target",
    "slaves",
    "recovered",
    "MetaSync per slave (max)",
    "recovery s (max)",
    "first-attempt spread s",
    "writes",
    "lost (max)",
    "applied twice (max)",
    "all writes once after s (max)",
  ];
  const table = [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
  const dir = path.resolve(values.out ?? "reports");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "storm.md"), `# Reconnection figures\n\n${table}\n`);
  fs.writeFileSync(path.join(dir, "storm-timeline.svg"), timelineSvg(panels));
  console.log(
    `\n${table}\n\nwrote ${path.relative(process.cwd(), dir) || "."}/storm.md and storm-timeline.svg`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`storm: ${(err as Error).message}`);
    process.exit(2);
  },
);
