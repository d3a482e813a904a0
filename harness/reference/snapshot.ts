/**
 * A database snapshot for full sync, in the reference's own content format: the keys of one
 * database as JSON, spread over the directories of the release's dump layout, and an `info`
 * file in the layout of Pika's dump info (src/pika_db.cc DoBgSave): the time the dump
 * took ("0s"), the master's host and port, the binlog filenum and offset the snapshot
 * corresponds to, then the term and logic id. The snapshot uuid is the MD5 of the info text, as
 * Pika's (so two snapshots at the same binlog position have the same uuid: they hold the same
 * data).
 *
 * The layout follows the release (DumpLayout): since v4.0.0 one directory per storage instance
 * ("0/keys.json", "1/keys.json", ... for db-instance-num instances, as Pika's dump lists
 * "<instance>/<file>"); before, one per data type ("strings/keys.json", "lists/keys.json", ...,
 * the directories v3.5.5's DB::PrepareRsync creates). A node reads only its own layout, as a
 * v3.5.5 slave cannot use a v4.0.1 master's dump (docs/PROTOCOL.md §11.5, PR-VERFULL).
 */
import { createHash } from "node:crypto";
import type { SchemaVersion } from "../wire/proto";
import type { Position } from "./binlog";
import type { SavedEntry } from "./keyspace";

/** How a dump lays out its files: per storage instance (v4.0.0 on) or per data type (v3.x). */
export type DumpLayout = "instances" | "types";

/** The dump layout of the release whose wire schema a node speaks. */
export const layoutOf = (schema: SchemaVersion): DumpLayout => (schema === "4.0" ? "instances" : "types");

/** The data-type directories of a v3.x dump. */
const TYPE_DIRS = ["strings", "hashes", "lists", "sets", "zsets"] as const;

const LAYOUT_FILE: Record<DumpLayout, RegExp> = {
  instances: /^\d+\/keys\.json$/,
  types: new RegExp(`^(${TYPE_DIRS.join("|")})/keys\\.json$`),
};

const LAYOUT_NAME: Record<DumpLayout, string> = {
  instances: "one directory per storage instance (Pika 4.0)",
  types: "one directory per data type (Pika 3.x)",
};

export const INFO_FILE = "info";

export interface Snapshot {
  db: string;
  uuid: string;
  /** File name → bytes, in the order the meta response lists them (the info file last, as Pika). */
  files: Map<string, Buffer>;
  /** The binlog position the snapshot corresponds to. */
  position: Position;
}

/** What the info file says, as a Pika slave reads it (DB::TryUpdateMasterOffset). */
export interface SnapshotInfo {
  ip: string;
  port: number;
  filenum: number;
  offset: number;
  term: number;
  index: number;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnapshotError";
  }
}

/** Which instance file a key goes to: a stable hash of its name. */
function instanceOf(key: string, instances: number): number {
  let h = 0;
  for (const c of Buffer.from(key)) h = (h * 31 + c) >>> 0;
  return h % instances;
}

export function infoText(host: string, port: number, p: Position): string {
  return `0s\n${host}\n${port}\n${p.filenum}\n${p.offset}\n${p.term}\n${p.index}\n`;
}

/** Takes a snapshot of one database's keys at binlog position `position`. */
export function takeSnapshot(
  db: string,
  keys: SavedEntry[],
  position: Position,
  where: { host: string; port: number; instances: number; layout: DumpLayout },
): Snapshot {
  const files = new Map<string, Buffer>();
  if (where.layout === "instances") {
    const parts: SavedEntry[][] = Array.from({ length: where.instances }, () => []);
    for (const e of keys) parts[instanceOf(e[0], where.instances)]?.push(e);
    parts.forEach((entries, i) => {
      files.set(`${i}/keys.json`, Buffer.from(JSON.stringify(entries)));
    });
  } else {
    // The reference holds strings and lists; the other directories are there, empty, as in a v3.x dump.
    const dirOf = (e: SavedEntry) => (e[3] ? "lists" : "strings");
    for (const dir of TYPE_DIRS)
      files.set(`${dir}/keys.json`, Buffer.from(JSON.stringify(keys.filter((e) => dirOf(e) === dir))));
  }
  const info = infoText(where.host, where.port, position);
  files.set(INFO_FILE, Buffer.from(info));
  return { db, uuid: createHash("md5").update(info).digest("hex"), files, position: { ...position } };
}

/**
 * The info file as Pika's slave reads it: line 2 the master's ip, lines 3 to 7 integers ≥ 0
 * (port, filenum, offset, term, index; term and index may be missing), nothing after line 8.
 */
export function parseInfo(text: string): SnapshotInfo {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length > 8) throw new SnapshotError(`info file of ${lines.length} lines`);
  const num = (i: number): number => {
    const line = lines[i];
    if (line === undefined) return 0;
    if (!/^\d+$/.test(line)) throw new SnapshotError(`info file line ${i + 1} is not an integer: "${line}"`);
    return Number(line);
  };
  return { ip: lines[1] ?? "", port: num(2), filenum: num(3), offset: num(4), term: num(5), index: num(6) };
}

/**
 * The keys and info of a fetched snapshot in `layout`; throws SnapshotError when a file is
 * missing, bad, or of another layout.
 */
export function readSnapshot(
  files: ReadonlyMap<string, Buffer>,
  layout: DumpLayout,
): { keys: SavedEntry[]; info: SnapshotInfo } {
  const info = files.get(INFO_FILE);
  if (!info) throw new SnapshotError("the snapshot has no info file");
  const keys: SavedEntry[] = [];
  for (const [name, bytes] of files) {
    if (name === INFO_FILE) continue;
    if (!LAYOUT_FILE[layout].test(name))
      throw new SnapshotError(
        `${name} is not a file of a dump with ${LAYOUT_NAME[layout]}, the only layout this node reads`,
      );
    let entries: unknown;
    try {
      entries = JSON.parse(bytes.toString("utf8"));
    } catch (err) {
      throw new SnapshotError(`${name}: ${(err as Error).message}`);
    }
    if (!Array.isArray(entries)) throw new SnapshotError(`${name}: not a list of keys`);
    keys.push(...(entries as SavedEntry[]));
  }
  return { keys, info: parseInfo(info.toString("utf8")) };
}
