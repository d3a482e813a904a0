/**
 * The coverage of the protocol by the specification: which Rules cover each numbered rule of
 * docs/PROTOCOL.md (R1..R42), and, for each one no scenario covers yet, the reason given in
 * docs/uncovered-rules.yaml. A protocol rule is covered or explained, an explanation does not
 * outlive its gap, and what the features cite in docs/PROTOCOL.md exists there.
 */
import { parse as parseYaml } from "yaml";
import { type FeatureEntry, type SourceFile, sectionRefs, type Violation } from "./model";

export const PROTOCOL_FILE = "docs/PROTOCOL.md";
export const UNCOVERED_FILE = "docs/uncovered-rules.yaml";

export interface ProtocolDoc {
  /** Rule number → short title, from docs/PROTOCOL.md. */
  rules: Map<number, string>;
  /** Section numbers that have an anchor, e.g. "11.4". */
  sections: Set<string>;
}

/** Protocol rule number → IDs of the Rules (with at least one scenario) that cover it. */
export type Coverage = Map<number, string[]>;

/** A numbered rule: `<a id="r14"></a>**R14 Title.**`. Groups: anchor number, rule number, title. */
const RULE_LINE = /^<a id="r(\d+)"><\/a>\*\*R(\d+) ([^*]+?)\.?\*\*/;
/** A section anchor: `<a id="sec-11-4"></a>`. Group: the number with dashes. */
const SECTION_ANCHOR = /<a id="sec-(\d+(?:-\d+)*)"><\/a>/g;

/** Reads the numbered rules and section anchors of docs/PROTOCOL.md. */
export function readProtocol(source: SourceFile): { doc: ProtocolDoc; violations: Violation[] } {
  const rules = new Map<number, string>();
  const sections = new Set<string>();
  const violations: Violation[] = [];
  const at = (line: number, message: string) => violations.push({ file: source.file, line, message });
  source.text.split("\n").forEach((text, i) => {
    for (const m of text.matchAll(SECTION_ANCHOR)) sections.add((m[1] ?? "").replace(/-/g, "."));
    const r = RULE_LINE.exec(text);
    if (!r) return;
    if (r[1] !== r[2]) at(i + 1, `anchor r${r[1]} is followed by R${r[2]}`);
    else if (rules.has(Number(r[1]))) at(i + 1, `R${r[1]} is defined twice`);
    else rules.set(Number(r[1]), (r[3] ?? "").trim());
  });
  if (rules.size === 0) at(1, 'defines no numbered rule (lines like `<a id="r1"></a>**R1 Title.** ...`)');
  return { doc: { rules, sections }, violations };
}

/** The line of a top-level key in a YAML text (1-based; 0 when it is not there). */
const keyLine = (text: string, key: string) => text.split("\n").findIndex((l) => l.startsWith(`${key}:`)) + 1;

/** Reads docs/uncovered-rules.yaml: `R4: <why no scenario covers R4 yet>`. */
export function readUncovered(source: SourceFile): { reasons: Map<number, string>; violations: Violation[] } {
  const reasons = new Map<number, string>();
  const violations: Violation[] = [];
  const at = (line: number, message: string) => violations.push({ file: source.file, line, message });
  let data: unknown;
  try {
    data = parseYaml(source.text);
  } catch (err) {
    at(1, `is not valid YAML: ${(err as Error).message}`);
    return { reasons, violations };
  }
  if (data === null || data === undefined) return { reasons, violations };
  if (typeof data !== "object" || Array.isArray(data)) {
    at(1, "must be a mapping of R<n> to a one-line reason");
    return { reasons, violations };
  }
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const line = keyLine(source.text, key);
    const m = /^R(\d+)$/.exec(key);
    if (!m) at(line, `key "${key}" is not a protocol rule (R<n>)`);
    else if (typeof value !== "string" || value.trim() === "" || value.includes("\n"))
      at(line, `${key}: the reason must be one non-empty line`);
    else reasons.set(Number(m[1]), value.trim());
  }
  return { reasons, violations };
}

/**
 * Which Rules cover each protocol rule, in ID order. A Rule without scenarios covers nothing;
 * of two Rules with one ID (itself a violation) the first one counts.
 */
export function coverageOf(features: readonly FeatureEntry[]): Coverage {
  const coverage: Coverage = new Map();
  const firstOfEachId = new Map(
    features
      .flatMap((f) => f.rules)
      .reverse()
      .map((r) => [r.id, r] as const),
  );
  for (const r of [...firstOfEachId.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (r.scenarios.length === 0) continue;
    for (const n of r.protocol) coverage.set(n, [...(coverage.get(n) ?? []), r.id]);
  }
  return coverage;
}

/** Every protocol rule and section a feature cites exists in docs/PROTOCOL.md. */
export function checkCitations(features: readonly FeatureEntry[], protocol: ProtocolDoc): Violation[] {
  const out: Violation[] = [];
  for (const f of features) {
    for (const r of f.rules)
      for (const n of r.protocol.filter((n) => !protocol.rules.has(n)))
        out.push({
          file: r.file,
          line: r.line,
          message: `Rule ${r.id} cites R${n}, which ${PROTOCOL_FILE} does not define`,
        });
    const texts = [f.description.join(" "), ...f.rules.map((r) => r.description.join(" "))];
    for (const section of texts.flatMap(sectionRefs).filter((s) => !protocol.sections.has(s)))
      out.push({
        file: f.file,
        line: 1,
        message: `cites ${PROTOCOL_FILE} §${section}, which has no such section`,
      });
  }
  return out;
}

/** Every protocol rule is covered or has a reason, and a reason names a rule still uncovered. */
export function checkCoverage(
  protocol: ProtocolDoc,
  coverage: Coverage,
  reasons: Map<number, string>,
  uncovered: SourceFile,
): Violation[] {
  const out: Violation[] = [];
  const at = (line: number, message: string) => out.push({ file: uncovered.file, line, message });
  for (const n of [...protocol.rules.keys()].sort((a, b) => a - b)) {
    const by = coverage.get(n) ?? [];
    if (by.length === 0 && !reasons.has(n))
      at(
        0,
        `R${n} has no scenario and no reason here; add "R${n}: <why not yet>" or a scenario that covers it`,
      );
    if (by.length > 0 && reasons.has(n))
      at(keyLine(uncovered.text, `R${n}`), `R${n} is now covered by ${by.join(", ")}; delete its entry`);
  }
  for (const n of reasons.keys())
    if (!protocol.rules.has(n))
      at(keyLine(uncovered.text, `R${n}`), `R${n} is not a rule of ${PROTOCOL_FILE}`);
  return out;
}
