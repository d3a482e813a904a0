/**
 * Mutation score of the kit itself: each mutation breaks one piece of the kit the way a careless
 * change would (a check that checks nothing, a fault that matches nothing, a budget doubled),
 * in a copy of the checkout; the unit tests or the suite must then fail. A mutation that
 * survives means the kit could pass by mistake.
 *
 * usage: kit-mutation [--junit FILE] [name ...]     (default: all)
 *
 * "suite" runs the pika-conformance CLI on the reference's pika-4.0 profile judged by the 4.0.1
 * ledger: with a check gone, the profile passes scenarios the ledger lists, and the run fails
 * on stale entries. "unit" runs the unit tests of the piece. Each mutation takes seconds.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type JunitCase, junitXml } from "../harness/report/junit";
import { KIT_ROOT } from "../harness/root";

interface KitMutation {
  name: string;
  description: string;
  file: string;
  from: string;
  to: string;
  /** What must fail: unit test files, or the suite on the pika-4.0 profile. */
  killedBy: { unit?: string[]; suite?: boolean };
}

export const KIT_MUTATIONS: KitMutation[] = [
  {
    name: "expect-checks-nothing",
    description: "expect() never throws: every step's check passes",
    file: "harness/check.ts",
    from: "if (!ok) throw new Mismatch(",
    to: "if (!ok && ok) throw new Mismatch(",
    killedBy: { suite: true },
  },
  {
    name: "budget-never-fails",
    description: "expectWithin() returns when its budget is over instead of failing",
    file: "harness/check.ts",
    from: "if (err instanceof BudgetExceeded) throw new Mismatch(expected, actual());",
    to: "if (err instanceof BudgetExceeded) return actual() as unknown as T;",
    killedBy: { suite: true },
  },
  {
    name: "fault-matches-nothing",
    description: "no frame fault of the proxy matches any frame",
    file: "harness/proxy/faults.ts",
    from: "if (f.direction !== frame.direction) return false;",
    to: "return false;",
    killedBy: { unit: ["test/proxy-faults.test.ts"], suite: true },
  },
  {
    name: "budget-doubled",
    description: 'every "N s" of a step means 2N seconds',
    file: "steps/parameters.ts",
    from: "transformer: (s: string) => Number(s.slice(0, -2)),",
    to: "transformer: (s: string) => 2 * Number(s.slice(0, -2)),",
    killedBy: { unit: ["test/parameters.test.ts"] },
  },
  {
    name: "any-msg-type",
    description: "a message type parameter accepts any word",
    file: "steps/parameters.ts",
    from: 'regexp: new RegExp(`k?(?:${MSG_TYPE_NAMES.join("|")})`),',
    to: 'regexp: new RegExp(`\\w+|${MSG_TYPE_NAMES.join("|")}`),',
    killedBy: { unit: ["test/parameters.test.ts", "test/steps.test.ts"] },
  },
];

/** A copy of the kit's tracked files (node_modules linked, not copied), to break and build. */
function copyKit(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-conformance-kit-mutation-"));
  const files = execFileSync("git", ["ls-files", "-z"], { cwd: KIT_ROOT, encoding: "utf8" }).split("\0");
  for (const f of files.filter(Boolean)) {
    const to = path.join(dir, f);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(KIT_ROOT, f), to);
  }
  fs.symlinkSync(path.join(KIT_ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

const run = (cwd: string, cmd: string, args: string[]) =>
  spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, PIKA_REFERENCE_VARIANT: undefined } });

/** Which of the mutation's killers failed (killed it); empty when it survived. */
function killers(dir: string, m: KitMutation): string[] {
  const out: string[] = [];
  const build = run(dir, process.execPath, [
    path.join(dir, "node_modules/typescript/bin/tsc"),
    "-p",
    "tsconfig.build.json",
  ]);
  // A mutation the compiler refuses tells nothing about the tests: it is a broken mutation.
  if (build.status !== 0)
    throw new Error(`${m.name} does not compile: ${build.stdout.trim().split("\n")[0]}`);
  if (m.killedBy.unit) {
    const unit = run(dir, process.execPath, ["--require", "ts-node/register", "--test", ...m.killedBy.unit]);
    if (unit.status !== 0) out.push(`unit tests ${m.killedBy.unit.join(", ")}`);
  }
  if (m.killedBy.suite) {
    const reports = path.join(dir, "reports", m.name);
    const suite = run(dir, process.execPath, [
      path.join(dir, "bin", "pika-conformance.js"),
      "--variant",
      "pika-4.0",
      "--ledger",
      "4.0.1",
      "--quiet",
      "--report-dir",
      reports,
    ]);
    if (suite.status !== 0)
      out.push(`the suite on the pika-4.0 profile (${suite.stdout.trim().split("\n").at(-1)})`);
  }
  return out;
}

export function main(argv: string[]): number {
  const j = argv.indexOf("--junit");
  const junit = j >= 0 ? argv[j + 1] : undefined;
  const names = j >= 0 ? [...argv.slice(0, j), ...argv.slice(j + 2)] : argv;
  const chosen = names.length ? KIT_MUTATIONS.filter((m) => names.includes(m.name)) : KIT_MUTATIONS;
  if (chosen.length !== (names.length || KIT_MUTATIONS.length)) {
    console.error(`kit-mutation: known mutations: ${KIT_MUTATIONS.map((m) => m.name).join(", ")}`);
    return 2;
  }
  const dir = copyKit();
  const cases: JunitCase[] = [];
  try {
    for (const m of chosen) {
      const file = path.join(dir, m.file);
      const original = fs.readFileSync(file, "utf8");
      if (!original.includes(m.from)) {
        console.log(`STALE    ${m.name}: ${m.file} no longer contains the text it mutates`);
        cases.push({
          classname: "kit-mutation",
          name: m.name,
          failure: { message: "stale", text: `${m.file}: ${m.from}` },
        });
        continue;
      }
      fs.writeFileSync(file, original.replace(m.from, m.to));
      const by = killers(dir, m);
      fs.writeFileSync(file, original);
      console.log(`${by.length ? "KILLED  " : "SURVIVED"} ${m.name.padEnd(28)} ${m.description}`);
      if (by.length) console.log(`         by ${by.join("; ")}`);
      cases.push({
        classname: "kit-mutation",
        name: m.name,
        ...(by.length
          ? {}
          : { failure: { message: "survived", text: `nothing fails when ${m.description}` } }),
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (junit) fs.writeFileSync(junit, junitXml("kit-mutation", cases));
  const killed = cases.filter((c) => !c.failure).length;
  console.log(`\nkit mutation score: ${killed}/${cases.length} killed`);
  console.log(`${killed} passed, ${cases.length - killed} failed`);
  return killed === cases.length ? 0 : 1;
}

if (require.main === module)
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`kit-mutation: ${(err as Error).message}`);
    process.exitCode = 2;
  }
