/**
 * `step` defines a step like cucumber's defineStep, and turns a harness Mismatch into a
 * conformance error that names the rule, its sentence, Expected/Actual and the last frames.
 */
import { defineStep } from "@cucumber/cucumber";
import { ConformanceError, conformanceMessage, Mismatch } from "../harness/check";
import type { PikaWorld } from "./world";

// biome-ignore lint/suspicious/noExplicitAny: cucumber passes parameters of any type
type StepFn = (this: PikaWorld, ...args: any[]) => Promise<unknown> | unknown;

export function step(pattern: string, fn: StepFn): void {
  const wrapped = async function (this: PikaWorld, ...args: unknown[]) {
    try {
      return await fn.apply(this, args);
    } catch (err) {
      if (err instanceof Mismatch)
        throw new ConformanceError(
          conformanceMessage(this.rule, this.scenarioId, err, this.trace?.tail() ?? ""),
        );
      throw err;
    }
  };
  Object.defineProperty(wrapped, "length", { value: fn.length }); // cucumber checks step arity
  defineStep(pattern, wrapped);
}
