/**
 * The deviation ledger: fixtures/deviations/<name>.yaml lists the scenarios a Pika release (or
 * one build of a branch) is known to fail, each with the Pika issue or code it comes from, a
 * one-line reason, how it fails (a conformance assertion, or the node crashing) and the git sha
 * of the build it was seen failing on (`verified`), or `false` when it is derived from source.
 * Its `passes` list the scenarios it is known to pass, each with a one-line reason and the same
 * `verified`. `coverage: complete` claims that the two lists together name every scenario of the
 * spec exactly once; `coverageProblems` checks that claim against the feature files.
 *
 * A build under test is identified by what INFO server reports, `pika_version` and
 * `pika_git_sha`; `chooseLedger` picks the ledger that judges it (by git sha first, then by
 * version, then the nearest older release), and says how it chose.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { kitPath } from "../root";
import { isScenarioId } from "../spec/ids";
import { compareVersions, parseVersion } from "../version";

export const LEDGER_DIR = kitPath("fixtures", "deviations");

/** What a build says about itself in INFO server. */
export interface Build {
  version: string;
  /** pika_git_sha; absent on builds that do not report one (the reference, old releases). */
  sha?: string;
}

export const describeBuild = (b: Build) =>
  `pika_version ${b.version}${b.sha ? `, git sha ${b.sha}` : ", no git sha"}`;

/** How a listed scenario fails: a conformance assertion of that scenario, or a node of the system under test dying. */
export type DeviationKind = "assertion" | "crash";

export interface Deviation {
  id: string;
  reference: string;
  reason: string;
  kind: DeviationKind;
  /** The git sha of the build this failure was seen on, or false (derived from the source). */
  verified: string | false;
}

/** A scenario the release is known to pass: why (the source, or a run), and the build it was seen passing on. */
export interface Pass {
  id: string;
  reason: string;
  /** The git sha of the build this scenario was seen passing on, or false (derived from the source). */
  verified: string | false;
}

/** `complete`: deviations and passes together account for every scenario; `partial`: not (yet). */
export type Coverage = "complete" | "partial";

export interface Ledger {
  /** The file's stem: a release ("4.0.1") or a branch build ("unstable-218b68bb"). */
  name: string;
  /** The pika_version its builds report (v4.0.1 reports 4.0.0). */
  reports: string;
  /** Git shas of the builds it covers. */
  builds: string[];
  deviations: Map<string, Deviation>;
  /** The scenarios it is known to pass (absent from a file: none). */
  passes: Map<string, Pass>;
  /** Whether deviations and passes claim to name every scenario (absent from a file: partial). */
  coverage: Coverage;
  /** The file it was loaded from. */
  file?: string;
}

const SHA = /^[0-9a-f]{40}$/;

export function ledgerNames(dir = LEDGER_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort(compareVersions);
}

/** Parses and checks a ledger document; throws with every problem listed. */
export function parseLedger(text: string, name: string): Ledger {
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (String(doc.ledger) !== name)
    problems.push(`ledger is "${doc.ledger}", expected "${name}" (the file's name)`);
  if (typeof doc.pika_version !== "string" || doc.pika_version === "")
    problems.push("pika_version (what INFO server reports on its builds) is missing");
  const builds = doc.builds === undefined ? [] : doc.builds;
  if (!Array.isArray(builds) || builds.some((b) => typeof b !== "string" || !SHA.test(b)))
    problems.push("builds must be a list of 40-character git shas");
  const buildList = Array.isArray(builds) ? builds.map(String) : [];
  const verifiedProblem = (where: string, verified: unknown) => {
    if (verified !== false && !(typeof verified === "string" && SHA.test(verified)))
      problems.push(
        `${where}.verified must be false or the 40-character git sha of the build it was seen on`,
      );
    else if (typeof verified === "string" && !buildList.includes(verified))
      problems.push(`${where}.verified names ${verified}, which is not one of this ledger's builds`);
  };
  /** Where each ID was listed first, so that a second listing says both places. */
  const listed = new Map<string, string>();
  /** Checks an entry of `section` in order: its id, its own fields (`fields`), verified, a second listing. */
  const check = (section: string, d: Record<string, unknown>, i: number, fields: (where: string) => void) => {
    const where = `${section}[${i}]`;
    if (typeof d.id !== "string" || !isScenarioId(d.id))
      problems.push(`${where}.id must be a scenario ID like MS-DUP-01`);
    fields(where);
    verifiedProblem(where, d.verified);
    const first = listed.get(String(d.id));
    if (first) problems.push(`${where}: ${d.id} is listed twice (also at ${first})`);
    else listed.set(String(d.id), where);
    return !first;
  };
  const list = Array.isArray(doc.deviations) ? (doc.deviations as Record<string, unknown>[]) : [];
  if (!Array.isArray(doc.deviations)) problems.push("deviations must be a list");
  const deviations = new Map<string, Deviation>();
  list.forEach((d, i) => {
    const kind = d.kind ?? "assertion";
    const first = check("deviations", d, i, (where) => {
      for (const k of ["reference", "reason"])
        if (typeof d[k] !== "string" || d[k] === "") problems.push(`${where}.${k} is missing`);
      if (kind !== "assertion" && kind !== "crash") problems.push(`${where}.kind must be assertion or crash`);
    });
    if (first)
      deviations.set(String(d.id), {
        id: String(d.id),
        reference: String(d.reference),
        reason: String(d.reason),
        kind: kind as DeviationKind,
        verified: typeof d.verified === "string" ? d.verified : false,
      });
  });
  const passList = doc.passes === undefined ? [] : doc.passes;
  if (!Array.isArray(passList)) problems.push("passes must be a list");
  const passes = new Map<string, Pass>();
  (Array.isArray(passList) ? (passList as Record<string, unknown>[]) : []).forEach((p, i) => {
    const first = check("passes", p, i, (where) => {
      if (typeof p.reason !== "string" || p.reason === "") problems.push(`${where}.reason is missing`);
    });
    if (first)
      passes.set(String(p.id), {
        id: String(p.id),
        reason: String(p.reason),
        verified: typeof p.verified === "string" ? p.verified : false,
      });
  });
  const coverage = doc.coverage ?? "partial";
  if (coverage !== "complete" && coverage !== "partial")
    problems.push("coverage must be complete or partial");
  if (problems.length) throw new Error(`ledger ${name} is invalid:\n  ${problems.join("\n  ")}`);
  return {
    name,
    reports: String(doc.pika_version),
    builds: buildList,
    deviations,
    passes,
    coverage: coverage as Coverage,
  };
}

/**
 * What is wrong with a ledger's account of the spec's scenarios (`ids`: every scenario ID of the
 * feature files), one line each: an ID that is no scenario of the spec, and, for a ledger that
 * says `coverage: complete`, every scenario it lists neither as a deviation nor as a pass. An ID
 * listed twice is refused when the ledger is parsed. Empty when the account is right.
 */
export function coverageProblems(ledger: Ledger, ids: Iterable<string>): string[] {
  const spec = new Set(ids);
  const problems: string[] = [];
  for (const [section, map] of [
    ["deviations", ledger.deviations],
    ["passes", ledger.passes],
  ] as const)
    for (const id of map.keys())
      if (!spec.has(id))
        problems.push(`ledger ${ledger.name}: ${section} names ${id}, which is no scenario of the spec`);
  if (ledger.coverage === "complete") {
    const missing = [...spec].filter((id) => !ledger.deviations.has(id) && !ledger.passes.has(id)).sort();
    if (missing.length)
      problems.push(
        `ledger ${ledger.name} says coverage: complete, but lists neither as a deviation nor as a pass: ${missing.join(", ")}`,
      );
  }
  return problems;
}

/** Loads a ledger by name, or from a file path; an unknown name is an error naming the known ones. */
export function loadLedger(nameOrFile: string, dir = LEDGER_DIR): Ledger {
  const isFile = nameOrFile.endsWith(".yaml") || nameOrFile.includes("/");
  const file = isFile ? path.resolve(nameOrFile) : path.join(dir, `${nameOrFile}.yaml`);
  if (!fs.existsSync(file))
    throw new Error(
      `there is no deviation ledger ${nameOrFile} (${file}). Known ledgers: ${ledgerNames(dir).join(", ")}. ` +
        "Give --ledger none to judge every failure as a failure, or add a ledger file.",
    );
  return { ...parseLedger(fs.readFileSync(file, "utf8"), path.basename(file, ".yaml")), file };
}

export function loadLedgers(dir = LEDGER_DIR): Ledger[] {
  return ledgerNames(dir).map((n) => loadLedger(n, dir));
}

export interface LedgerChoice {
  /** undefined: no ledger, every failure is a failure. */
  ledger: Ledger | undefined;
  /** How the ledger was chosen, for the console; `loud` when the user should look twice. */
  why: string;
  loud: boolean;
}

/** A refusal the user can act on: one paragraph, with a way through. */
export class LedgerChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerChoiceError";
  }
}

/**
 * Which ledger judges `build`:
 * - `ledger` (--ledger NAME|FILE|none) decides when given, said loudly when it is for other builds;
 * - a `requested` version (--pika-version) that does not describe the build is refused, with a
 *   way through (versionMismatch);
 * - else a ledger that lists the build's git sha;
 * - else the ledger named after the version it reports;
 * - else the nearest older release's ledger, or none; both said loudly.
 */
export function chooseLedger(
  build: Build,
  opts: { requested?: string; ledger?: string },
  ledgers: Ledger[] = loadLedgers(),
): LedgerChoice {
  const what = `the build under test (${describeBuild(build)})`;
  if (opts.ledger === "none")
    return {
      ledger: undefined,
      why: `judging ${what} with no ledger: every failure is a failure`,
      loud: true,
    };
  if (opts.ledger) {
    const ledger = ledgers.find((l) => l.name === opts.ledger) ?? loadLedger(opts.ledger);
    const covers =
      (build.sha && ledger.builds.includes(build.sha)) ||
      (!ledger.builds.length && ledger.reports === build.version);
    return {
      ledger,
      why: `judging ${what} by the ledger ${ledger.name}, as --ledger asks${covers ? "" : `; that ledger is for ${ledgerBuilds(ledger)}, not this build`}`,
      loud: !covers,
    };
  }
  const requested = opts.requested?.replace(/^v/, "");
  const mismatch = requested ? versionMismatch(requested, build, ledgers) : undefined;
  if (mismatch)
    throw new LedgerChoiceError(
      `--pika-version ${requested} does not describe ${what}: ${mismatch}. Give --pika-version ${build.version} (or ` +
        `leave it out) to test this build as what it reports${ledgers.some((l) => l.name === requested) ? `, or --ledger ${requested} to judge it by the ${requested} ledger anyway` : ""}.`,
    );
  const bySha = build.sha ? ledgers.find((l) => l.builds.includes(build.sha as string)) : undefined;
  if (bySha)
    return {
      ledger: bySha,
      why: `judging ${what} by the ledger ${bySha.name} (it lists this git sha)`,
      loud: false,
    };
  const byVersion = ledgers.find((l) => l.name === build.version.replace(/^v/, ""));
  if (byVersion)
    return {
      ledger: byVersion,
      why: `judging ${what} by the ledger ${byVersion.name} (by its version${build.sha ? "; no ledger lists its git sha" : ""})`,
      loud: !!build.sha,
    };
  const older = nearestOlder(build.version, ledgers);
  if (older)
    return {
      ledger: older,
      why:
        `there is no ledger for ${what}: judging it by the nearest older release's ledger, ${older.name}. A scenario ` +
        `that ledger lists and this build passes fails the run as stale. Give --ledger none to judge without a ledger, ` +
        `or add fixtures/deviations/${build.version}.yaml.`,
      loud: true,
    };
  return {
    ledger: undefined,
    why: `there is no ledger for ${what}, nor for an older release: every failure is a failure`,
    loud: !!parseVersion(build.version),
  };
}

/**
 * Why `requested` (--pika-version, PIKA_VERSION) does not describe `build`; undefined when it does:
 * it is what the build reports, or a ledger by that name lists the build's git sha (a v4.0.1 build
 * reports 4.0.0, and is 4.0.1 by its sha).
 */
export function versionMismatch(
  requested: string,
  build: Build,
  ledgers: Ledger[] = loadLedgers(),
): string | undefined {
  const r = requested.trim().replace(/^v/, "");
  if (r === build.version.replace(/^v/, "")) return undefined;
  const named = ledgers.find((l) => l.name === r);
  if (named && build.sha && named.builds.includes(build.sha)) return undefined;
  return named ? `the ${r} ledger is for ${ledgerBuilds(named)}` : `it reports pika_version ${build.version}`;
}

function ledgerBuilds(l: Ledger): string {
  return l.builds.length
    ? `the builds with git sha ${l.builds.map((s) => s.slice(0, 8)).join(", ")} (they report pika_version ${l.reports})`
    : `builds reporting pika_version ${l.reports}`;
}

/** The ledger of the newest release not newer than `version` (branch ledgers never stand in). */
export function nearestOlder(version: string, ledgers: Ledger[]): Ledger | undefined {
  if (!parseVersion(version)) return undefined;
  return ledgers
    .filter((l) => /^\d+\.\d+\.\d+$/.test(l.name) && compareVersions(l.name, version) <= 0)
    .sort((a, b) => compareVersions(a.name, b.name))
    .at(-1);
}
