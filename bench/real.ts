/**
 * `npm run bench:real -- --pika-bin PATH [--runs N] [-- CLI options]`: the real-Pika figures of a
 * build, from runs of the pika-conformance CLI in one sitting, each in a process of its own.
 *
 *   (a) the whole suite, @slow and @destructive included, with the default workers: its wall
 *       time as a ratio to its longest scenario (goal: at most 1.15; the 180-200 s idle windows
 *       are real time on a real binary);
 *   (b) the suite without @slow, N times (at least 5) with fresh seeds and different --parallel:
 *       each pass's wall time (goal: at most 60 s on 2 cores), and every scenario whose verdict
 *       changed between passes (goal: none; the bench exits 1 when one did).
 *
 * Reports go to reports/bench-real/<pass>/; each pass's verdicts.json is what is compared.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { runCliProcess } from "../bin/runner";
import { type VerdictFile, verdictChanges } from "../harness/report/outcome";

const WORKERS = [16, 12, 20, 16, 12];

function main(argv: string[]): number {
  const split = argv.indexOf("--");
  const { values } = parseArgs({
    args: split < 0 ? argv : argv.slice(0, split),
    options: {
      "pika-bin": { type: "string" },
      runs: { type: "string", default: "5" },
      "report-dir": { type: "string", default: "reports/bench-real" },
      "skip-full": { type: "boolean" },
    },
  });
  const bin = values["pika-bin"];
  const runs = Number(values.runs);
  if (!bin || !Number.isInteger(runs) || runs < 2) {
    console.error(
      "usage: npm run bench:real -- --pika-bin PATH [--runs N>=2] [--skip-full] [-- CLI options]",
    );
    return 2;
  }
  const extra = split < 0 ? [] : argv.slice(split + 1);
  const root = path.resolve(values["report-dir"] as string);
  fs.rmSync(root, { recursive: true, force: true });
  const pass = (label: string, env: Record<string, string>, args: string[]): VerdictFile => {
    const started = Date.now();
    const r = runCliProcess(
      ["--target", "binary", "--pika-bin", bin, ...args, ...extra],
      { PIKA_DESTRUCTIVE: "1", ...env },
      path.join(root, label),
    );
    console.log(`${label}: ${r.last} in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${r.status})`);
    return r.verdicts;
  };
  const lines: string[] = [];
  if (!values["skip-full"]) {
    const full = pass("full", { PIKA_SLOW: "1" }, []);
    const longest = full.scenarios.reduce((a, s) => ((s.seconds ?? 0) > (a.seconds ?? 0) ? s : a));
    lines.push(
      `(a) whole suite, ${full.workers} workers: ${full.wallSeconds.toFixed(1)} s; longest scenario ${longest.id} ` +
        `${(longest.seconds ?? 0).toFixed(1)} s; ratio ${(full.wallSeconds / (longest.seconds || 1)).toFixed(2)} (goal <= 1.15)`,
    );
  }
  const quick: VerdictFile[] = [];
  for (let i = 0; i < runs; i++) {
    const workers = WORKERS[i % WORKERS.length] as number;
    quick.push(pass(`quick-${i + 1}`, { PIKA_SLOW: "0" }, ["--parallel", String(workers)]));
  }
  for (const [i, q] of quick.entries())
    lines.push(
      `(b) pass ${i + 1} without @slow, ${q.workers} workers: ${q.wallSeconds.toFixed(1)} s (goal <= 60 s)`,
    );
  const changed = verdictChanges(quick);
  lines.push(`(b) scenarios whose verdict changed across ${runs} passes: ${changed.length} (goal 0)`);
  for (const c of changed) lines.push(`    ${c.id}: ${c.verdicts.join(", ")}`);
  console.log(`\n${lines.join("\n")}`);
  return changed.length ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
