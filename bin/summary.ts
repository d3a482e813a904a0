/**
 * Prints the closing line of a run, "N passed, N failed, N skipped", from the JUnit XML files
 * that the unit tests and cucumber wrote into the report directory, and under each file the
 * test cases that failed with the first line of their message, so the end of a CI log says what
 * failed. Exits 1 when a file is missing or unreadable as XML, or no test ran, so an empty run
 * cannot pass unnoticed.
 *
 * usage: summary <report.xml> [<report.xml> ...]
 */
import * as fs from "node:fs";
import { countJunit, type JunitCounts } from "../harness/report/junit";

function main(files: string[]): number {
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
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return unreadable || total.failed > 0 || total.passed === 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
