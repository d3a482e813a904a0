/**
 * Conformance failures read like h2spec: the rule, its normative sentence, Expected and Actual,
 * then the last frames of the scenario's trace.
 */
import { BudgetExceeded, type Clock, type Condition } from "./clock";

/** A failed expectation, raised by harness checks; the step layer adds the rule and the trace. */
export class Mismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Expected: ${expected}\nActual:   ${actual}`);
    this.name = "Mismatch";
  }
}

/** A conformance check that failed: the only kind of failure that counts against a target. */
export class ConformanceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConformanceError";
    this.stack = `${this.name}: ${message}`; // the message says all; a stack would only add noise
  }
}

/** A node of the system under test died during a scenario: a failure of the target, never of the kit. */
export class NodeDiedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeDiedError";
    this.stack = `${this.name}: ${message}`;
  }
}

export interface RuleRef {
  id: string;
  sentence: string;
}

/** The message of a failed conformance check. */
export function conformanceMessage(
  rule: RuleRef | undefined,
  scenarioId: string | undefined,
  m: Mismatch,
  trace: string,
): string {
  const head = rule
    ? `${scenarioId ?? rule.id} violates ${rule.id}: ${rule.sentence}`
    : `${scenarioId ?? "scenario"} failed`;
  return `${head}\n  Expected: ${m.expected}\n  Actual:   ${m.actual}\n  Last frames:\n${trace ? trace.replace(/^/gm, "    ") : "    (none)"}`;
}

/**
 * Waits up to `seconds` on the scenario's clock for `condition` to hold and returns what it
 * returned; past the budget, a Mismatch with `expected` and what `actual` says then. The one way
 * a budget becomes a conformance failure.
 */
export async function expectWithin<T>(
  clock: Clock,
  seconds: number,
  condition: Condition<T>,
  expected: string,
  actual: () => string,
): Promise<T> {
  try {
    return await clock.within(seconds, condition, expected);
  } catch (err) {
    if (err instanceof BudgetExceeded) throw new Mismatch(expected, actual());
    throw err;
  }
}

/** Throws a Mismatch unless `ok`. */
export function expect(ok: boolean, expected: string, actual: string | (() => string)): void {
  if (!ok) throw new Mismatch(expected, typeof actual === "function" ? actual() : actual);
}

/** `got` of `what` is within `bound` of `n` ("at most", "exactly"). */
export function expectCount(what: string, got: number, bound: "at most" | "exactly", n: number): void {
  expect(bound === "exactly" ? got === n : got <= n, `${bound} ${n} ${what}`, `${got} ${what}`);
}
