/**
 * One verdict everywhere: a cucumber formatter that wraps another (the HTML report, the JUnit
 * file) and hands it the message stream with each scenario's result as the deviation ledger
 * judges it (harness/report/outcome.ts judge):
 *
 *   expected failure   the failed step is PASSED, with an attachment saying "expected failure"
 *                      with the ledger's reference and the failure as it happened; the steps it
 *                      kept from running are left out (not run), so the scenario counts as passed.
 *                      For JUnit, which has no expected failure, the step is SKIPPED instead, its
 *                      message that same text: a <skipped> saying "expected failure (ledger 4.0.1):
 *                      Pika #2291 ...", as pytest writes an xfail, not a pass no one can tell apart
 *   SHOULD failure     (without --strict) the failed step is SKIPPED, with the same attachment
 *   stale entry        the last passed step is FAILED: the ledger says the scenario fails
 *   anything else      unchanged
 *
 * and the run's success as the kit's. The CLI passes the ledger in cucumber's formatOptions
 * under "pikaVerdict"; without one, every failure stays a failure.
 */
import * as path from "node:path";
import type { Envelope, TestStepResult } from "@cucumber/messages";
import { ResultCollector } from "./collect";
import { type Ledger, loadLedger } from "./ledger";
import { type Judged, judge } from "./outcome";

/** What the CLI puts in formatOptions.pikaVerdict: the ledger's file (or null: none) and --strict. */
export type VerdictOptions = { ledger: string | null; strict: boolean };

export const verdictOptions = (ledger: Ledger | undefined, strict: boolean): VerdictOptions => ({
  ledger: ledger?.file ?? null,
  strict,
});

type Handler = (m: Envelope) => void;
interface FormatterContext {
  on: (key: "message", handler: Handler) => void;
  options: Record<string, unknown>;
  [k: string]: unknown;
}
export interface FormatterPlugin {
  type: "formatter";
  formatter: (ctx: FormatterContext) => unknown;
  optionsKey?: string;
}

const startedIdOf = (m: Envelope): string | undefined =>
  m.testCaseStarted?.id ??
  m.testStepStarted?.testCaseStartedId ??
  m.testStepFinished?.testCaseStartedId ??
  m.attachment?.testCaseStartedId ??
  m.testCaseFinished?.testCaseStartedId;

function note(startedId: string, stepId: string, body: string): Envelope {
  return {
    attachment: {
      testCaseStartedId: startedId,
      testStepId: stepId,
      body,
      mediaType: "text/plain",
      contentEncoding: "IDENTITY" as never,
    },
  };
}

const errorText = (r: TestStepResult) => r.exception?.message ?? r.message ?? "";

/** How an expected failure's failed step is shown: PASSED with a note, or SKIPPED saying why (JUnit). */
export type ExpectedAs = "PASSED" | "SKIPPED";

/** The envelopes of one finished scenario, rewritten to show its verdict. */
export function rewrite(
  batch: Envelope[],
  j: Judged,
  ledgerName: string | undefined,
  expectedAs: ExpectedAs = "PASSED",
): Envelope[] {
  const failedAt = batch.findIndex((m) => m.testStepFinished?.testStepResult.status === "FAILED");
  if ((j.verdict === "expected-fail" || j.verdict === "non-strict") && failedAt >= 0) {
    const expected = j.verdict === "expected-fail";
    const out: Envelope[] = [];
    const notRun = new Set<string>();
    for (const [i, m] of batch.entries()) {
      const f = m.testStepFinished;
      if (i === failedAt && f) {
        const r = f.testStepResult;
        const title = expected
          ? `expected failure (ledger ${ledgerName}): ${j.note ?? ""}`
          : "SHOULD failure, counted as skipped (--strict fails it)";
        const text = `${title}\n\nThe step failed: ${errorText(r)}`;
        out.push(note(f.testCaseStartedId, f.testStepId, text));
        const status = expected ? expectedAs : "SKIPPED";
        // A skipped step says why in its message (JUnit's <skipped> shows it), not the failure's stack.
        const result = status === "SKIPPED" ? { ...r, message: text, exception: undefined } : r;
        out.push({ testStepFinished: { ...f, testStepResult: { ...result, status: status as never } } });
      } else if (expected && i > failedAt && f?.testStepResult.status === "SKIPPED") notRun.add(f.testStepId);
      else out.push(m);
    }
    // A step the failure kept from running is left out altogether: it was not run, not skipped.
    return out.filter(
      (m) => !notRun.has(m.testStepStarted?.testStepId ?? m.testStepFinished?.testStepId ?? ""),
    );
  }
  if (j.verdict === "stale") {
    const passed = batch.map((m, i) => (m.testStepFinished?.testStepResult.status === "PASSED" ? i : -1));
    const last = Math.max(...passed);
    const f = batch[last]?.testStepFinished;
    if (!f) return batch;
    const message = `STALE ledger entry: ${j.note ?? ""}`;
    const failed: Envelope = {
      testStepFinished: {
        ...f,
        testStepResult: {
          ...f.testStepResult,
          status: "FAILED" as never,
          message,
          exception: { type: "StaleLedgerEntry", message },
        },
      },
    };
    return [...batch.slice(0, last), failed, ...batch.slice(last + 1)];
  }
  return batch;
}

/** Wraps a cucumber formatter plugin so that it reports the kit's verdicts. */
export function verdictFormatter(inner: FormatterPlugin, expectedAs: ExpectedAs = "PASSED"): FormatterPlugin {
  return {
    type: "formatter",
    formatter(ctx) {
      const mine = (ctx.options.pikaVerdict ?? {}) as Partial<VerdictOptions>;
      const ledger = mine.ledger ? loadLedger(mine.ledger) : undefined;
      const strict = mine.strict ?? false;
      let forward: Handler = () => {};
      const cleanup = inner.formatter({
        ...ctx,
        options: ((inner.optionsKey ? ctx.options[inner.optionsKey] : ctx.options) ?? {}) as Record<
          string,
          unknown
        >,
        on: (_key, handler) => {
          forward = handler;
        },
      });
      const collector = new ResultCollector();
      const held = new Map<string, Envelope[]>();
      let ok = true;
      ctx.on("message", (m) => {
        const result = collector.update(m);
        const id = startedIdOf(m);
        const batch = id === undefined ? undefined : m.testCaseStarted ? [] : held.get(id);
        if (id === undefined || batch === undefined) {
          if (m.testRunFinished && !m.testRunFinished.exception)
            forward({ testRunFinished: { ...m.testRunFinished, success: ok } });
          else forward(m);
          return;
        }
        batch.push(m);
        held.set(id, batch);
        if (!m.testCaseFinished) return;
        held.delete(id);
        if (!result) {
          for (const e of batch) forward(e); // an attempt that will be retried
          return;
        }
        const j = judge(result, ledger, strict);
        if (j.verdict === "fail" || j.verdict === "stale") ok = false;
        for (const e of rewrite(batch, j, ledger?.name, expectedAs)) forward(e);
      });
      return cleanup;
    },
  };
}

/** One of cucumber's own formatter plugins ("html", "junit"), as cucumber itself resolves it. */
export function builtinFormatter(name: "html" | "junit"): FormatterPlugin {
  const cucumberDir = path.dirname(require.resolve("@cucumber/cucumber/package.json"));
  const builtin = require(path.join(cucumberDir, "lib", "formatter", "builtin", "index.js")).default;
  const found = builtin[name];
  const plugin =
    typeof found === "string" ? require(require.resolve(found, { paths: [cucumberDir] })).default : found;
  if (plugin?.type !== "formatter") throw new Error(`cucumber's ${name} formatter is not a formatter plugin`);
  return plugin;
}
