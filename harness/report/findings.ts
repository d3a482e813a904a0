/**
 * Findings: one page per deviation seen on a real build, written from the reports of real runs,
 * so that a Pika maintainer can file or fix it from that page alone: the rule it breaks, the
 * builds it was seen on, what was expected and what came instead, the decoded frames, and the
 * sequence diagram.
 */

import { RULE_ID } from "../spec/ids";
import { sequenceSvg, traceText } from "../trace/diagram";
import type { TraceEvent } from "../trace/trace";
import type { Deviation } from "./ledger";
import type { VerdictFile } from "./outcome";

/** One real run's evidence of one scenario. */
export interface Sighting {
  build: VerdictFile["build"];
  ledger: string | null;
  message: string;
  died?: string;
  events: readonly TraceEvent[];
}

export interface Finding {
  id: string;
  name: string;
  deviation: Deviation | undefined;
  sightings: Sighting[];
}

/** The findings in a set of runs: every scenario that failed as its ledger expects, or as a SHOULD, on a build with a git sha. */
export function collectFindings(
  runs: readonly { verdicts: VerdictFile; trace: (id: string) => TraceEvent[] }[],
  deviation: (ledger: string | null, id: string) => Deviation | undefined,
): Finding[] {
  const byId = new Map<string, Finding>();
  for (const { verdicts, trace } of runs) {
    if (!verdicts.build.sha) continue; // the reference and its profiles are not findings
    for (const s of verdicts.scenarios) {
      if (s.verdict !== "expected-fail" && s.verdict !== "non-strict") continue;
      const f = byId.get(s.id) ?? {
        id: s.id,
        name: s.name,
        deviation: deviation(verdicts.ledger, s.id),
        sightings: [],
      };
      f.sightings.push({
        build: verdicts.build,
        ledger: verdicts.ledger,
        message: s.error?.message ?? "",
        died: s.died,
        events: trace(s.id),
      });
      byId.set(s.id, f);
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

const fence = (s: string) => `\`\`\`\n${s.trimEnd()}\n\`\`\``;
const buildLine = (s: Sighting) =>
  `- ${s.ledger ? `Pika ${s.ledger}: ` : ""}pika_version ${s.build.version}, git sha ${s.build.sha}`;

/** The rule line of a conformance message: "<ID> violates <RULE>: <sentence>". */
export function ruleOf(message: string): string {
  const m = new RegExp(`^\\S+ violates (${RULE_ID}): (.*)$`, "m").exec(message);
  return m ? `${m[1]}: ${m[2]}` : "(no conformance assertion: see the failure below)";
}

/** The Markdown page of a finding; the diagram is `<id>.svg` beside it. */
export function findingPage(f: Finding): string {
  const first = f.sightings[0];
  const failure = first?.message.split("\n  Last frames:")[0]?.trim() ?? "";
  const d = f.deviation;
  return [
    `# ${f.id}: ${f.name}`,
    "",
    `**Rule** ${ruleOf(first?.message ?? "")}`,
    "",
    d
      ? `**Known as** ${d.reason} (${d.reference}; ${d.kind === "crash" ? "the node crashes" : "a conformance assertion fails"}).`
      : "**Known as** a SHOULD rule this build does not meet.",
    "",
    "**Seen on** (by pika-conformance, on the real builds):",
    ...f.sightings.map(buildLine),
    "",
    `**Reproduce** \`npx pika-conformance --target binary --pika-bin <path to pika> --id ${f.id}\``,
    "",
    "## What failed",
    "",
    fence(failure),
    "",
    ...(first?.died ? [`**Then** ${first.died}`, ""] : []),
    "## The frames on the wire",
    "",
    fence(first ? traceText(first.events) || "(no frames recorded)" : "(no trace)"),
    "",
    "## Sequence",
    "",
    `![sequence diagram of ${f.id}](${f.id}.svg)`,
    "",
  ].join("\n");
}

export function findingSvg(f: Finding): string {
  return sequenceSvg(f.sightings[0]?.events ?? [], `${f.id}: ${f.name}`);
}

/** docs/findings/README.md: the list of findings with their rule and builds. */
export function findingsIndex(findings: readonly Finding[]): string {
  const rows = findings.map(
    (f) =>
      `| [${f.id}](${f.id}.md) | ${f.name.replace(/\|/g, "\\|")} | ${f.deviation?.kind ?? "should"} | ${[...new Set(f.sightings.map((s) => s.ledger ?? s.build.sha?.slice(0, 8)))].join(", ")} |`,
  );
  return [
    "# Findings on real Pika builds",
    "",
    "Every deviation from the specification that pika-conformance saw on a real Pika build, one page",
    "each: the rule, the builds, what was expected and what came instead, the decoded frames and",
    "the sequence diagram. Generated from the reports of real runs by `npm run findings -- --from",
    "<report dir> ...`; do not edit by hand.",
    "",
    "| scenario | what | kind | seen on |",
    "|---|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}
