/**
 * `step` defines a step like cucumber's defineStep, and turns a harness Mismatch into a
 * conformance error that names the rule, its sentence, Expected/Actual and the last frames.
 * `guard` is where a step's or a hook's error leaves for the reports and the console: it passes
 * the scenario's Redactor there (secrets redacted, control characters escaped).
 */
import { defineStep } from "@cucumber/cucumber";
import { ConformanceError, conformanceMessage, Mismatch } from "../harness/check";
import type { PikaWorld } from "./world";

// biome-ignore lint/suspicious/noExplicitAny: cucumber passes parameters of any type
type StepFn = (this: PikaWorld, ...args: any[]) => Promise<unknown> | unknown;

export function step(pattern: string, fn: StepFn): void {
  defineStep(pattern, guard(fn));
}

/** A step or hook body as cucumber runs it: Mismatch made a ConformanceError, every error redacted. */
export function guard(fn: StepFn): StepFn {
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
      throw this.redactor.error(e);
    }
  };
  Object.defineProperty(wrapped, "length", { value: fn.length }); // cucumber checks step arity
  return wrapped;
}
