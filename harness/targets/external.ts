/**
 * External target: nodes that are already running (e.g. `docker compose up` of
 * docker-compose.yml), named by address in the environment (PIKA_MASTER, PIKA_SLAVE, or
 * PIKA_<NAME> for a node called <name>). The kit did not start them, so it cannot restart or
 * kill them, cannot give them a configuration of their own, and they keep state between
 * scenarios; such scenarios are skipped, saying why. Passwords are the one setting the kit
 * changes (CONFIG SET requirepass / masterauth, as a scenario asks), and it sets them back after
 * the scenario.
 */
import { RealClock, Rng } from "../clock";
import { LOOPBACK, ports, REPL_SHIFT } from "../net";
import { Admin } from "./admin";
import type { Info } from "./info";
import { checkVersion, probeOnce } from "./process";
import type { NodeOptions, SutNode, Target } from "./target";

export interface ExternalNode {
  /** Environment variable that named it, for messages. */
  from: string;
  port: number;
  /** The node's requirepass as it runs (PIKA_<NAME>_PASSWORD). */
  password?: string;
}

export interface ExternalSettings {
  nodes: Map<string, ExternalNode>;
  version: string;
}

/** Tags of scenarios an external target cannot run, and why. */
export const EXTERNAL_SKIPS: Record<string, string> = {
  "@restarts":
    "it restarts or kills a node, and PIKA_TARGET=external runs against nodes the kit did not start " +
    "(use PIKA_TARGET=binary or container for it)",
  "@fresh-node":
    "it needs a node started with a configuration of its own (databases, db-instance-num, an empty " +
    "replication-id, no history), and PIKA_TARGET=external reuses running nodes (use PIKA_TARGET=binary or container for it)",
  "@destructive":
    "it can crash or corrupt a real Pika, so it runs only on a fresh node (PIKA_TARGET=binary or container " +
    "with PIKA_DESTRUCTIVE=1), never on running nodes",
  "@slave":
    "slave-side scenarios leave the running slave following a probe master that is gone, and holding the " +
    "scenario's replication-id; the external driver cannot undo that yet (use PIKA_TARGET=binary or container for them)",
  "@pair":
    "pair scenarios start two nodes with one shared replication-id, which running nodes do not have (use " +
    "PIKA_TARGET=binary or container for them)",
};

const roleOfTag: Record<string, string> = { "@master": "master" };

/** The number of databases INFO replication shows (one `dbN:binlog_offset=` line each). */
export function databasesIn(info: Info): number {
  return [...info.fields.keys()].filter(
    (k) => /^db\d+$/.test(k) && /binlog_offset=/.test(info.fields.get(k)!),
  ).length;
}

class ExternalSutNode implements SutNode {
  readonly host = LOOPBACK;
  /** The password the node has now (a scenario may have changed it). */
  password: string | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    private readonly ext: ExternalNode,
  ) {
    this.password = ext.password;
  }

  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  admin(): Promise<Admin> {
    return Admin.open(this.port, this.password);
  }

  async info(section = "replication"): Promise<Info> {
    const a = await this.admin();
    try {
      return await a.info(section);
    } finally {
      a.close();
    }
  }

  restart(): Promise<void> {
    return Promise.reject(
      new Error(
        `node ${this.name} (${this.ext.from}=${LOOPBACK}:${this.port}) is external: the kit cannot restart it. ` +
          `Tag the scenario @restarts so that PIKA_TARGET=external skips it.`,
      ),
    );
  }

  kill(): Promise<void> {
    return Promise.reject(
      new Error(
        `node ${this.name} (${this.ext.from}=${LOOPBACK}:${this.port}) is external: the kit cannot kill it. ` +
          `Tag the scenario @restarts so that PIKA_TARGET=external skips it.`,
      ),
    );
  }

  died(): string | undefined {
    return undefined;
  }

  async liveness(): Promise<string | undefined> {
    const why = await probeOnce(this.port, this.password);
    return why && `the external node no longer answers: ${why}`;
  }

  logs(): string {
    return `node ${this.name} is external (${this.ext.from}=${LOOPBACK}:${this.port}): its logs are wherever it keeps them`;
  }

  /** CONFIG SET key value; returns how to set it back. */
  async configSet(key: "requirepass" | "masterauth", value: string): Promise<() => Promise<void>> {
    const a = await this.admin();
    let old: string;
    try {
      const got = await a.call("config", "get", key);
      old = Array.isArray(got) && got.length >= 2 ? String(got[1]) : "";
      if (old === value) return async () => {};
      const r = await a.call("config", "set", key, value);
      if (r instanceof Error) throw new Error(`CONFIG SET ${key} on ${this.name}: ${r.message}`);
    } finally {
      a.close();
    }
    if (key === "requirepass") this.password = value || undefined;
    return async () => {
      await this.configSet(key, old);
    };
  }
}

export class ExternalTarget implements Target {
  readonly kind = "external" as const;
  readonly clock: RealClock;
  private readonly restore: (() => Promise<void>)[] = [];
  private versionChecked = new Set<string>();

  constructor(
    seed: number,
    private readonly settings: ExternalSettings,
  ) {
    this.clock = new RealClock(new Rng(seed));
  }

  allocatePort(): Promise<number> {
    return ports.allocate();
  }

  private node(name: string): ExternalNode {
    const n = this.settings.nodes.get(name);
    if (!n)
      throw new Error(
        `the scenario needs a node "${name}", and PIKA_TARGET=external has none: set PIKA_${name.toUpperCase()}=127.0.0.1:<port> ` +
          `(configured: ${[...this.settings.nodes].map(([k, v]) => `${k} from ${v.from}`).join(", ") || "none"})`,
      );
    return n;
  }

  async cannotRun(tags: readonly string[]): Promise<string | undefined> {
    for (const t of tags)
      if (EXTERNAL_SKIPS[t]) return `skipped on PIKA_TARGET=external: ${EXTERNAL_SKIPS[t]}`;
    for (const t of tags) {
      const role = roleOfTag[t];
      if (!role) continue;
      const ext = this.settings.nodes.get(role);
      if (!ext)
        return `skipped on PIKA_TARGET=external: it needs a ${role} under test; set PIKA_${role.toUpperCase()}=127.0.0.1:<port>`;
      if (role !== "master") continue;
      // A master under test must have no slaves: the scenarios count them in INFO. Probe slaves
      // of the previous scenario may take a moment to disappear (MS-GONE allows 5 s).
      const n = new ExternalSutNode(role, ext.port, {}, ext);
      let info: Info | undefined;
      try {
        await this.clock.within(5, async () => {
          info = await n.info("replication");
          return (info.connectedSlaves ?? 0) === 0;
        });
      } catch {
        const list = info?.slaves.map((s) => `${s.ip}:${s.port}`).join(", ") || "?";
        return (
          `skipped on PIKA_TARGET=external: it needs a master without slaves, and ${ext.from}=${LOOPBACK}:${ext.port} ` +
          `has ${info?.connectedSlaves ?? "?"} (${list}); point ${ext.from} at a node that no slave follows`
        );
      }
    }
    return undefined;
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    const ext = this.node(name);
    const probe = new ExternalSutNode(name, ext.port, {}, ext);
    const why = await probeOnce(ext.port, ext.password);
    if (why)
      throw new Error(
        `the external node ${name} (${ext.from}=${LOOPBACK}:${ext.port}) does not answer: ${why}. Start it ` +
          `(e.g. docker compose up -d --wait), or set ${ext.from}_PASSWORD to its requirepass.`,
      );
    if (!this.versionChecked.has(name)) {
      const a = await probe.admin();
      try {
        await checkVersion(a, this.settings.version, `the external node ${name} (${ext.from})`);
      } finally {
        a.close();
      }
      this.versionChecked.add(name);
    }
    const info = await probe.info("replication");
    const databases = databasesIn(info) || 1;
    const fixed: string[] = [];
    if (options.databases !== undefined && options.databases !== databases)
      fixed.push(`databases ${options.databases} (it has ${databases})`);
    if (options.dbInstanceNum !== undefined) fixed.push(`db-instance-num ${options.dbInstanceNum}`);
    if (options.replicationId !== undefined) fixed.push("a replication-id of the scenario's");
    if (options.runId !== undefined) fixed.push("a run-id of the scenario's");
    if (options.slaveof !== undefined) fixed.push(`slaveof ${options.slaveof}`);
    for (const k of Object.keys(options.extra ?? {})) fixed.push(k);
    if (fixed.length)
      throw new Error(
        `the external node ${name} cannot be started with ${fixed.join(", ")}: tag the scenario @fresh-node ` +
          "so that PIKA_TARGET=external skips it",
      );
    const node = new ExternalSutNode(name, ext.port, { ...options, databases }, ext);
    for (const key of ["requirepass", "masterauth"] as const) {
      const want = key === "requirepass" ? options.requirepass : options.masterauth;
      this.restore.push(await node.configSet(key, want ?? ""));
    }
    return node;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const results = await Promise.allSettled(this.restore.reverse().map((fn) => fn()));
    this.restore.length = 0;
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length)
      throw new Error(
        `could not restore the external nodes' passwords: ${failed.map((f) => f.reason).join("; ")}`,
      );
  }
}
