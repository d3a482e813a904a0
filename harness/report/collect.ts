/**
 * Scenario results from cucumber's message stream: fed one envelope at a time, it yields a
 * ScenarioResult when a scenario's last attempt finishes. Used by the CLI's runner and by the
 * verdict formatter, so both read a run the same way.
 */
import { type Envelope, TimeConversion } from "@cucumber/messages";
import { idOfTags } from "../spec/ids";
import type { ScenarioError, ScenarioResult, Status } from "./outcome";

/** Step statuses from best to worst (cucumber messages). */
const WORSE = ["UNKNOWN", "PASSED", "SKIPPED", "PENDING", "UNDEFINED", "AMBIGUOUS", "FAILED"];

function statusOf(s: string): Status {
  if (s === "PASSED") return "passed";
  if (s === "SKIPPED" || s === "UNKNOWN") return "skipped";
  return "failed"; // failed, and strict about pending, undefined and ambiguous steps
}

interface Attempt {
  pickleId: string;
  status: string;
  errors: ScenarioError[];
  seed?: string;
  at: number;
}

export class ResultCollector {
  private readonly pickles = new Map<string, { name: string; uri: string; tags: string[] }>();
  private readonly caseToPickle = new Map<string, string>();
  private readonly started = new Map<string, Attempt>();
  /** Test cases announced so far (the run's scenario count once the run has started). */
  total = 0;

  /** Reads one envelope; returns the result of the scenario whose last attempt it finished. */
  update(m: Envelope): ScenarioResult | undefined {
    if (m.pickle)
      this.pickles.set(m.pickle.id, {
        name: m.pickle.name,
        uri: m.pickle.uri,
        tags: m.pickle.tags.map((t) => t.name),
      });
    else if (m.testCase) {
      this.caseToPickle.set(m.testCase.id, m.testCase.pickleId);
      this.total++;
    } else if (m.testCaseStarted)
      this.started.set(m.testCaseStarted.id, {
        pickleId: this.caseToPickle.get(m.testCaseStarted.testCaseId) ?? "",
        status: "PASSED",
        errors: [],
        at: TimeConversion.timestampToMillisecondsSinceEpoch(m.testCaseStarted.timestamp),
      });
    else if (m.testStepFinished) {
      const s = this.started.get(m.testStepFinished.testCaseStartedId);
      const r = m.testStepFinished.testStepResult;
      if (!s) return undefined;
      if (WORSE.indexOf(r.status) > WORSE.indexOf(s.status)) s.status = r.status;
      if (r.status === "FAILED")
        s.errors.push({
          type: r.exception?.type ?? "Error",
          message: r.exception?.message ?? r.message ?? "",
        });
    } else if (m.attachment?.testCaseStartedId && m.attachment.mediaType === "text/plain") {
      const seed = /^seed (\d+)/.exec(m.attachment.body)?.[1];
      const s = this.started.get(m.attachment.testCaseStartedId);
      if (s && seed) s.seed = seed;
    } else if (m.testCaseFinished) {
      const s = this.started.get(m.testCaseFinished.testCaseStartedId);
      this.started.delete(m.testCaseFinished.testCaseStartedId);
      const p = s && this.pickles.get(s.pickleId);
      if (!s || !p || m.testCaseFinished.willBeRetried) return undefined;
      return {
        id: idOfTags(p.tags),
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
    }
    return undefined;
  }
}
