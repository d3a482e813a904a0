/**
 * JUnit XML, written in one place: the kit's verdicts (an expected failure is a pass, a SHOULD
 * failure without --strict is a skip, a stale ledger entry is a failure), the mutation scores,
 * and anything else CI counts. Text is escaped for XML, control characters included. And read
 * in one place: the counts of a JUnit file (bin/summary), through an XML parser.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import type { Outcome } from "./outcome";

export interface JunitCase {
  classname: string;
  name: string;
  failure?: { message: string; text: string };
  skipped?: string;
  out?: string;
}

/** The characters XML 1.0 cannot carry, escaped or not: most controls, lone surrogates, U+FFFE, U+FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML forbids
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|\p{Cs}/gu;

/** XML text: markup characters escaped, and the characters XML 1.0 cannot carry replaced by U+FFFD. */
export const xmlEscape = (s: string) =>
  s
    .replace(XML_FORBIDDEN, "\ufffd")
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

export interface JunitCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** "name: first line of the failure message", one per failed or errored test case. */
  failures: string[];
}

type Node = Record<string, unknown>;
const asList = (v: unknown): Node[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as Node[];

/** Every <testcase> element of the document, at any depth (suites nest in node:test's output). */
function testcases(node: unknown): Node[] {
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node as Node).flatMap(([k, v]) =>
    k === "testcase" ? asList(v) : asList(v).flatMap(testcases),
  );
}

/** Counts the test cases of a JUnit XML document by outcome; throws on a document that is not XML. */
export function countJunit(xml: string): JunitCounts {
  const control = xml.search(XML_FORBIDDEN);
  if (control >= 0) throw new Error(`not well-formed XML: a character XML 1.0 forbids at offset ${control}`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", htmlEntities: true }).parse(
    xml,
  );
  const counts: JunitCounts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const c of testcases(doc)) {
    if ("failure" in c || "error" in c) {
      counts.failed++;
      const first: unknown = [...asList(c.failure), ...asList(c.error)][0];
      const text =
        typeof first === "object" && first
          ? ((first as Node)["@message"] ?? (first as Node)["#text"])
          : first;
      const message = String(text ?? "").split("\n")[0];
      counts.failures.push(`${c["@name"] ?? "?"}${message ? `: ${message.slice(0, 200)}` : ""}`);
    } else if ("skipped" in c) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}
