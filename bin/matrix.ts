/**
 * Runs the suite once per column and writes the conformance matrix (Markdown and HTML).
 *
 * usage: matrix [--column 'LABEL[:KEY=VALUE,...]' ...] [--out DIR] [--strict]
 *
 * A column's settings are environment variables of the kit (PIKA_TARGET, PIKA_BIN, PIKA_IMAGE,
 * PIKA_VERSION, PIKA_REFERENCE_VARIANT, ...); PIKA_LEDGER=X judges it with the deviation ledger
 * of Pika X (default: PIKA_VERSION, when the target is not the reference). Default columns:
 * the reference, and the reference's pika-4.0 profile judged by the 4.0.1 ledger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadLedger } from "../harness/report/ledger";
import { type Column, matrixHtml, matrixMarkdown } from "../harness/report/matrix";
import { outcome } from "../harness/report/outcome";
import { kitPath } from "../harness/root";
import { runSuite } from "./runner";

const DEFAULT_COLUMNS = [
  "reference",
  "reference, pika-4.0 profile:PIKA_REFERENCE_VARIANT=pika-4.0,PIKA_LEDGER=4.0.1",
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

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      column: { type: "string", multiple: true },
      out: { type: "string" },
      strict: { type: "boolean" },
    },
  });
  const specs = (values.column?.length ? values.column : DEFAULT_COLUMNS).map(parseColumn);
  const columns: Column[] = [];
  for (const { label, env } of specs) {
    process.stdout.write(`running column "${label}" ... `);
    const ledgerName =
      env.PIKA_LEDGER ?? (env.PIKA_TARGET && env.PIKA_TARGET !== "reference" ? env.PIKA_VERSION : undefined);
    const ledger = ledgerName ? loadLedger(ledgerName) : undefined;
    const { results } = await runSuite({
      env: { PIKA_REFERENCE_VARIANT: undefined, ...env },
      formats: [kitPath("bin", "silent-formatter.js")],
    });
    const o = outcome(results, ledger, values.strict ?? false);
    console.log(`${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped`);
    columns.push({ label, judged: o.judged });
  }
  const dir = path.resolve(values.out ?? "reports");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "matrix.md"), matrixMarkdown(columns));
  fs.writeFileSync(path.join(dir, "matrix.html"), matrixHtml(columns));
  console.log(`wrote ${path.relative(process.cwd(), path.join(dir, "matrix.md"))} and matrix.html`);
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`matrix: ${(err as Error).message}`);
      process.exit(2);
    },
  );
