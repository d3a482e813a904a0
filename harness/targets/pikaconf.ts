/**
 * pika.conf rendering: the template fixtures/pika/pika.conf, filled for one node. Every path key
 * gets a directory of the node's own; keys that the Pika version under test does not know are
 * left out (pika-protocol.md §6.3, §7.1).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { kitPath } from "../root";
import { compareVersions, parseVersion } from "../version";
import type { NodeOptions } from "./target";

export const TEMPLATE = kitPath("fixtures", "pika", "pika.conf");

/** The keys whose value is a path; each gets a fresh directory (pidfile: a file in the node's directory). */
export const PATH_KEYS = ["log-path", "db-path", "dump-path", "db-sync-path"] as const;

/** Keys a Pika version does not know, with the first version that has them. */
const SINCE: Record<string, string> = {
  "replication-id": "3.5.1",
  "db-instance-num": "4.0.0",
};

/** Whether pika.conf for `version` may carry `key` (a string that is not a release number gets every key). */
export function keyApplies(key: string, version: string | undefined): boolean {
  const since = SINCE[key];
  return !since || version === undefined || !parseVersion(version) || compareVersions(version, since) >= 0;
}

/** Where a node's files live: a directory on this machine, or a root inside a container. */
export interface ConfLayout {
  /** The node's directory; path keys become `<dir>/<name>/`, the pidfile `<dir>/pika.pid`. */
  dir: string;
}

/** The pika.conf keys a node starts with: the same for the reference, a Pika binary or an image. */
export function confKeys(
  port: number,
  layout: ConfLayout,
  o: NodeOptions,
): Record<string, string | number | undefined> {
  const p = (name: string) => `${path.posix.join(layout.dir, name)}/`;
  return {
    port,
    "log-path": p("log"),
    "db-path": p("db"),
    "dump-path": p("dump"),
    "db-sync-path": p("dbsync"),
    pidfile: path.posix.join(layout.dir, "pika.pid"),
    databases: o.databases ?? 1,
    "db-instance-num": o.dbInstanceNum ?? 3,
    requirepass: o.requirepass ?? "",
    masterauth: o.masterauth ?? "",
    "replication-id": o.replicationId ?? "",
    "run-id": o.runId,
    slaveof: o.slaveof,
    ...o.extra,
  };
}

const line_ = (key: string, value: string | number) => (value === "" ? `${key} :` : `${key} : ${value}`);

const KEY_LINE = /^\s*([^#\s:][^:]*?)\s*:/;

/**
 * The template with `keys` filled in: a key of the template takes the given value in place, a
 * key the template lacks is appended, an undefined value keeps the template's line, and keys
 * the version does not know are dropped (with the comment lines just above them).
 */
export function renderPikaConf(
  keys: Record<string, string | number | undefined>,
  version?: string,
  template = fs.readFileSync(TEMPLATE, "utf8"),
): string {
  const pending = new Map(
    Object.entries(keys).filter((e): e is [string, string | number] => e[1] !== undefined),
  );
  const out: string[] = [];
  let comments: string[] = [];
  for (const line of template.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) {
      comments.push(line);
      continue;
    }
    const m = KEY_LINE.exec(line);
    if (!m) {
      out.push(...comments, line);
      comments = [];
      continue;
    }
    const key = m[1] ?? "";
    if (!keyApplies(key, version)) {
      pending.delete(key);
      comments = [];
      continue;
    }
    out.push(...comments);
    comments = [];
    const value = pending.get(key);
    if (value !== undefined) {
      out.push(line_(key, value));
      pending.delete(key);
    } else out.push(line);
  }
  out.push(...comments);
  while (out.length && out[out.length - 1] === "") out.pop();
  const extra = [...pending].filter(([k]) => keyApplies(k, version));
  if (extra.length) out.push("", "# Set by the scenario", ...extra.map(([k, v]) => line_(k, v)));
  return `${out.join("\n")}\n`;
}

/** Official Pika images: the binary, the config the kit copies in, and where the path keys point. */
export const IMAGE_LAYOUT = {
  bin: "/pika/bin/pika",
  conf: "/pika/conf/pika.conf",
  data: "/pika/data",
} as const;

/**
 * The replication-id both nodes of docker-compose.yml start with: one shared, non-empty id, so
 * that pair scenarios on PIKA_TARGET=external find a master and a slave that continue with
 * TrySync, and slave-side scenarios a slave that never adopts a probe master's id.
 */
export const COMPOSE_REPLICATION_ID = "2be0c3f406bac7d3cb56603cdc59565b4ce0cef4d638518cb9";

/** The master/slave pairs docker-compose.yml starts: set k has its master on 9219 + 2k, its slave on 9220 + 2k. */
export const COMPOSE_SETS = 3;

/**
 * Files of docker-compose.yml: one node's pika.conf for an image, for every Pika version; each
 * file is `imageConf(port, options)` (test/targets.test.ts checks it, and rewrites the files
 * when run with PIKA_WRITE_COMPOSE_CONFS=1). Set 1 is master.conf and slave.conf (9221, 9222),
 * set 2 master2.conf and slave2.conf (9223, 9224), and so on.
 */
export const COMPOSE_CONFS = Object.fromEntries(
  Array.from({ length: COMPOSE_SETS }, (_, i) => {
    const suffix = i === 0 ? "" : String(i + 1);
    return (["master", "slave"] as const).map((role, r) => [
      `${role}${suffix}`,
      {
        file: kitPath("fixtures", "pika", "compose", `${role}${suffix}.conf`),
        port: 9221 + 2 * i + r,
        options: { replicationId: COMPOSE_REPLICATION_ID },
      },
    ]);
  }).flat(),
) as Record<string, { file: string; port: number; options: NodeOptions }>;

/** A node's pika.conf inside an image (data under /pika/data); keys every version accepts or ignores. */
export function imageConf(port: number, options: NodeOptions = {}, version?: string): string {
  return renderPikaConf(confKeys(port, { dir: IMAGE_LAYOUT.data }, options), version);
}

/** Renders a node's pika.conf into `dir` (creating the path directories) and returns its path. */
export function writeNodeConf(
  dir: string,
  port: number,
  options: NodeOptions,
  version: string | undefined,
): string {
  const keys = confKeys(port, { dir }, options);
  for (const k of PATH_KEYS) fs.mkdirSync(String(keys[k]), { recursive: true });
  const file = path.join(dir, "pika.conf");
  fs.writeFileSync(file, renderPikaConf(keys, version));
  return file;
}
