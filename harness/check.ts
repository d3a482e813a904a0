/**
 * Conformance failures read like h2spec: the rule, its normative sentence, Expected and Actual,
 * then the last frames of the scenario's trace.
 */

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

/** Throws a Mismatch unless `ok`. */
export function expect(ok: boolean, expected: string, actual: string | (() => string)): void {
  if (!ok) throw new Mismatch(expected, typeof actual === "function" ? actual() : actual);
}
