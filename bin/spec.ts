/**
 * `npm run spec`: generates docs/SPEC.md, the index of the specification, from the feature files
 * cucumber.js names, and checks the conventions of the specification on the way.
 *
 *   npm run spec              write docs/SPEC.md (when it changed)
 *   npm run spec -- --check   exit 1 when docs/SPEC.md is not what the features generate (CI)
 *
 * The work is done in harness/spec/: sources.ts finds and reads the inputs, model.ts reads the
 * features, conventions.ts and coverage.ts check them (against docs/PROTOCOL.md and
 * docs/uncovered-rules.yaml), render.ts writes the Markdown, build.ts ties them together. Any
 * violation (listed with file:line) fails both modes and writes nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { KIT_ROOT } from "../harness/root";
import { buildSpec, type SpecResult } from "../harness/spec/build";
import { UNCOVERED_FILE } from "../harness/spec/coverage";
import { firstDifference, formatMarkdown, SPEC_FILE } from "../harness/spec/render";
import { loadInput, PROFILE } from "../harness/spec/sources";

export interface Io {
  log: (line: string) => void;
  error: (line: string) => void;
}

const USAGE = `usage: npm run spec [-- --check]
  (no option)  write ${SPEC_FILE} from the feature files of cucumber.js (profile ${PROFILE})
  --check      write nothing; exit 1 when ${SPEC_FILE} is out of date`;

function printViolations(result: SpecResult, check: boolean, io: Io): void {
  io.error(`spec: ${result.violations.length} violation(s) of the specification conventions:`);
  for (const v of result.violations) io.error(`  ${v.file}${v.line ? `:${v.line}` : ""}: ${v.message}`);
  io.error(
    `${SPEC_FILE} was not ${check ? "checked" : "written"}. The conventions: every Feature has a description;`,
  );
  io.error(
    'every Rule is titled "AREA-TOPIC: <sentence with MUST, SHOULD or MAY>" and says "Protocol: R<n>, ...";',
  );
  io.error("every scenario has one ID tag @<RULE-ID>-NN, one of @must/@should, one of @master/@slave/@pair;");
  io.error(`no ID is used twice; a protocol rule with no scenario has a reason in ${UNCOVERED_FILE}.`);
}

function summaryOf(result: SpecResult): string {
  const rules = result.features.flatMap((f) => f.rules);
  const scenarios = rules.reduce((k, r) => k + r.scenarios.length, 0);
  return `${rules.length} rules, ${scenarios} scenarios, ${result.coverage.size} protocol rules covered`;
}

const readIfThere = (file: string) =>
  fs.existsSync(file) ? fs.readFileSync(file, "utf8").replace(/\r\n/g, "\n") : undefined;

/** --check: the committed file is exactly what the features generate. */
function check(current: string | undefined, markdown: string, summary: string, io: Io): number {
  if (current === markdown) {
    io.log(`spec: ${SPEC_FILE} is up to date (${summary})`);
    return 0;
  }
  io.error(
    current === undefined
      ? `spec: ${SPEC_FILE} does not exist.`
      : `spec: ${SPEC_FILE} is out of date with features/ (${firstDifference(current, markdown)})`,
  );
  io.error(`Run \`npm run spec\` and commit ${SPEC_FILE}.`);
  return 1;
}

/** Writes the file only when it changed, so its time stamp says when the index last changed. */
function write(
  target: string,
  current: string | undefined,
  markdown: string,
  summary: string,
  io: Io,
): number {
  if (current === markdown) {
    io.log(`spec: ${SPEC_FILE} unchanged (${summary})`);
    return 0;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, markdown);
  io.log(`spec: wrote ${SPEC_FILE} (${summary})`);
  return 0;
}

/** The command; resolves to the exit status. `root` is the kit's directory (its cucumber.js). */
export async function main(
  argv: string[],
  root = KIT_ROOT,
  io: Io = { log: console.log, error: console.error },
): Promise<number> {
  const args = argv.filter((a) => a !== "--"); // `node bin/spec.ts -- --check` as well as npm's form
  const checking = args.includes("--check");
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length) {
    io.error(`spec: unknown argument ${unknown.join(" ")}\n${USAGE}`);
    return 2;
  }
  const input = await loadInput(root);
  if (input.features.length === 0) {
    io.error(`spec: the cucumber configuration in ${root} (profile ${PROFILE}) names no feature file`);
    return 1;
  }
  const result = buildSpec(input);
  if (result.violations.length) {
    printViolations(result, checking, io);
    return 1;
  }
  const markdown = formatMarkdown(result.markdown);
  const target = path.join(root, SPEC_FILE);
  const current = readIfThere(target);
  const summary = summaryOf(result);
  return checking ? check(current, markdown, summary, io) : write(target, current, markdown, summary, io);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(`spec: ${(err as Error).message}`);
      process.exitCode = 2;
    },
  );
}
