/**
 * Target selection from the environment, read in one place (cucumber-js rejects options it does
 * not know; the CLI of a later issue wraps these variables). A bad or missing setting stops the
 * run at once with one actionable paragraph (ConfigError).
 *
 *   PIKA_TARGET        reference (default) | binary | container | external
 *   PIKA_VERSION       real targets, optional: the version under test (a release, or a ledger name such
 *                      as 4.0.1); checked against what the first node reports (pika_version,
 *                      pika_git_sha) with the deviation ledgers, which know builds by git sha
 *   PIKA_BUILD         set by the CLI: the build it identified ("<pika_version> <git sha>"), so
 *                      workers check every node against it without starting a preflight node
 *   PIKA_BIN           binary: the Pika executable (e.g. output/pika, or bin/pika-reference-server)
 *   PIKA_IMAGE         container: an image with an explicit tag (never pulled by default)
 *   PIKA_MASTER, PIKA_SLAVE, PIKA_<NAME>   external: 127.0.0.1:<port> of running nodes
 *   PIKA_<NAME>_PASSWORD   external: that node's requirepass
 *   REQUIRE_CONTAINERS=1   container: no engine is a failure, not a skip
 *   PIKA_SLOW=1|0      run @slow scenarios (default: yes on reference and binary, no elsewhere)
 *   PIKA_DESTRUCTIVE=1|0   run @destructive scenarios (default: yes on reference only)
 *   PIKA_START_TIMEOUT seconds from start to PONG (default 30)
 *   PIKA_REFERENCE_VARIANT a reference behaviour variant or profile (reference target only)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { validSeed } from "../clock";
import { behaviourOf } from "../reference/behaviour";
import { REFERENCE_VERSION } from "../reference/node";
import { type Build, describeBuild, loadLedgers, versionMismatch } from "../report/ledger";
import type { ExternalNode } from "./external";
import { checkBuild, identify, parseBuildSetting } from "./identity";
import { clearLeftovers } from "./leftovers";
import { waitReady } from "./readiness";
import { ReferenceTarget } from "./reference";
import type { Target } from "./target";

export type TargetKind = Target["kind"];
const KINDS: TargetKind[] = ["reference", "binary", "container", "external"];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
    this.stack = `${this.name}: ${message}`; // the paragraph is the message; a stack adds nothing
  }
}

export interface Settings {
  kind: TargetKind;
  /** PIKA_VERSION as given: the version under test, before the first node says what it is. */
  requested?: string;
  /** The version whose pika.conf keys nodes get: the build's own once it is identified. */
  version?: string;
  /** The build under test, identified by the preflight node (or PIKA_BUILD). */
  build?: Build;
  bin?: string;
  image?: string;
  external: Map<string, ExternalNode>;
  /** How many sets of running nodes the external target has (one per parallel worker at most). */
  externalSets: number;
  requireContainers: boolean;
  slow: boolean;
  destructive: boolean;
  startMs: number;
  variant?: string;
}

export function targetKind(env: NodeJS.ProcessEnv = process.env): TargetKind {
  const kind = (env.PIKA_TARGET || "reference") as TargetKind;
  if (!KINDS.includes(kind))
    throw new ConfigError(
      `PIKA_TARGET="${env.PIKA_TARGET}" is not a target this kit knows. Use one of ${KINDS.join(", ")}; ` +
        "leave it unset to run against the embedded reference node.",
    );
  return kind;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(
    `${name}="${v}" is not a yes/no setting: use ${name}=1 or ${name}=0, or leave it unset.`,
  );
}

const BIN_HINT =
  "Point PIKA_BIN at a Pika executable, e.g. PIKA_BIN=$PWD/output/pika after building Pika, or at the kit's " +
  "own reference server: PIKA_BIN=bin/pika-reference-server PIKA_VERSION=" +
  REFERENCE_VERSION +
  ".";

function checkBin(bin: string | undefined): string {
  if (!bin) throw new ConfigError(`PIKA_TARGET=binary needs PIKA_BIN, the executable to start. ${BIN_HINT}`);
  const abs = path.resolve(bin);
  const st = fs.statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new ConfigError(`PIKA_BIN=${bin} does not exist (looked for ${abs}). ${BIN_HINT}`);
  if (!st.isFile()) throw new ConfigError(`PIKA_BIN=${bin} is not a file (${abs}). ${BIN_HINT}`);
  try {
    fs.accessSync(abs, fs.constants.X_OK);
  } catch {
    throw new ConfigError(
      `PIKA_BIN=${bin} is not executable: run chmod +x ${abs}, or point PIKA_BIN elsewhere. ${BIN_HINT}`,
    );
  }
  return abs;
}

function checkImage(image: string | undefined): string {
  const hint =
    "Name an image with an explicit tag that the engine has or can pull, e.g. PIKA_IMAGE=pikadb/pika:v4.0.1, or " +
    "the kit's own reference image built by .ci/run: PIKA_IMAGE=pika-conformance/reference:local.";
  if (!image) throw new ConfigError(`PIKA_TARGET=container needs PIKA_IMAGE. ${hint}`);
  const last = image.slice(image.lastIndexOf("/") + 1);
  if (!last.includes(":") && !image.includes("@sha256:"))
    throw new ConfigError(`PIKA_IMAGE=${image} has no tag: the kit never guesses one. ${hint}`);
  return image;
}

/** "127.0.0.1:9221" → port; the kit talks to nodes on the loopback interface only. */
export function parseAddress(name: string, value: string): number {
  const m = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port < 1 || port > 65535 - 10001)
    throw new ConfigError(
      `${name}=${value} is not an address the kit can use: give 127.0.0.1:<port> with the node's port P ` +
        "(the kit uses P, P+2000 and P+10001, on the loopback interface only; run the nodes with host " +
        "networking or publish those three ports on 127.0.0.1 with the same offsets).",
    );
  return port;
}

/**
 * The running nodes of PIKA_TARGET=external: PIKA_<NAME>=127.0.0.1:<port>, or a comma list of
 * addresses, one per *set* of nodes (docker-compose.yml starts three master/slave pairs). Every
 * name must list the same number of sets; parallel worker w uses set w, so scenarios run on
 * different nodes at once. PIKA_<NAME>_PASSWORD may list one password per set, or one for all.
 */
function externalNodes(env: NodeJS.ProcessEnv): { nodes: Map<string, ExternalNode>; sets: number } {
  const reserved = new Set([
    "TARGET",
    "VERSION",
    "BUILD",
    "LEDGER",
    "BIN",
    "IMAGE",
    "SLOW",
    "DESTRUCTIVE",
    "SEED",
    "START_TIMEOUT",
  ]);
  const lists: { name: string; from: string; addrs: string[]; passwords: string[] }[] = [];
  for (const [k, v] of Object.entries(env)) {
    const m = /^PIKA_([A-Z][A-Z0-9]*)$/.exec(k);
    if (!m?.[1] || reserved.has(m[1]) || v === undefined || v === "") continue;
    if (!/^(127\.0\.0\.1|localhost):/.test(v) && !["MASTER", "SLAVE"].includes(m[1])) continue;
    const addrs = v.split(",").map((a) => a.trim());
    lists.push({
      name: m[1].toLowerCase(),
      from: k,
      addrs,
      passwords: (env[`${k}_PASSWORD`] ?? "").split(","),
    });
  }
  const sets = Math.max(1, ...lists.map((l) => l.addrs.length));
  const uneven = lists.filter((l) => l.addrs.length !== sets);
  if (uneven.length)
    throw new ConfigError(
      `${lists.map((l) => `${l.from} names ${l.addrs.length} node(s)`).join(", ")}: give every name one address per ` +
        "set of running nodes (e.g. PIKA_MASTER=127.0.0.1:9221,127.0.0.1:9223 PIKA_SLAVE=127.0.0.1:9222,127.0.0.1:9224).",
    );
  const set = Number(env.CUCUMBER_WORKER_ID ?? 0) % sets;
  const nodes = new Map<string, ExternalNode>();
  for (const l of lists)
    nodes.set(l.name, {
      from: sets > 1 ? `${l.from}[${set}]` : l.from,
      port: parseAddress(l.from, l.addrs[set] ?? ""),
      password: (l.passwords.length > 1 ? l.passwords[set] : l.passwords[0]) || undefined,
    });
  return { nodes, sets };
}

/** Reads and checks every setting; throws one ConfigError paragraph for the first bad one. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const kind = targetKind(env);
  const real = kind !== "reference";
  if (env.PIKA_SEED && !validSeed(env.PIKA_SEED))
    throw new ConfigError(
      `PIKA_SEED="${env.PIKA_SEED}" is not a seed: give a whole number from 0 to 4294967295 (a failing ` +
        "scenario prints its seed), or unset it for a fresh seed per scenario.",
    );
  if (env.PIKA_TRACE && env.PIKA_TRACE !== "all")
    throw new ConfigError(
      `PIKA_TRACE="${env.PIKA_TRACE}" is not a setting: PIKA_TRACE=all attaches every scenario's trace ` +
        "and sequence diagram to the report; unset, only failed scenarios get theirs.",
    );
  const startS = env.PIKA_START_TIMEOUT ? Number(env.PIKA_START_TIMEOUT) : 30;
  if (!(startS > 0))
    throw new ConfigError(
      `PIKA_START_TIMEOUT="${env.PIKA_START_TIMEOUT}" must be a number of seconds above 0.`,
    );
  const settings: Settings = {
    kind,
    external: new Map(),
    externalSets: 1,
    requireContainers: flag(env, "REQUIRE_CONTAINERS", false),
    slow: flag(env, "PIKA_SLOW", kind === "reference" || kind === "binary"),
    destructive: flag(env, "PIKA_DESTRUCTIVE", !real),
    startMs: startS * 1000,
  };
  if (kind === "reference") {
    settings.variant = env.PIKA_REFERENCE_VARIANT || undefined;
    try {
      behaviourOf(settings.variant);
    } catch (err) {
      throw new ConfigError(`PIKA_REFERENCE_VARIANT: ${(err as Error).message}`);
    }
    return settings;
  }
  if (env.PIKA_REFERENCE_VARIANT && kind !== "binary")
    throw new ConfigError(
      `PIKA_REFERENCE_VARIANT applies to the reference node only; with PIKA_TARGET=${kind} unset it.`,
    );
  if (kind === "binary") settings.bin = checkBin(env.PIKA_BIN);
  if (kind === "container") settings.image = checkImage(env.PIKA_IMAGE);
  if (kind === "external") {
    const { nodes, sets } = externalNodes(env);
    settings.external = nodes;
    settings.externalSets = sets;
    if (!settings.external.size)
      throw new ConfigError(
        "PIKA_TARGET=external needs the addresses of running nodes: PIKA_MASTER=127.0.0.1:<port> for the master " +
          "under test, PIKA_SLAVE=127.0.0.1:<port> for the slave under test (PIKA_MASTER_PASSWORD / " +
          "PIKA_SLAVE_PASSWORD when they have a requirepass). docker-compose.yml starts such a pair: " +
          "PIKA_IMAGE=<image:tag> docker compose up -d --wait, then PIKA_MASTER=127.0.0.1:9221 PIKA_SLAVE=127.0.0.1:9222.",
      );
  }
  settings.requested = env.PIKA_VERSION || undefined;
  settings.version = settings.requested;
  if (env.PIKA_BUILD) {
    settings.build = parseBuildSetting(env.PIKA_BUILD);
    settings.version = settings.build.version;
  }
  return settings;
}

/**
 * Parallel workers when none are asked for: the reference runs in one process on its virtual
 * clock; a binary target waits in real time, so 16 workers overlap the waits (the full suite on
 * a real Pika then takes little more than its longest scenario, and the suite without @slow under
 * a minute on 2 cores; npm run bench:real measures both); a container costs the engine more to
 * start, so 8 (at 16 on 2 cores a reference-server container once missed a 1 s reply budget);
 * running nodes (external) serve one scenario per set of nodes. cucumber.js's profiles use the
 * same numbers.
 */
export const DEFAULT_PARALLEL: Record<TargetKind, number> = {
  reference: 1,
  binary: 16,
  container: 8,
  external: 1,
};

/** Step timeout: real targets wait in real seconds (an @slow step lasts 170 s). */
export function stepTimeoutMs(s: Settings): number {
  return s.kind === "reference" ? 60_000 : 240_000;
}

/** Why a scenario with these tags is not run with these settings, whatever the target says. */
export function settingsSkip(s: Settings, tags: readonly string[]): string | undefined {
  if (tags.includes("@slow") && !s.slow)
    return `@slow scenario (minutes of real time) skipped on PIKA_TARGET=${s.kind}: set PIKA_SLOW=1 to run it`;
  // On running nodes the external target says why it never runs them.
  if (tags.includes("@destructive") && !s.destructive && s.kind !== "external")
    return (
      `@destructive scenario (it can crash or corrupt a real Pika) skipped on PIKA_TARGET=${s.kind}: ` +
      "set PIKA_DESTRUCTIVE=1 to run it on fresh nodes"
    );
  return undefined;
}

/** A fresh target for one scenario. */
export async function createTarget(seed: number, s: Settings = loadSettings()): Promise<Target> {
  const need = (v: string | undefined, what: string) => {
    if (v === undefined) throw new ConfigError(`PIKA_TARGET=${s.kind} needs ${what}`);
    return v;
  };
  switch (s.kind) {
    case "reference":
      return new ReferenceTarget(seed, behaviourOf(s.variant));
    case "binary": {
      const { BinaryTarget } = await import("./binary");
      return new BinaryTarget(seed, {
        bin: need(s.bin, "PIKA_BIN"),
        version: s.version,
        build: s.build,
        startMs: s.startMs,
      });
    }
    case "container": {
      const { ContainerTarget } = await import("./container");
      return new ContainerTarget(seed, {
        image: need(s.image, "PIKA_IMAGE"),
        version: s.version,
        build: s.build,
        startMs: s.startMs,
      });
    }
    case "external": {
      const { ExternalTarget } = await import("./external");
      return new ExternalTarget(seed, { nodes: s.external, build: s.build });
    }
  }
}

/** The ledger name of a build whose git sha a ledger lists (v4.0.1's build is "4.0.1", though it reports 4.0.0). */
function knownAs(build: Build): string | undefined {
  return build.sha ? loadLedgers().find((l) => l.builds.includes(build.sha as string))?.name : undefined;
}

/** The build the reference target is: its variant's version string, and no git sha. */
export function referenceBuild(s: Settings): Build {
  return { version: behaviourOf(s.variant).pikaVersion ?? REFERENCE_VERSION };
}

/**
 * What a run does once before its first scenario (in every parallel worker, unless the CLI did it
 * and passed PIKA_BUILD): removes what killed runs left, and starts one node as a scenario would
 * to identify the build under test (INFO server's pika_version and pika_git_sha) and to check that
 * the target works at all, so a wrong binary, image, version or address stops the run with one
 * message instead of failing every scenario. It fills in `s.build` and `s.version`. For the
 * container target without an engine it returns the reason every scenario is skipped for (or
 * throws when REQUIRE_CONTAINERS=1).
 */
export async function prepareRun(
  s: Settings,
  log: (line: string) => void = console.error,
): Promise<string | undefined> {
  if (s.kind === "reference") {
    s.build = referenceBuild(s);
    return undefined;
  }
  if (s.build) return undefined; // identified by the CLI, which also cleared leftovers
  const cleared = clearLeftovers();
  if (cleared.length) log(`pika-conformance: removed what an earlier run left: ${cleared.join(", ")}`);
  if (s.kind === "container") {
    const { clearContainerLeftovers, engineProblem } = await import("./container");
    const problem = await engineProblem();
    if (problem) {
      const why =
        `no container engine is reachable (${problem}), so PIKA_TARGET=container cannot start ${s.image}. Start Docker ` +
        "(or set DOCKER_HOST)";
      if (s.requireContainers) throw new ConfigError(`REQUIRE_CONTAINERS=1: ${why}.`);
      return `skipped: ${why}, or set REQUIRE_CONTAINERS=1 to make this a failure.`;
    }
    const gone = await clearContainerLeftovers();
    if (gone.length) log(`pika-conformance: removed containers an earlier run left: ${gone.join(", ")}`);
  }
  // One node, started and identified as a scenario would start it, then stopped.
  // Every key (a Pika ignores keys it does not know), whatever PIKA_VERSION says: a wrong
  // PIKA_VERSION gets its own paragraph below, not a node that aborts on a missing key.
  const target = await createTarget(1, { ...s, version: undefined });
  let build: Build | undefined;
  try {
    const names = s.kind === "external" ? [...s.external.keys()] : ["preflight"];
    for (const name of names) {
      const ext = s.external.get(name);
      // Nodes just brought up (docker compose up -d) may still be starting.
      if (ext)
        await waitReady({
          port: ext.port,
          password: ext.password,
          budgetMs: s.startMs,
          what: `${ext.from}=127.0.0.1:${ext.port}`,
        });
      const node = await target.startNode(name);
      const admin = await node.admin();
      try {
        const what = ext ? `the external node ${name} (${ext.from})` : `the first node (${s.bin ?? s.image})`;
        if (build) await checkBuild(admin, build, what);
        else build = await identify(admin, what);
      } finally {
        admin.close();
      }
    }
  } catch (err) {
    const what =
      s.kind === "external"
        ? "the running nodes cannot be used (start them, e.g. PIKA_IMAGE=<image:tag> docker compose up -d --wait, " +
          "and check PIKA_MASTER, PIKA_SLAVE and their _PASSWORD variables)"
        : "the first node does not start as it should";
    throw new ConfigError(`PIKA_TARGET=${s.kind}: ${what}. ${(err as Error).message}`);
  } finally {
    await target[Symbol.asyncDispose]();
  }
  if (!build) throw new ConfigError(`PIKA_TARGET=${s.kind}: no node to identify the build under test`);
  const mismatch = s.requested ? versionMismatch(s.requested, build) : undefined;
  if (mismatch)
    throw new ConfigError(
      `PIKA_VERSION=${s.requested} does not describe the build under test (${describeBuild(build)}): ${mismatch}. ` +
        `Set PIKA_VERSION=${knownAs(build) ?? build.version}, or leave it unset: the kit identifies the build by what it reports.`,
    );
  s.build = build;
  s.version = build.version;
  return undefined;
}
