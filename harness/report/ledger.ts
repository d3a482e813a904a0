/**
 * The deviation ledger: fixtures/deviations/<pika-version>.yaml lists the scenarios a Pika
 * version is known to fail, each with the Pika issue or code it comes from, a one-line reason,
 * and whether it was seen failing on a real build (`verified`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const LEDGER_DIR = path.resolve(__dirname, "../../fixtures/deviations");

export interface Deviation {
  id: string;
  reference: string;
  reason: string;
  verified: boolean;
}

export interface Ledger {
  version: string;
  deviations: Map<string, Deviation>;
}

export function ledgerVersions(dir = LEDGER_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** Parses and checks a ledger document; throws with every problem listed. */
export function parseLedger(text: string, version: string): Ledger {
  const doc = parse(text) as { pika_version?: unknown; deviations?: unknown };
  const problems: string[] = [];
  if (String(doc?.pika_version) !== version)
    problems.push(`pika_version is "${doc?.pika_version}", expected "${version}"`);
  const list = Array.isArray(doc?.deviations) ? (doc.deviations as Record<string, unknown>[]) : [];
  if (!Array.isArray(doc?.deviations)) problems.push("deviations must be a list");
  const deviations = new Map<string, Deviation>();
  list.forEach((d, i) => {
    const where = `deviations[${i}]`;
    if (typeof d.id !== "string" || !/^[A-Z]+-[A-Z]+-\d{2}$/.test(d.id))
      problems.push(`${where}.id must be a scenario ID like MS-DUP-01`);
    for (const k of ["reference", "reason"])
      if (typeof d[k] !== "string" || d[k] === "") problems.push(`${where}.${k} is missing`);
    if (typeof d.verified !== "boolean") problems.push(`${where}.verified must be true or false`);
    if (deviations.has(String(d.id))) problems.push(`${where}: ${d.id} is listed twice`);
    deviations.set(String(d.id), {
      id: String(d.id),
      reference: String(d.reference),
      reason: String(d.reason),
      verified: d.verified === true,
    });
  });
  if (problems.length) throw new Error(`ledger for Pika ${version} is invalid:\n  ${problems.join("\n  ")}`);
  return { version, deviations };
}

/** Loads the ledger of a version; an unknown version is an error naming the known ones. */
export function loadLedger(version: string, dir = LEDGER_DIR): Ledger {
  const file = path.join(dir, `${version}.yaml`);
  if (!fs.existsSync(file))
    throw new Error(
      `there is no deviation ledger for Pika ${version} (${file}). Known versions: ${ledgerVersions(dir).join(", ")}. ` +
        "Run without --pika-version to treat every failure as a failure, or add a ledger file.",
    );
  return parseLedger(fs.readFileSync(file, "utf8"), version);
}
