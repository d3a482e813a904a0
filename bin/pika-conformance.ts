/**
 * pika-conformance: runs the specification against a target and judges the result.
 *
 * Exit status 0 only when every scenario passed, or failed as the deviation ledger of
 * --pika-version expects. The closing line is "N passed, N failed, N skipped": expected
 * failures count as passed (listed above it), SHOULD failures without --strict as skipped.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import type { IConfiguration } from "@cucumber/cucumber/api";
import cucumberArgv from "@cucumber/cucumber/lib/configuration/argv_parser";
import { parse as parseTags } from "@cucumber/tag-expressions";
import { verdictJunit } from "../harness/report/junit";
import { type Build, chooseLedger, type Ledger } from "../harness/report/ledger";
import {
  closingLine,
  judge,
  outcome,
  report,
  type ScenarioResult,
  type Verdict,
  verdictFile,
} from "../harness/report/outcome";
import { verdictOptions } from "../harness/report/verdict-formatter";
import { kitPath } from "../harness/root";
import { loadScenarios, type ScenarioInfo, tagsForIds } from "../harness/spec/scenarios";
import { buildSetting, parseBuildSetting } from "../harness/targets/identity";
import { ConfigError, DEFAULT_PARALLEL, loadSettings, prepareRun } from "../harness/targets/select";
import { runSuite } from "./runner";

const USAGE = `usage: pika-conformance [options]

Runs the Pika replication-handshake specification (features/) against a target.

Target (default: the embedded reference node):
  --target KIND          reference | binary | container | external   (PIKA_TARGET)
  --pika-bin PATH        Pika executable for --target binary          (PIKA_BIN)
  --image TAG            Pika image for --target container            (PIKA_IMAGE)
  --pika-version X       the version under test, checked against what the first node
                         reports (pika_version, pika_git_sha); optional: the kit
                         identifies the build and picks its deviation ledger
  --ledger NAME|FILE     judge by this ledger (fixtures/deviations/NAME.yaml, or a file);
                         "none": every failure is a failure               (PIKA_LEDGER)
  --variant NAME         a buggy variant or profile of the reference (e.g. dup-kother, pika-4.0)

Selection:
  --id GLOB              scenario IDs, e.g. 'MS-DUP-*' (repeatable)
  --tags EXPR            a cucumber tag expression, e.g. '@master and not @destructive'
  --must-only            only @must scenarios
  --list                 list the selected scenarios and exit

Run:
  --strict               SHOULD failures fail the run
  --repeat N             run N times with fresh seeds (hunting flakes)
  --seed N               fix the seed of every scenario                (PIKA_SEED)
  --parallel N           N worker processes; 1 runs in this process (default: 16 on the
                         binary target, 8 on containers, 1 on the reference, and one per
                         set of running nodes on external)
  --report-dir DIR       where reports go (default: reports)
  --quiet                no line per scenario
  --allow-empty          a run in which no scenario passed or failed exits 0 (default: 1)

cucumber's own options, passed through:
  --name REGEXP          only scenarios whose name matches (repeatable)
  --format NAME[:FILE]   another formatter, e.g. json:out.json (repeatable; FILE is yours)
  --retry N              rerun a failed scenario up to N times (a flake then passes: the
                         per-scenario line and the reports show the last attempt)
  --fail-fast            stop at the first failure
  --dry-run              check the steps of the selection without running them
  --order defined|random[:SEED]
  -- OPTIONS...          anything after -- goes to cucumber-js as it is (e.g. -- --world-parameters
                         '{...}' --require ./more-steps.js); what runs, the reports and the workers
                         stay the kit's options (--id/--tags, --format, --parallel)
  -h, --help             this text
`;

class UsageError extends Error {}

const PROFILE_REFUSAL =
  "--profile is cucumber-js's, and pika-conformance is already one profile of the kit's cucumber.js (cli) " +
  "with the kit's settings as options: pick the system under test with --target binary|container|external " +
  "(and --pika-bin, --image), or run cucumber-js itself with a profile of the kit, e.g. " +
  "`PIKA_BIN=... npx cucumber-js --profile binary` in the kit's directory";

function options(argv: string[]) {
  const dashes = argv.indexOf("--");
  const [mine, rest] = dashes < 0 ? [argv, []] : [argv.slice(0, dashes), argv.slice(dashes + 1)];
  if (mine.some((a) => a === "--profile" || a.startsWith("--profile=") || a === "-p"))
    throw new UsageError(PROFILE_REFUSAL);
  const { values } = parseArgs({
    args: mine,
    strict: true,
    options: {
      target: { type: "string" },
      "pika-bin": { type: "string" },
      image: { type: "string" },
      "pika-version": { type: "string" },
      ledger: { type: "string" },
      variant: { type: "string" },
      id: { type: "string", multiple: true },
      tags: { type: "string" },
      "must-only": { type: "boolean" },
      list: { type: "boolean" },
      strict: { type: "boolean" },
      repeat: { type: "string" },
      seed: { type: "string" },
      parallel: { type: "string" },
      "report-dir": { type: "string" },
      quiet: { type: "boolean" },
      "allow-empty": { type: "boolean" },
      name: { type: "string", multiple: true },
      format: { type: "string", multiple: true },
      retry: { type: "string" },
      "fail-fast": { type: "boolean" },
      "dry-run": { type: "boolean" },
      order: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const int = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} needs an integer of at least ${min}, got "${v}"`);
    return n;
  };
  return {
    ...values,
    rest: cucumberRest(rest),
    repeat: int("repeat", values.repeat, 1) ?? 1,
    parallel: int("parallel", values.parallel, 1),
    seed: int("seed", values.seed, 0),
    retry: int("retry", values.retry, 0),
  };
}

/** A --format NAME:FILE with FILE (and a NAME that is a path) resolved against the caller's directory. */
export function callerFormat(spec: string): string {
  const at = spec.indexOf(":");
  const [name, file] = at < 0 ? [spec, undefined] : [spec.slice(0, at), spec.slice(at + 1)];
  const where = (p: string) => (p.startsWith(".") || p.startsWith("/") ? path.resolve(p) : p);
  return file === undefined ? where(name) : `${where(name)}:${path.resolve(file)}`;
}

/** What the kit decides itself: the same cucumber options after -- are refused, naming the kit's. */
const KIT_OWNS: Partial<Record<keyof IConfiguration, string>> = {
  paths: "the kit runs its own features (select with --id, --tags, --name)",
  tags: "use --tags (or --id, --must-only)",
  format: "use --format",
  parallel: "use --parallel",
};

/**
 * The options after `--`, read by cucumber-js's own parser, as cucumber-js would read them; a
 * file they name (--require, --import) is the caller's. An option cucumber-js does not know is
 * refused with its own words.
 */
export function cucumberRest(rest: string[]): Partial<IConfiguration> {
  if (rest.length === 0) return {};
  const exit = process.exit;
  let parsed: ReturnType<typeof cucumberArgv.parse>;
  // cucumber's parser prints its error and exits: here that is one more line of the usage error.
  process.exit = ((code?: number) => {
    throw new UsageError(`cucumber-js refused the options after -- (exit ${code ?? 0}; its words above)`);
  }) as typeof process.exit;
  try {
    parsed = cucumberArgv.parse(["node", "cucumber-js", ...rest]);
  } finally {
    process.exit = exit;
  }
  if (parsed.options.profile.length) throw new UsageError(`--profile after --: ${PROFILE_REFUSAL}`);
  const { configuration: c } = parsed;
  for (const [key, why] of Object.entries(KIT_OWNS))
    if (key in c)
      throw new UsageError(`${key === "paths" ? "feature paths" : `--${key}`} cannot follow --: ${why}`);
  const mine = (files: string[] | undefined) => files?.map((f) => path.resolve(f));
  return {
    ...c,
    ...(c.require ? { require: mine(c.require) } : {}),
    ...(c.import ? { import: mine(c.import) } : {}),
  };
}

/** cucumber's options from the command line, for runSuite. */
function passedThrough(o: Options) {
  if (o.order !== undefined && !/^(defined|random(:\d+)?)$/.test(o.order))
    throw new UsageError(`--order is defined, random or random:SEED, got "${o.order}"`);
  return {
    ...o.rest,
    ...(o.name ? { name: o.name } : {}),
    ...(o.retry !== undefined ? { retry: o.retry } : {}),
    ...(o["fail-fast"] ? { failFast: true } : {}),
    ...(o["dry-run"] ? { dryRun: true } : {}),
    ...(o.order ? { order: o.order as "defined" } : {}),
  };
}

type Options = ReturnType<typeof options>;

/** The tag expression of the selection. */
async function selection(o: Options): Promise<string> {
  const parts = ["not @wip"];
  if (o.id?.length) parts.push(tagsForIds(o.id, await loadScenarios()));
  if (o.tags) parts.push(`(${o.tags})`);
  if (o["must-only"]) parts.push("@must");
  return parts.join(" and ");
}

function environment(o: Options): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  if (o.target) env.PIKA_TARGET = o.target;
  if (o["pika-bin"]) env.PIKA_BIN = path.resolve(o["pika-bin"]);
  if (o.image) env.PIKA_IMAGE = o.image;
  if (o["pika-version"]) env.PIKA_VERSION = o["pika-version"];
  if (o.variant) env.PIKA_REFERENCE_VARIANT = o.variant;
  if (o.seed !== undefined) env.PIKA_SEED = String(o.seed);
  return env;
}

async function selected(o: Options): Promise<ScenarioInfo[]> {
  const expr = parseTags(await selection(o));
  return (await loadScenarios()).filter((s) => expr.evaluate(s.tags));
}

async function list(o: Options): Promise<void> {
  const chosen = await selected(o);
  for (const s of chosen)
    console.log(
      `${(s.id ?? "-").padEnd(12)} ${(s.level ?? "-").padEnd(6)} ${(s.role ?? "-").padEnd(6)} ${s.name}`,
    );
  console.log(`${chosen.length} scenario(s)`);
}

/** A path as the caller gave it: relative to their directory when inside it, else absolute. */
const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") ? p : rel;
};

/** The per-scenario line shows the ledger's verdict, as the closing lines and the JUnit file do. */
const mark: Record<Verdict, string> = {
  pass: "ok",
  "expected-fail": "xfail",
  "non-strict": "SHOULD",
  stale: "STALE",
  fail: "FAIL",
  skipped: "skip",
};

/**
 * Identifies the build under test (the reference's variant, or a first node of a real target,
 * which also clears what killed runs left) and picks the ledger that judges it, saying how.
 */
async function identifyAndChoose(
  o: Options,
  env: Record<string, string | undefined>,
): Promise<{ ledger: Ledger | undefined; workers: number }> {
  const settings = loadSettings({ ...process.env, ...env });
  const sets = settings.externalSets;
  if (settings.kind === "external" && (o.parallel ?? 1) > sets)
    throw new ConfigError(
      `--target external runs one scenario at a time on each set of running nodes, and there ${sets === 1 ? "is 1 set" : `are ${sets} sets`}: ` +
        `give --parallel ${sets} or less, or more addresses in PIKA_MASTER and PIKA_SLAVE (comma lists, one per set).`,
    );
  if (settings.kind !== "reference")
    console.error(`pika-conformance: identifying the build under test (${settings.kind})`);
  const skip = await prepareRun(settings);
  if (skip) throw new ConfigError(`every scenario would be ${skip}`);
  const build = settings.build as Build;
  const choice = chooseLedger(build, {
    requested: o["pika-version"],
    ledger: o.ledger ?? (process.env.PIKA_LEDGER || undefined),
  });
  console.error(`pika-conformance: ${choice.loud ? "NOTE: " : ""}${choice.why}`);
  env.PIKA_BUILD = buildSetting(build);
  env.PIKA_VERSION = build.version;
  const workers = o.parallel ?? (settings.kind === "external" ? sets : DEFAULT_PARALLEL[settings.kind]);
  return { ledger: choice.ledger, workers };
}

/**
 * Creates the report directory (its missing parents too) and checks that it can be written, or
 * says in one paragraph why not, before any node starts. Each missing level is made by itself:
 * a recursive mkdir under /proc never returns.
 */
export function ensureReportDir(given: string): string {
  const dir = path.resolve(given);
  const refuse = (why: string): never => {
    throw new ConfigError(
      `--report-dir ${given}: ${why}. Give a directory this user can write (it is created if it is ` +
        "missing), e.g. --report-dir ./reports.",
    );
  };
  const missing: string[] = [];
  let at = dir;
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    at = path.dirname(at);
  }
  if (!fs.statSync(at).isDirectory()) refuse(`${at} is not a directory`);
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);
  for (const m of missing)
    try {
      fs.mkdirSync(m);
    } catch (err) {
      refuse(`cannot create ${m} (${code(err)})`);
    }
  const probe = path.join(dir, `.pika-conformance-write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    refuse(`cannot write in ${dir} (${code(err)})`);
  }
  return dir;
}

async function run(o: Options): Promise<number> {
  const env = environment(o);
  const began = Date.now();
  const dir = ensureReportDir(o["report-dir"] ?? "reports");
  const cucumber = passedThrough(o);
  const chosen = await identifyAndChoose(o, env);
  const { ledger } = chosen;
  // No more workers than scenarios: each worker costs a process start.
  const workers = Math.max(1, Math.min(chosen.workers, (await selected(o)).length));
  // Traces, diagrams and recovery figures of this run go with its reports, and only this run's.
  if (!process.env.PIKA_TRACE_DIR) {
    env.PIKA_TRACE_DIR = path.join(dir, "traces");
    fs.rmSync(env.PIKA_TRACE_DIR, { recursive: true, force: true });
  }
  const all: ScenarioResult[] = [];
  for (let i = 1; i <= o.repeat; i++) {
    const suffix = o.repeat > 1 ? `-run${i}` : "";
    if (o.repeat > 1 && !o.quiet) console.log(`--- run ${i} of ${o.repeat}`);
    const runStarted = Date.now();
    const { results } = await runSuite({
      tags: await selection(o),
      parallel: workers > 1 ? workers : 0, // cucumber's 0: in this process
      env,
      formatOptions: { ...o.rest.formatOptions, pikaVerdict: verdictOptions(ledger, o.strict ?? false) },
      cucumber,
      formats: [
        kitPath("bin", "silent-formatter.js"),
        `${kitPath("bin", "verdict-html.js")}:${path.join(dir, `cucumber${suffix}.html`)}`,
        `${kitPath("bin", "verdict-junit.js")}:${path.join(dir, `cucumber-junit${suffix}.xml`)}`,
        `message:${path.join(dir, `cucumber-messages${suffix}.ndjson`)}`,
        ...(o.format ?? []).map(callerFormat),
      ],
      onScenario: (r, done, total) => {
        if (o.quiet) return;
        const j = judge(r, ledger, o.strict ?? false);
        const seed = j.verdict === "fail" && r.seed ? `  (PIKA_SEED=${r.seed})` : "";
        console.log(
          `[${String(done).padStart(String(total).length)}/${total}] ${mark[j.verdict].padEnd(6)} ${(r.id ?? "-").padEnd(11)} ${r.name}${seed}`,
        );
      },
    });
    all.push(...results);
    if (o.repeat > 1)
      console.log(
        `run ${i} of ${o.repeat}: ${closingLine(outcome(results, ledger, o.strict ?? false))} in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`,
      );
  }
  const o2 = outcome(all, ledger, o.strict ?? false);
  if (o.repeat > 1) {
    const failedRuns = new Map<string, number>();
    for (const j of o2.judged)
      if (j.verdict === "fail" || j.verdict === "stale")
        failedRuns.set(j.id ?? j.name, (failedRuns.get(j.id ?? j.name) ?? 0) + 1);
    console.log(
      `Scenarios that failed in some of the ${o.repeat} runs: ${[...failedRuns].map(([id, n]) => `${id} (${n})`).join(", ") || "none"}`,
    );
  }
  fs.writeFileSync(path.join(dir, "pika-conformance-junit.xml"), verdictJunit(o2));
  const record = verdictFile(o2, {
    build: parseBuildSetting(env.PIKA_BUILD ?? ""),
    ledger: ledger?.name ?? null,
    workers,
    wallSeconds: (Date.now() - began) / 1000,
  });
  fs.writeFileSync(path.join(dir, "verdicts.json"), `${JSON.stringify(record, null, 2)}\n`);
  const failures = o2.judged.filter((j) => (j.verdict === "fail" || j.verdict === "non-strict") && j.error);
  if (failures.length) {
    console.log("");
    for (const f of failures) console.log(`${f.error?.type}: ${f.error?.message}\n`);
  }
  console.log("");
  for (const line of report(o2)) console.log(line);
  console.log(
    `Reports: ${shown(dir)}/cucumber${o.repeat > 1 ? "-runN" : ""}.html, pika-conformance-junit.xml, verdicts.json`,
  );
  const longest = all.reduce<ScenarioResult | undefined>(
    (a, r) => ((r.seconds ?? 0) > (a?.seconds ?? 0) ? r : a),
    undefined,
  );
  console.log(
    `${all.length} scenario(s) in ${record.wallSeconds.toFixed(1)} s with ${workers} worker(s)` +
      (longest?.seconds
        ? `; the longest, ${longest.id ?? longest.name}, took ${longest.seconds.toFixed(1)} s`
        : ""),
  );
  // A run in which nothing executed must not pass unnoticed (a dry run executes nothing).
  const ran = o2.judged.filter((j) => j.verdict !== "skipped").length;
  if (ran === 0 && !o["dry-run"]) {
    console.log(
      all.length === 0
        ? "No scenario ran: check the selection (--list shows it)."
        : `No scenario ran: all ${all.length} were skipped (the reasons are above).`,
    );
    console.log(closingLine(o2));
    if (o["allow-empty"]) console.log("--allow-empty: exit 0 all the same.");
    return o["allow-empty"] ? 0 : 1;
  }
  console.log(closingLine(o2));
  return o2.ok ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  let o: Options;
  try {
    o = options(argv);
  } catch (err) {
    console.error(`pika-conformance: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    if (o.list) {
      await list(o);
      return 0;
    }
    return await run(o);
  } catch (err) {
    console.error(`pika-conformance: ${(err as Error).message}`);
    return 2;
  }
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
