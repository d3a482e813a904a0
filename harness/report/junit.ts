/**
 * A JUnit XML file of the kit's verdicts (not cucumber's raw statuses): an expected failure is a
 * pass, a SHOULD failure without --strict is a skip, a stale ledger entry is a failure.
 */
import type { Outcome } from "./outcome";

const esc = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

export function verdictJunit(o: Outcome, suite = "pika-conformance"): string {
  const cases = o.judged.map((j) => {
    const name = esc(`${j.id ?? "-"} ${j.name}`);
    const head = `  <testcase classname="${esc(j.uri)}" name="${name}"`;
    switch (j.verdict) {
      case "pass":
        return `${head}/>`;
      case "expected-fail":
        return `${head}><system-out>${esc(`expected failure: ${j.note ?? ""}`)}</system-out></testcase>`;
      case "skipped":
      case "non-strict":
        return `${head}><skipped message="${esc(j.verdict === "skipped" ? "skipped" : "SHOULD failure (non-strict)")}"/></testcase>`;
      default:
        return `${head}><failure message="${esc(j.verdict === "stale" ? (j.note ?? "stale ledger entry") : (j.error?.type ?? "failed"))}">${esc(j.error?.message ?? j.note ?? "")}</failure></testcase>`;
    }
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${esc(suite)}" tests="${o.judged.length}" failures="${o.failed}" skipped="${o.skipped}">\n${cases.join("\n")}\n</testsuite>\n`;
}
