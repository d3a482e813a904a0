/**
 * `step` defines a step like cucumber's defineStep, and turns a harness Mismatch into a
 * conformance error that names the rule, its sentence, Expected/Actual and the last frames. It is
 * the one point where a step's error leaves for the reports and the console: the scenario's
 * secrets are redacted and control characters escaped there (harness/trace/redact.ts scrub).
 */
import { defineStep } from "@cucumber/cucumber";
import { ConformanceError, conformanceMessage, Mismatch } from "../harness/check";
import { scrubError, secretsOf } from "../harness/trace/redact";
import type { PikaWorld } from "./world";

// biome-ignore lint/suspicious/noExplicitAny: cucumber passes parameters of any type
type StepFn = (this: PikaWorld, ...args: any[]) => Promise<unknown> | unknown;

export function step(pattern: string, fn: StepFn): void {
  defineStep(pattern, wrapStep(fn));
}

/** The step body as cucumber runs it: Mismatch made a ConformanceError, every error scrubbed. */
export function wrapStep(fn: StepFn): StepFn {
  const wrapped = async function (this: PikaWorld, ...args: unknown[]) {
    try {
      return await fn.apply(this, args);
    } catch (err) {
      const e =
        err instanceof Mismatch
          ? new ConformanceError(
              conformanceMessage(this.rule, this.scenarioId, err, this.trace?.tail() ?? ""),
            )
          : err;
      throw scrubError(e, secretsOf([...this.nodes.values()].map((n) => n.options)));
    }
  };
  Object.defineProperty(wrapped, "length", { value: fn.length }); // cucumber checks step arity
  return wrapped;
}
