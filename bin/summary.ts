/**
 * Prints the closing line of a run, "N passed, N failed, N skipped", from the JUnit XML files
 * that the unit tests and cucumber wrote into the report directory. Exits 1 when a file is
 * missing or no test ran, so an empty run cannot pass unnoticed.
 *
 * usage: summary <report.xml> [<report.xml> ...]
 */
import * as fs from "node:fs";

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the <testcase> elements of a JUnit XML document by outcome. */
export function countJunit(xml: string): Counts {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) counts.failed++;
    else if (/<skipped\b/.test(c)) counts.skipped++;
    else counts.passed++;
  }
  return counts;
}

function main(files: string[]): number {
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    if (!fs.existsSync(f)) {
      console.error(`summary: ${f} is missing: that test pass did not run or wrote no report`);
      return 1;
    }
    const c = countJunit(fs.readFileSync(f, "utf8"));
    console.log(`${f}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed > 0 || total.passed === 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
