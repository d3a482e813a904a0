/**
 * How scenario results become a verdict: expected failures (the ledger), stale ledger entries,
 * non-strict SHOULD failures, and the closing line "N passed, N failed, N skipped".
 *
 * Only a failure of the system under test can be expected or forgiven: a conformance assertion
 * of that scenario (ConformanceError "<ID> violates ..."), or a node of the system under test
 * dying (NodeDiedError). Anything else (a TypeError in a step, a harness timeout, a port clash)
 * is an error of the kit, and fails the run whatever the ledger or the level says.
 */
import type { DeviationKind, Ledger } from "./ledger";

export type Status = "passed" | "failed" | "skipped";

export interface ScenarioResult {
  /** The scenario ID tag without "@", e.g. MS-DUP-01. */
  id: string | undefined;
  name: string;
  uri: string;
  tags: string[];
  status: Status;
  /** The first failed step's (or hook's) error type and message. */
  error?: ScenarioError;
  /** Every failed step's and hook's error, in order. */
  errors?: ScenarioError[];
  /** The scenario's seed, when it printed one. */
  seed?: string;
  /** Wall time from its start to its end, hooks included. */
  seconds?: number;
}

export interface ScenarioError {
  type: string;
  message: string;
}

export type Verdict = "pass" | "fail" | "expected-fail" | "stale" | "non-strict" | "skipped";

export interface Judged extends ScenarioResult {
  verdict: Verdict;
  note?: string;
}

export interface Outcome {
  judged: Judged[];
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
}

export const levelOf = (r: ScenarioResult) =>
  r.tags.includes("@should") ? "should" : r.tags.includes("@must") ? "must" : undefined;

/** How a failed scenario failed: a crash of the system under test, one of its assertions, or the kit. */
export function failureKind(r: ScenarioResult): DeviationKind | "kit" {
  const errors = r.errors ?? (r.error ? [r.error] : []);
  if (errors.some((e) => e.type === "NodeDiedError")) return "crash";
  const own = (e: ScenarioError) =>
    e.type === "ConformanceError" && (!r.id || e.message.startsWith(`${r.id} violates `));
  return errors.length > 0 && errors.every(own) ? "assertion" : "kit";
}

const KIND_WORDS: Record<DeviationKind | "kit", string> = {
  assertion: "a conformance assertion of the scenario",
  crash: "a node of the system under test dying",
  kit: "an error of the kit, not of the system under test",
};

/** One scenario's verdict. */
export function judge(r: ScenarioResult, ledger: Ledger | undefined, strict: boolean): Judged {
  const dev = r.id ? ledger?.deviations.get(r.id) : undefined;
  if (r.status === "skipped") return { ...r, verdict: "skipped" };
  if (r.status === "passed")
    return dev
      ? {
          ...r,
          verdict: "stale",
          note: `passed, but the ledger ${ledger?.name} says it fails (${dev.reference})${dev.verified ? `; it was seen failing on ${dev.verified.slice(0, 8)}` : ""}`,
        }
      : { ...r, verdict: "pass" };
  const kind = failureKind(r);
  if (dev && kind === dev.kind)
    return { ...r, verdict: "expected-fail", note: `${dev.reference}: ${dev.reason}` };
  if (dev)
    return {
      ...r,
      verdict: "fail",
      note: `the ledger ${ledger?.name} expects ${KIND_WORDS[dev.kind]}, but it failed by ${KIND_WORDS[kind]}`,
    };
  if (kind === "kit") return { ...r, verdict: "fail", note: KIND_WORDS.kit };
  if (levelOf(r) === "should" && !strict) return { ...r, verdict: "non-strict" };
  return { ...r, verdict: "fail" };
}

/** The verdict of a run: every scenario judged, and the counts of the closing line. */
export function outcome(results: ScenarioResult[], ledger: Ledger | undefined, strict: boolean): Outcome {
  const judged = results.map((r) => judge(r, ledger, strict));
  const count = (...v: Verdict[]) => judged.filter((j) => v.includes(j.verdict)).length;
  const failed = count("fail", "stale");
  return {
    judged,
    passed: count("pass", "expected-fail"),
    failed,
    skipped: count("skipped", "non-strict"),
    ok: failed === 0,
  };
}

/** The lines above the closing line: expected failures, non-strict failures, stale entries, failures. */
export function report(o: Outcome): string[] {
  const lines: string[] = [];
  const group = (v: Verdict, title: string) => {
    const js = o.judged.filter((j) => j.verdict === v);
    if (js.length === 0) return;
    lines.push(`${title} (${js.length}):`);
    // A scenario met the same way in several runs (--repeat) is one line with its count.
    const seen = new Map<string, number>();
    for (const j of js) {
      const line = `  ${j.id ?? "-"}  ${j.name}${j.note ? `  [${j.note}]` : ""}${j.seed && v === "fail" ? `  (PIKA_SEED=${j.seed})` : ""}`;
      seen.set(line, (seen.get(line) ?? 0) + 1);
    }
    for (const [line, n] of seen) lines.push(n > 1 ? `${line}  (x${n})` : line);
  };
  group("expected-fail", "Expected failures, counted as passed");
  group("non-strict", "SHOULD failures, counted as skipped (--strict fails them)");
  group("skipped", "Skipped");
  group("stale", "STALE ledger entries: these pass now, so the ledger is out of date");
  group("fail", "FAILED");
  return lines;
}

export const closingLine = (o: Outcome) => `${o.passed} passed, ${o.failed} failed, ${o.skipped} skipped`;

/** What a run decided, per scenario, as the CLI writes it to verdicts.json: for benches, the matrix and CI. */
export interface VerdictFile {
  build: { version: string; sha?: string };
  ledger: string | null;
  workers: number;
  wallSeconds: number;
  scenarios: {
    id: string;
    name: string;
    verdict: Verdict;
    seconds: number | null;
    seed: string | null;
    /** Why it failed: the first error, and the ledger's or the kit's note. */
    error?: ScenarioError;
    note?: string;
    /** When a node of the system under test died: which, and how (the first lines of its report). */
    died?: string;
  }[];
}

function diedOf(r: ScenarioResult): { died?: string } {
  const e = r.errors?.find((x) => x.type === "NodeDiedError");
  return e ? { died: e.message.split("\n").slice(0, 2).join(" ") } : {};
}

export function verdictFile(o: Outcome, meta: Omit<VerdictFile, "scenarios">): VerdictFile {
  return {
    ...meta,
    scenarios: o.judged.map((j) => ({
      id: j.id ?? j.name,
      name: j.name,
      verdict: j.verdict,
      seconds: j.seconds ?? null,
      seed: j.seed ?? null,
      ...(j.error ? { error: j.error } : {}),
      ...(j.note ? { note: j.note } : {}),
      ...diedOf(j),
    })),
  };
}

/** The scenarios whose verdict was not the same in every run, with each run's verdict. */
export function verdictChanges(
  runs: readonly VerdictFile[],
): { id: string; verdicts: (Verdict | "absent")[] }[] {
  const ids = [...new Set(runs.flatMap((r) => r.scenarios.map((s) => s.id)))].sort();
  return ids
    .map((id) => ({
      id,
      verdicts: runs.map((r) => r.scenarios.find((s) => s.id === id)?.verdict ?? "absent"),
    }))
    .filter((c) => new Set(c.verdicts).size > 1);
}
