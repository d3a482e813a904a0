/**
 * JUnit XML, written in one place: the kit's verdicts (an expected failure is a pass, a SHOULD
 * failure without --strict is a skip, a stale ledger entry is a failure), the mutation scores,
 * and anything else CI counts. Text is escaped for XML, control characters included.
 */
import type { Outcome } from "./outcome";

export interface JunitCase {
  classname: string;
  name: string;
  failure?: { message: string; text: string };
  skipped?: string;
  out?: string;
}

/** XML text: markup characters escaped, and control characters XML 1.0 cannot carry replaced. */
export const xmlEscape = (s: string) =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\ufffd")
    .replace(
      /[<>&"']/g,
      (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
    );

export function junitXml(suite: string, cases: readonly JunitCase[]): string {
  const e = xmlEscape;
  const body = cases.map((c) => {
    const head = `  <testcase classname="${e(c.classname)}" name="${e(c.name)}"`;
    if (c.failure)
      return `${head}><failure message="${e(c.failure.message)}">${e(c.failure.text)}</failure></testcase>`;
    if (c.skipped !== undefined) return `${head}><skipped message="${e(c.skipped)}"/></testcase>`;
    if (c.out) return `${head}><system-out>${e(c.out)}</system-out></testcase>`;
    return `${head}/>`;
  });
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => !c.failure && c.skipped !== undefined).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${e(suite)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}">\n${body.join("\n")}\n</testsuite>\n`;
}

export function verdictJunit(o: Outcome, suite = "pika-conformance"): string {
  return junitXml(
    suite,
    o.judged.map((j): JunitCase => {
      const c = { classname: j.uri, name: `${j.id ?? "-"} ${j.name}` };
      switch (j.verdict) {
        case "pass":
          return c;
        case "expected-fail":
          return { ...c, out: `expected failure: ${j.note ?? ""}` };
        case "skipped":
          return { ...c, skipped: "skipped" };
        case "non-strict":
          return { ...c, skipped: "SHOULD failure (non-strict)" };
        default:
          return {
            ...c,
            failure: {
              message: j.verdict === "stale" ? (j.note ?? "stale ledger entry") : (j.error?.type ?? "failed"),
              text: j.error?.message ?? j.note ?? "",
            },
          };
      }
    }),
  );
}
