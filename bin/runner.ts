/**
 * Runs the conformance suite through cucumber's API and returns one result per scenario: in this
 * process (the CLI; support code is loaded once and reused by --repeat, whose runs share their
 * settings), or as a CLI process of its own (the mutation run and the matrix, whose runs differ
 * in target and timeouts, which cucumber fixes at its first load).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type IConfiguration,
  type IRunEnvironment,
  loadConfiguration,
  loadSupport,
  runCucumber,
} from "@cucumber/cucumber/api";
import type { Envelope } from "@cucumber/messages";
import { ResultCollector } from "../harness/report/collect";
import type { ScenarioResult, VerdictFile } from "../harness/report/outcome";
import { KIT_ROOT, kitPath } from "../harness/root";

export interface SuiteOptions {
  /** A cucumber tag expression selecting scenarios. */
  tags?: string;
  /** cucumber formats, e.g. "html:reports/cucumber.html". */
  formats?: string[];
  /** cucumber options passed through (name, retry, failFast, dryRun, order). */
  cucumber?: Partial<IConfiguration>;
  /** cucumber formatOptions (e.g. pikaVerdict for the verdict formatters). */
  formatOptions?: IConfiguration["formatOptions"];
  parallel?: number;
  /** Environment for this run (PIKA_TARGET, PIKA_REFERENCE_VARIANT, ...), over process.env. */
  env?: Record<string, string | undefined>;
  /** Called as each scenario finishes. */
  onScenario?: (r: ScenarioResult, done: number, total: number) => void;
}

let support: Awaited<ReturnType<typeof loadSupport>> | undefined;

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
        provided: {
          ...opts.cucumber,
          tags: opts.tags ?? "",
          format: opts.formats ?? [],
          formatOptions: opts.formatOptions ?? {},
          parallel: opts.parallel ?? 0,
        },
      },
      environment,
    );
    support ??= await loadSupport(runConfiguration, environment);
    const collector = new ResultCollector();
    const results: ScenarioResult[] = [];
    const onMessage = (m: Envelope) => {
      const r = collector.update(m);
      if (!r) return;
      results.push(r);
      opts.onScenario?.(r, results.length, collector.total);
    };
    await runCucumber({ ...runConfiguration, support }, environment, onMessage);
    return { results, total: collector.total };
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/**
 * Runs the pika-conformance CLI in a process of its own (a clean cucumber each time) with
 * `--quiet --report-dir dir`, and returns the verdicts.json it wrote and its last output line.
 * Its stderr is passed on, unless `echoStderr` is false (it is still quoted when the run fails).
 */
export function runCliProcess(
  args: string[],
  env: Record<string, string | undefined>,
  dir: string,
  echoStderr = true,
): { verdicts: VerdictFile; last: string; status: number | null } {
  const p = spawnSync(
    process.execPath,
    [kitPath("bin", "pika-conformance.js"), "--quiet", "--report-dir", dir, ...args],
    { env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (echoStderr) process.stderr.write(p.stderr);
  const file = path.join(dir, "verdicts.json");
  const last = p.stdout.trim().split("\n").at(-1) ?? "";
  if (!fs.existsSync(file))
    throw new Error(
      `the run in ${dir} wrote no verdicts (exit ${p.status}): ${p.stderr.trim().split("\n").at(-1) ?? last}`,
    );
  return { verdicts: JSON.parse(fs.readFileSync(file, "utf8")) as VerdictFile, last, status: p.status };
}
