/**
 * Runs the conformance suite in this process through cucumber's API and returns one result per
 * scenario. Used by the CLI, the mutation run and the matrix. Support code is loaded once per
 * process and reused across runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type IRunEnvironment, loadConfiguration, loadSupport, runCucumber } from "@cucumber/cucumber/api";
import { type Envelope, TimeConversion } from "@cucumber/messages";
import type { ScenarioError, ScenarioResult, Status, VerdictFile } from "../harness/report/outcome";
import { KIT_ROOT, kitPath } from "../harness/root";

export interface SuiteOptions {
  /** A cucumber tag expression selecting scenarios. */
  tags?: string;
  /** cucumber formats, e.g. "html:reports/cucumber.html". */
  formats?: string[];
  parallel?: number;
  /** Environment for this run (PIKA_TARGET, PIKA_REFERENCE_VARIANT, ...), over process.env. */
  env?: Record<string, string | undefined>;
  /** Called as each scenario finishes. */
  onScenario?: (r: ScenarioResult, done: number, total: number) => void;
}

let support: Awaited<ReturnType<typeof loadSupport>> | undefined;

/** Step statuses from best to worst (cucumber messages). */
const worse = ["UNKNOWN", "PASSED", "SKIPPED", "PENDING", "UNDEFINED", "AMBIGUOUS", "FAILED"];

function statusOf(s: string): Status {
  if (s === "PASSED") return "passed";
  if (s === "SKIPPED" || s === "UNKNOWN") return "skipped";
  return "failed"; // failed, and strict about pending, undefined and ambiguous steps
}

/** Runs the selected scenarios and returns their results in the order they finished. */
export async function runSuite(
  opts: SuiteOptions = {},
): Promise<{ results: ScenarioResult[]; total: number }> {
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    // The kit's own cucumber.js and features, whatever the caller's directory.
    const environment: IRunEnvironment = { cwd: KIT_ROOT, env: { ...process.env } };
    const { runConfiguration } = await loadConfiguration(
      {
        profiles: ["cli"],
        provided: { tags: opts.tags ?? "", format: opts.formats ?? [], parallel: opts.parallel ?? 0 },
      },
      environment,
    );
    support ??= await loadSupport(runConfiguration, environment);
    const pickles = new Map<string, { name: string; uri: string; tags: string[] }>();
    const caseToPickle = new Map<string, string>();
    const started = new Map<
      string,
      { pickleId: string; status: string; errors: ScenarioError[]; seed?: string; at: number }
    >();
    const results: ScenarioResult[] = [];
    let total = 0;
    const onMessage = (m: Envelope) => {
      if (m.pickle)
        pickles.set(m.pickle.id, {
          name: m.pickle.name,
          uri: m.pickle.uri,
          tags: m.pickle.tags.map((t) => t.name),
        });
      else if (m.testCase) {
        caseToPickle.set(m.testCase.id, m.testCase.pickleId);
        total++;
      } else if (m.testCaseStarted)
        started.set(m.testCaseStarted.id, {
          pickleId: caseToPickle.get(m.testCaseStarted.testCaseId) ?? "",
          status: "PASSED",
          errors: [],
          at: TimeConversion.timestampToMillisecondsSinceEpoch(m.testCaseStarted.timestamp),
        });
      else if (m.testStepFinished) {
        const s = started.get(m.testStepFinished.testCaseStartedId);
        const r = m.testStepFinished.testStepResult;
        if (!s) return;
        if (worse.indexOf(r.status) > worse.indexOf(s.status)) s.status = r.status;
        if (r.status === "FAILED")
          s.errors.push({
            type: r.exception?.type ?? "Error",
            message: r.exception?.message ?? r.message ?? "",
          });
      } else if (m.attachment?.testCaseStartedId && m.attachment.mediaType === "text/plain") {
        const seed = /^seed (\d+)/.exec(m.attachment.body)?.[1];
        const s = started.get(m.attachment.testCaseStartedId);
        if (s && seed) s.seed = seed;
      } else if (m.testCaseFinished && !m.testCaseFinished.willBeRetried) {
        const s = started.get(m.testCaseFinished.testCaseStartedId);
        const p = s && pickles.get(s.pickleId);
        if (!s || !p) return;
        const id = p.tags.map((t) => t.slice(1)).find((t) => /^[A-Z]+-[A-Z]+-\d+$/.test(t));
        const r: ScenarioResult = {
          id,
          name: p.name,
          uri: p.uri,
          tags: p.tags,
          status: statusOf(s.status),
          error: s.errors[0],
          errors: s.errors,
          seconds:
            (TimeConversion.timestampToMillisecondsSinceEpoch(m.testCaseFinished.timestamp) - s.at) / 1000,
          seed: s.seed,
        };
        results.push(r);
        opts.onScenario?.(r, results.length, total);
      }
    };
    await runCucumber({ ...runConfiguration, support }, environment, onMessage);
    return { results, total };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/**
 * Runs the pika-conformance CLI in a process of its own (a clean cucumber each time) with
 * `--quiet --report-dir dir`, and returns the verdicts.json it wrote and its last output line.
 */
export function runCliProcess(
  args: string[],
  env: Record<string, string | undefined>,
  dir: string,
): { verdicts: VerdictFile; last: string; status: number | null } {
  const p = spawnSync(
    process.execPath,
    [kitPath("bin", "pika-conformance.js"), "--quiet", "--report-dir", dir, ...args],
    { env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  process.stderr.write(p.stderr);
  const file = path.join(dir, "verdicts.json");
  const last = p.stdout.trim().split("\n").at(-1) ?? "";
  if (!fs.existsSync(file))
    throw new Error(
      `the run in ${dir} wrote no verdicts (exit ${p.status}): ${p.stderr.trim().split("\n").at(-1) ?? last}`,
    );
  return { verdicts: JSON.parse(fs.readFileSync(file, "utf8")) as VerdictFile, last, status: p.status };
}
