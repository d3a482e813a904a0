/**
 * Writes docs/findings/ from the reports of runs on real builds.
 *
 * usage: findings --from <report dir> [--from <report dir> ...] [--out docs/findings]
 *
 * A report dir is one that `pika-conformance --report-dir DIR` wrote: verdicts.json, and the
 * traces under traces/. Only builds with a git sha count (real Pika, not the reference).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { collectFindings, findingPage, findingSvg, findingsIndex } from "../harness/report/findings";
import { loadLedger } from "../harness/report/ledger";
import type { VerdictFile } from "../harness/report/outcome";
import { kitPath } from "../harness/root";
import type { TraceEvent } from "../harness/trace/trace";

function main(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { from: { type: "string", multiple: true }, out: { type: "string" } },
  });
  if (!values.from?.length) {
    console.error("usage: findings --from <report dir> [--from <report dir> ...] [--out docs/findings]");
    return 2;
  }
  const runs = values.from.map((dir) => {
    const file = path.join(dir, "verdicts.json");
    if (!fs.existsSync(file))
      throw new Error(`${dir} has no verdicts.json: give a pika-conformance --report-dir`);
    const verdicts = JSON.parse(fs.readFileSync(file, "utf8")) as VerdictFile;
    const trace = (id: string): TraceEvent[] => {
      const t = path.join(dir, "traces", `${id}.ndjson`);
      return fs.existsSync(t)
        ? fs
            .readFileSync(t, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as TraceEvent)
        : [];
    };
    return { verdicts, trace };
  });
  const findings = collectFindings(runs, (ledger, id) =>
    ledger ? loadLedger(ledger).deviations.get(id) : undefined,
  );
  const out = path.resolve(values.out ?? kitPath("docs", "findings"));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  for (const f of findings) {
    fs.writeFileSync(path.join(out, `${f.id}.md`), findingPage(f));
    fs.writeFileSync(path.join(out, `${f.id}.svg`), findingSvg(f));
  }
  fs.writeFileSync(path.join(out, "README.md"), findingsIndex(findings));
  console.log(`wrote ${findings.length} finding(s) to ${path.relative(process.cwd(), out) || "."}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`findings: ${(err as Error).message}`);
  process.exitCode = 2;
}
