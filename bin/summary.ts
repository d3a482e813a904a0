/**
 * Prints the closing line of a run, "N passed, N failed, N skipped", from the JUnit XML files
 * that the unit tests and cucumber wrote into the report directory, and under each file the
 * test cases that failed with the first line of their message, so the end of a CI log says what
 * failed. Exits 1 when a file is missing or unreadable as XML, or no test ran, so an empty run
 * cannot pass unnoticed. Each `--failed-step NAME` (a CI step that exited non-zero: a benchmark,
 * a check that writes no JUnit file) is listed and counted as one failed check more.
 *
 * usage: summary [--failed-step NAME ...] <report.xml> [<report.xml> ...]
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { countJunit, type JunitCounts } from "../harness/report/junit";

export function main(argv: string[]): number {
  const { values, positionals: files } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "failed-step": { type: "string", multiple: true, default: [] } },
  });
  const total = { passed: 0, failed: 0, skipped: 0 };
  let unreadable = false;
  for (const f of files) {
    if (!fs.existsSync(f)) {
      console.error(`summary: ${f} is missing: that test pass did not run or wrote no report`);
      return 1;
    }
    let c: JunitCounts;
    try {
      c = countJunit(fs.readFileSync(f, "utf8"));
    } catch (err) {
      console.log(`${f}: unreadable, ${(err as Error).message}`);
      unreadable = true;
      continue;
    }
    console.log(`${f}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    for (const line of c.failures) console.log(`  failed: ${line}`);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  const steps = [...new Set(values["failed-step"])];
  if (steps.length > 0) console.log(`steps that exited non-zero, one failed check each:`);
  for (const step of steps) console.log(`  failed: ${step}`);
  total.failed += steps.length;
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return unreadable || total.failed > 0 || total.passed === 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
