/**
 * The conformance matrix: scenario × column verdicts, as Markdown and HTML.
 *
 * usage: matrix [--column 'LABEL[:KEY=VALUE,...]' ...] [--from 'LABEL=verdicts.json' ...]
 *               [--same 'LABEL=LABEL' ...] [--out DIR] [--strict]
 *
 * --column runs the pika-conformance CLI once, in a process of its own, with the kit's settings
 * as environment variables (PIKA_TARGET, PIKA_BIN, PIKA_IMAGE, PIKA_REFERENCE_VARIANT, PIKA_SLOW,
 * PIKA_LEDGER=NAME|none, ...): the build is identified and judged as the CLI does. --from takes
 * the verdicts.json of a run already made (CI builds its matrix from the passes it ran). --same
 * A=B exits 1, listing every scenario, when the two columns' verdicts differ: CI keeps the
 * reference's pika-4.0 profile identical to a real Pika 4.0.1 that way. Default columns: the
 * reference, its pika-4.0 profile judged by the 4.0.1 ledger, and its pika-3.5 profile judged by
 * the 3.5.5 ledger. After them, always, one column per Pika release family (3.3, 3.4, 3.5, 4.0):
 * the verdicts its newest release's ledger predicts (expected-fail for a deviation, pass for a
 * pass), labelled "from the ledger, not a run"; --same never needs them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadLedgers } from "../harness/report/ledger";
import {
  type Column,
  columnDifferences,
  familyLedgers,
  ledgerColumn,
  matrixHtml,
  matrixMarkdown,
} from "../harness/report/matrix";
import type { VerdictFile } from "../harness/report/outcome";
import { loadScenarios } from "../harness/spec/scenarios";
import { runCliProcess } from "./runner";

const DEFAULT_COLUMNS = [
  "reference",
  "reference, pika-4.0 profile:PIKA_REFERENCE_VARIANT=pika-4.0,PIKA_LEDGER=4.0.1",
  "reference, pika-3.5 profile:PIKA_REFERENCE_VARIANT=pika-3.5,PIKA_LEDGER=3.5.5",
];

export function parseColumn(spec: string): { label: string; env: Record<string, string> } {
  const colon = spec.lastIndexOf(":");
  const hasEnv = colon >= 0 && /^[A-Z_]+=/.test(spec.slice(colon + 1));
  const label = hasEnv ? spec.slice(0, colon) : spec;
  const env: Record<string, string> = {};
  if (hasEnv)
    for (const kv of spec.slice(colon + 1).split(",")) {
      const eq = kv.indexOf("=");
      if (eq <= 0) throw new Error(`column "${spec}": "${kv}" is not KEY=VALUE`);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  return { label, env };
}

function pair(spec: string, what: string): [string, string] {
  const eq = spec.lastIndexOf("=");
  if (eq <= 0 || eq === spec.length - 1) throw new Error(`${what} "${spec}" is not LABEL=VALUE`);
  return [spec.slice(0, eq), spec.slice(eq + 1)];
}

function readVerdicts(file: string, label: string): Column {
  if (!fs.existsSync(file)) throw new Error(`column "${label}": ${file} does not exist`);
  const v = JSON.parse(fs.readFileSync(file, "utf8")) as VerdictFile;
  return { label, judged: v.scenarios, traces: path.join(path.dirname(file), "traces") };
}

/** One CLI run for a column; its reports go to <out>/columns/<label>/. */
function runColumn(label: string, env: Record<string, string>, out: string, strict: boolean): Column {
  const dir = path.join(out, "columns", label.replace(/[^A-Za-z0-9.-]+/g, "_"));
  const r = runCliProcess(strict ? ["--strict"] : [], { PIKA_REFERENCE_VARIANT: undefined, ...env }, dir);
  console.log(r.last);
  return { label, judged: r.verdicts.scenarios, traces: path.join(dir, "traces") };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      column: { type: "string", multiple: true },
      from: { type: "string", multiple: true },
      same: { type: "string", multiple: true },
      out: { type: "string" },
      strict: { type: "boolean" },
    },
  });
  const out = path.resolve(values.out ?? "reports");
  const columns: Column[] = [];
  const specs = values.column ?? (values.from?.length ? [] : DEFAULT_COLUMNS);
  for (const { label, env } of specs.map(parseColumn)) {
    process.stdout.write(`running column "${label}" ... `);
    columns.push(runColumn(label, env, out, values.strict ?? false));
  }
  for (const spec of values.from ?? []) {
    const [label, file] = pair(spec, "--from");
    columns.push(readVerdicts(path.resolve(file), label));
  }
  fs.mkdirSync(out, { recursive: true });
  const scenarios = await loadScenarios();
  const levels = new Map(scenarios.flatMap((sc) => (sc.id && sc.level ? [[sc.id, sc.level] as const] : [])));
  const names = new Map(scenarios.flatMap((sc) => (sc.id ? [[sc.id, sc.name] as const] : [])));
  for (const { family, ledger } of familyLedgers(loadLedgers()))
    columns.push(ledgerColumn(ledger, family, names));
  // Trace links relative to the page, so the folder can be moved or uploaded whole.
  for (const c of columns) if (c.traces) c.traces = path.relative(out, c.traces);
  fs.writeFileSync(path.join(out, "matrix.md"), matrixMarkdown(columns, levels));
  fs.writeFileSync(path.join(out, "matrix.html"), matrixHtml(columns, levels));
  console.log(`wrote ${path.relative(process.cwd(), path.join(out, "matrix.md"))} and matrix.html`);
  let status = 0;
  for (const spec of values.same ?? []) {
    const [a, b] = pair(spec, "--same").map((l) => {
      const c = columns.find((x) => x.label === l);
      if (!c) throw new Error(`--same ${spec}: there is no column "${l}"`);
      return c;
    }) as [Column, Column];
    const diff = columnDifferences(a, b);
    console.log(
      `${a.label} and ${b.label}: ${diff.length ? `${diff.length} scenario(s) differ` : "identical"}`,
    );
    for (const d of diff) console.log(`  ${d.id}: ${d.a} vs ${d.b}`);
    if (diff.length) status = 1;
  }
  return status;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`matrix: ${(err as Error).message}`);
      process.exit(2);
    },
  );
