/**
 * Per-scenario set-up and tear-down: a fresh target with a seeded clock, the rule the scenario
 * belongs to, cleanup of everything started (also after a failure), a liveness check of every
 * node of the system under test, and the wire trace attached when a scenario fails.
 */
import { After, Before, Status, setDefaultTimeout } from "@cucumber/cucumber";
import type { RuleRef } from "../harness/check";
import { seedFrom } from "../harness/clock";
import { createTarget } from "../harness/targets/select";
import type { PikaWorld } from "./world";

setDefaultTimeout(60_000);

interface GherkinChild {
  scenario?: { id: string };
  rule?: { name: string; children: GherkinChild[] };
}

/** Finds the `Rule:` around a scenario: "MS-DUP: the master MUST ..." → { id, sentence }. */
function ruleOf(children: readonly GherkinChild[] | undefined, scenarioAstId: string): RuleRef | undefined {
  for (const child of children ?? []) {
    if (child.rule?.children.some((c) => c.scenario?.id === scenarioAstId)) {
      const m = /^([A-Z]+-[A-Z]+):\s*(.*)$/.exec(child.rule.name);
      return m ? { id: m[1], sentence: m[2] } : { id: child.rule.name, sentence: "" };
    }
  }
  return undefined;
}

Before(async function (this: PikaWorld, { pickle, gherkinDocument }) {
  this.seed = seedFrom(process.env.PIKA_SEED);
  this.target = createTarget(this.seed);
  this.defer(() => this.target[Symbol.asyncDispose]());
  this.startTrace();
  this.rule = ruleOf(gherkinDocument.feature?.children as GherkinChild[] | undefined, pickle.astNodeIds[0]);
  this.scenarioId = pickle.tags.map((t) => t.name.slice(1)).find((t) => /^[A-Z]+-[A-Z]+-\d+$/.test(t));
});

After(async function (this: PikaWorld, { result }) {
  const dead = [...this.nodes.values()].flatMap((n) => {
    const why = n.died();
    return why ? [`${n.name} (port ${n.port}) died: ${why}\n${n.logs()}`] : [];
  });
  if (result?.status === Status.FAILED || dead.length) {
    this.attach(`seed ${this.seed} (rerun with PIKA_SEED=${this.seed})`, "text/plain");
    if (this.trace) this.attach(this.trace.toNdjson(), "application/x-ndjson");
  }
  this.probe?.close();
  await this.dispose();
  if (dead.length)
    throw new Error(`a node of the system under test died during the scenario:\n${dead.join("\n")}`);
});
