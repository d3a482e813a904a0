/**
 * Mutation score of the specification: runs the suite against every named buggy variant of the
 * reference node (harness/reference/behaviour.ts) and reports which scenarios kill each one.
 * A variant is killed only by a failed conformance assertion, not by an error or a timeout of
 * the harness. Every variant must be killed; a survivor means a missing scenario. Each run is a
 * pika-conformance process of its own (a fresh cucumber, with that run's settings and timeouts).
 *
 * usage: mutation [--junit FILE] [variant ...]     (default: all variants)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { VARIANTS } from "../harness/reference/behaviour";
import { type JunitCase, junitXml } from "../harness/report/junit";
import type { VerdictFile } from "../harness/report/outcome";
import { runCliProcess } from "./runner";

/** The suite on the reference, or a variant of it, in a process of its own; every failure (SHOULD too) a failure. */
function runVariant(variant: string | undefined, dir: string): VerdictFile["scenarios"] {
  const args = ["--ledger", "none", "--strict", ...(variant ? ["--variant", variant] : [])];
  const env = {
    PIKA_TARGET: undefined,
    PIKA_REFERENCE_VARIANT: undefined,
    PIKA_TRACE_DIR: path.join(dir, "traces"),
  };
  return runCliProcess(args, env, dir, false).verdicts.scenarios;
}

export function main(argv: string[]): number {
  const j = argv.indexOf("--junit");
  const junit = j >= 0 ? argv[j + 1] : undefined;
  const names = j >= 0 ? [...argv.slice(0, j), ...argv.slice(j + 2)] : argv;
  const unknown = names.filter((n) => !VARIANTS[n]);
  if (unknown.length) {
    console.error(
      `mutation: unknown variant(s) ${unknown.join(", ")}; known: ${Object.keys(VARIANTS).join(", ")}`,
    );
    return 2;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pika-mutation-"));
  try {
    return score(tmp, names, junit);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function score(tmp: string, names: string[], junit: string | undefined): number {
  const baseline = runVariant(undefined, path.join(tmp, "baseline"));
  const broken = baseline.filter((r) => r.verdict !== "pass");
  if (broken.length || baseline.length === 0) {
    console.error(
      `mutation: the conformant reference does not pass the suite (${broken.map((r) => r.id).join(", ") || "no scenario ran"}); fix that first`,
    );
    return 1;
  }
  console.log(`baseline: the conformant reference passes all ${baseline.length} scenarios\n`);
  const chosen = (names.length ? names : Object.keys(VARIANTS)).flatMap((n) => {
    const variant = VARIANTS[n];
    return variant ? [{ name: n, description: variant.description }] : [];
  });
  let killed = 0;
  const cases: JunitCase[] = [];
  for (const { name, description } of chosen) {
    const failed = runVariant(name, path.join(tmp, name)).filter((r) => r.verdict === "fail");
    const killers = failed.filter((r) => r.error?.type === "ConformanceError");
    const errors = failed.filter((r) => r.error?.type !== "ConformanceError");
    if (killers.length) killed++;
    const verdict = killers.length ? "KILLED  " : "SURVIVED";
    console.log(`${verdict} ${name.padEnd(30)} ${description}`);
    if (killers.length) console.log(`         by ${killers.map((r) => r.id).join(", ")}`);
    for (const e of errors)
      console.log(
        `         harness error in ${e.id} (does not count): ${e.error?.type}: ${e.error?.message.split("\n")[0]}`,
      );
    cases.push({
      classname: "mutation",
      name,
      ...(killers.length
        ? {}
        : {
            failure: {
              message: "survived",
              text: `no scenario kills ${name}: ${description}`,
            },
          }),
    });
  }
  if (junit) fs.writeFileSync(junit, junitXml("mutation", cases));
  const score = (100 * killed) / chosen.length;
  console.log(`\nmutation score: ${killed}/${chosen.length} variants killed (${score.toFixed(0)}%)`);
  console.log(`${killed} passed, ${chosen.length - killed} failed`);
  return killed === chosen.length ? 0 : 1;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
