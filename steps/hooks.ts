/**
 * Per-scenario set-up and tear-down: a fresh target with a seeded clock, the rule the scenario
 * belongs to, cleanup of everything started (also after a failure), a liveness check of every
 * node of the system under test, and the wire trace: written as ndjson for every scenario
 * (PIKA_TRACE_DIR, default reports/traces), and attached with its sequence diagram when a scenario
 * fails (or always, with PIKA_TRACE=all). A hook's error, like a step's, leaves through `guard`
 * (steps/support.ts); what is attached or written passes the scenario's Redactor.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  After,
  Before,
  BeforeAll,
  type ITestCaseHookParameter,
  Status,
  setDefaultTimeout,
} from "@cucumber/cucumber";
import { NodeDiedError, type RuleRef } from "../harness/check";
import { seedFrom } from "../harness/clock";
import { recoveryFigures } from "../harness/pair";
import { idOfTags, parseRuleTitle } from "../harness/spec/ids";
import { installInterruptHandlers, onInterrupt } from "../harness/targets/interrupt";
import {
  createTarget,
  loadSettings,
  prepareRun,
  settingsSkip,
  stepTimeoutMs,
} from "../harness/targets/select";
import {
  attachAllTraces,
  TraceArtifacts,
  TraceWriter,
  traceDir,
  traceFileBase,
} from "../harness/trace/artifacts";
import { guard } from "./support";
import type { PikaWorld } from "./world";

// The target comes from the environment (PIKA_TARGET, ...); a bad setting stops the run here.
// Read again at the start of every run: the CLI's mutation and matrix runs reuse this module.
let settings = loadSettings();
let realTarget = settings.kind !== "reference";
// Real targets wait in real seconds: a step may last minutes (@slow), never cucumber's 5 s.
setDefaultTimeout(stepTimeoutMs(settings));
// cucumber runs no After on Ctrl-C: stop nodes, containers and temp dirs ourselves.
installInterruptHandlers();

/** Set when no scenario of this run can run (e.g. no container engine); said once, loudly. */
let runSkip: string | undefined;
const announced = new Set<string>();
const startedAt = new WeakMap<PikaWorld, number>();
/** DESIGN budget: a scenario on a real target takes at most 60 s of wall time unless @slow. */
const WALL_LIMIT_S = 60;
/** Where traces go; a new writer per run, as the CLI's mutation and matrix runs reuse this module. */
let traces = new TraceWriter(traceDir());

BeforeAll(async () => {
  try {
    settings = loadSettings();
    realTarget = settings.kind !== "reference";
    runSkip = await prepareRun(settings);
  } catch (err) {
    // cucumber reports a failing BeforeAll by its location only: print the paragraph first.
    console.error(`\n*** pika-conformance: ${(err as Error).message}\n`);
    throw err;
  }
  if (runSkip) console.error(`\n*** pika-conformance: every scenario is ${runSkip}\n`);
});

BeforeAll(() => {
  traces = new TraceWriter(traceDir());
});

function skip(w: PikaWorld, why: string): "skipped" {
  if (!announced.has(why)) {
    announced.add(why);
    console.error(`pika-conformance: ${why}`);
  }
  w.attach(why, "text/plain");
  return "skipped";
}

interface GherkinChild {
  scenario?: { id: string };
  rule?: { name: string; children: GherkinChild[] };
}

/** Finds the `Rule:` around a scenario: "MS-DUP: the master MUST ..." → { id, sentence }. */
function ruleOf(children: readonly GherkinChild[] | undefined, scenarioAstId: string): RuleRef | undefined {
  for (const child of children ?? []) {
    if (child.rule?.children.some((c) => c.scenario?.id === scenarioAstId)) {
      return parseRuleTitle(child.rule.name) ?? { id: child.rule.name, sentence: "" };
    }
  }
  return undefined;
}

Before(
  guard(async function (this: PikaWorld, { pickle, gherkinDocument }: ITestCaseHookParameter) {
    const tags = pickle.tags.map((t) => t.name);
    const why = runSkip ?? settingsSkip(settings, tags);
    if (why) return skip(this, why);
    this.seed = seedFrom(process.env.PIKA_SEED);
    this.target = await createTarget(this.seed, settings);
    this.defer(() => this.target[Symbol.asyncDispose]());
    this.defer(onInterrupt(() => this.dispose()));
    this.startTrace();
    this.rule = ruleOf(
      gherkinDocument.feature?.children as GherkinChild[] | undefined,
      pickle.astNodeIds[0] ?? "",
    );
    this.scenarioId = idOfTags(tags);
    const cannot = await this.target.cannotRun?.(tags);
    if (cannot) return skip(this, cannot);
    startedAt.set(this, Date.now());
  }),
);

After(
  guard(async function (this: PikaWorld, { result, pickle }: ITestCaseHookParameter) {
    const dead: string[] = [];
    for (const n of this.nodes.values()) {
      const why = n.died() ?? (await n.liveness?.());
      if (why) dead.push(`${n.name} (port ${n.port}) died: ${why}\n${n.logs()}`);
    }
    const failed = result?.status === Status.FAILED || dead.length > 0;
    if (failed) {
      this.attach(`seed ${this.seed} (rerun with PIKA_SEED=${this.seed})`, "text/plain");
      for (const n of this.nodes.values()) if (realTarget && !n.died()) this.attach(n.logs(), "text/plain");
    }
    await saveTrace(this, pickle.name, failed || attachAllTraces());
    await saveRecovery(this, pickle.name);
    const start = startedAt.get(this);
    const wall = start === undefined ? 0 : (Date.now() - start) / 1000;
    this.probe?.close();
    await this.dispose();
    if (dead.length)
      throw new NodeDiedError(
        `a node of the system under test died during the scenario:\n${dead.join("\n")}`,
      );
    if (realTarget && wall > WALL_LIMIT_S && !pickle.tags.some((t) => t.name === "@slow"))
      throw new Error(
        `the scenario took ${wall.toFixed(1)} s of wall time on PIKA_TARGET=${settings.kind}; a scenario on a real ` +
          `target must take at most ${WALL_LIMIT_S} s unless it is tagged @slow`,
      );
  }),
);

/**
 * Writes the scenario's trace to the trace directory (every scenario, so a reviewer can open
 * any) and, when `attach`, adds it to the report as ndjson, a readable table and an SVG
 * sequence diagram, redacted. A trace that
 * cannot be written is reported, never a reason to skip the cleanup that follows.
 */
async function saveTrace(w: PikaWorld, name: string, attach: boolean): Promise<void> {
  if (!w.trace) return; // skipped before it started
  const stem = traceFileBase(w.scenarioId, name);
  const trace = new TraceArtifacts(w.trace.events, w.redactor, `${w.scenarioId ?? stem}: ${name}`);
  const ndjson = trace.ndjson;
  try {
    await traces.write(stem, ndjson);
  } catch (err) {
    console.error(`pika-conformance: could not write the trace of "${name}": ${(err as Error).message}`);
  }
  if (!attach) return;
  w.attach(ndjson, { mediaType: "application/x-ndjson", fileName: `${stem}.trace.ndjson` });
  w.attach(trace.text || "(no frames recorded)", { mediaType: "text/plain", fileName: `${stem}.trace.txt` });
  // As a Buffer: cucumber base64-encodes it, and its HTML report shows only base64 images.
  w.attach(Buffer.from(trace.svg), { mediaType: "image/svg+xml", fileName: `${stem}.sequence.svg` });
}

/**
 * After a fault between a pair under test: MetaSync attempts until recovery, time to recovery
 * and the attempt timeline of every slave, attached to the report and written next to the
 * trace (`<stem>.recovery.json`), so runs on different targets can be compared.
 */
async function saveRecovery(w: PikaWorld, name: string): Promise<void> {
  if (!w.proxy || !w.fault) return;
  const figures = {
    scenario: w.scenarioId ?? name,
    target: settings.kind,
    variant: process.env.PIKA_REFERENCE_VARIANT || undefined,
    version: settings.version,
    recoveries: recoveryFigures(
      w.proxy,
      w.fault,
      w.slaves.map((s) => ({ name: s.name, port: s.port })),
    ),
  };
  const json = w.redactor.text(`${JSON.stringify(figures, null, 2)}\n`);
  const stem = traceFileBase(w.scenarioId, name);
  w.attach(json, { mediaType: "application/json", fileName: `${stem}.recovery.json` });
  try {
    await mkdir(traceDir(), { recursive: true });
    await writeFile(join(traceDir(), `${stem}.recovery.json`), json);
  } catch (err) {
    console.error(
      `pika-conformance: could not write the recovery figures of "${name}": ${(err as Error).message}`,
    );
  }
}
