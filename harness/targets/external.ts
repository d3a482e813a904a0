/**
 * External target: nodes that are already running (e.g. `docker compose up` of
 * docker-compose.yml), named by address in the environment (PIKA_MASTER, PIKA_SLAVE, or
 * PIKA_<NAME> for a node called <name>). The kit did not start them, so it cannot restart or
 * kill them, cannot give them a configuration of their own, and they keep state between
 * scenarios; such scenarios are skipped, saying why. Scenarios use the replication-id the nodes
 * already have (read from INFO): the slave's for a probe master, the master's for a pair, whose
 * slave must have the same one. What the kit changes on a running node it sets back after the
 * scenario: the passwords (CONFIG SET requirepass / masterauth, as a scenario asks), and the
 * master a slave-side or pair scenario told the slave to follow (SLAVEOF NO ONE, then the nodes
 * must list no slaves within 5 s).
 */
import { NodeDiedError } from "../check";
import { RealClock, Rng } from "../clock";
import { LOOPBACK, ports } from "../net";
import type { Build } from "../report/ledger";
import { DEFAULT_SCHEMA, type SchemaVersion, schemaForVersion } from "../wire/proto";
import { Admin, replyText } from "./admin";
import { checkNode } from "./identity";
import type { Info } from "./info";
import { LoopbackNode } from "./loopback";
import { probeOnce } from "./readiness";
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
  /** The build under test, once identified: every running node must report it. */
  build?: Build;
}

/** Tags of scenarios an external target cannot run, and why. */
export const EXTERNAL_SKIPS: Record<string, string> = {
  "@restarts":
    "it restarts or kills a node, and PIKA_TARGET=external runs against nodes the kit did not start " +
    "(use PIKA_TARGET=binary or container for it)",
  "@fresh-node":
    "it needs a node started with a configuration of its own (databases, db-instance-num, an empty " +
    "replication-id, a binlog with no history) or more nodes than PIKA_MASTER and PIKA_SLAVE, or it can leave " +
    "a slave's binlog apart from its master's for the scenarios after it, and PIKA_TARGET=external " +
    "reuses the running nodes it is given (use PIKA_TARGET=binary or container for it)",
  "@destructive":
    "it can crash or corrupt a real Pika, so it runs only on a fresh node (PIKA_TARGET=binary or container " +
    "with PIKA_DESTRUCTIVE=1), never on running nodes",
};

/** The running nodes a scenario of each role tag uses. */
const nodesOfTag: Record<string, readonly string[]> = {
  "@master": ["master"],
  "@slave": ["slave"],
  "@pair": ["master", "slave"],
};

/** How long the nodes get to drop a slave that went away (MS-GONE's and PR-LINK's 5 s). */
const SLAVES_GONE_S = 5;
/** Pika's master drops a registration whose connection is gone at its 180 s read-idle close (checked every 3 s). */
const STALE_ITEM_S = 200;

/** The master a node follows, from INFO replication; undefined when it follows nobody. */
export function followedMaster(info: Info): string | undefined {
  const host = info.fields.get("master_host");
  if (host !== undefined) return `${host}:${info.fields.get("master_port") ?? "?"}`;
  return /slave/i.test(info.role ?? "") ? "a master INFO does not name" : undefined;
}

/** INFO's ReplicationID ("" when the node has none or INFO lacks the line). */
export function replicationIdOf(info: Info): string {
  return info.fields.get("ReplicationID")?.trim() ?? "";
}

/** The number of databases INFO replication shows (one `dbN:binlog_offset=` line each). */
export function databasesIn(info: Info): number {
  return [...info.fields.keys()].filter(
    (k) => /^db\d+$/.test(k) && /binlog_offset=/.test(info.fields.get(k) ?? ""),
  ).length;
}

class ExternalSutNode extends LoopbackNode implements SutNode {
  /** The password the node has now (a scenario may have changed it). */
  password: string | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    private readonly ext: ExternalNode,
    /** The build under test's (every running node was checked to be it). */
    readonly schema: SchemaVersion = DEFAULT_SCHEMA,
    readonly binlogAtStart: ReadonlyMap<string, string> = new Map(),
  ) {
    super();
    this.password = ext.password;
  }

  admin(): Promise<Admin> {
    return Admin.open(this.port, this.password);
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

  /** Where it runs, as the environment named it. */
  get where(): string {
    return `${this.ext.from}=${LOOPBACK}:${this.port}`;
  }

  /** db-instance-num from CONFIG GET; undefined when the node does not say (then Pika's default 3 holds). */
  async dbInstanceNum(): Promise<number | undefined> {
    const a = await this.admin();
    try {
      const got = await a.call("config", "get", "db-instance-num");
      const n = Array.isArray(got) && got.length >= 2 ? Number(got[1]) : Number.NaN;
      return Number.isInteger(n) && n > 0 ? n : undefined;
    } finally {
      a.close();
    }
  }

  /** SLAVEOF NO ONE: the node follows nobody again. */
  async slaveofNoOne(): Promise<void> {
    const a = await this.admin();
    try {
      const r = replyText(await a.call("slaveof", "no", "one"));
      if (r !== "OK") throw new Error(`${this.where} answered SLAVEOF NO ONE with "${r}"`);
    } finally {
      a.close();
    }
  }

  /** CONFIG SET key value; returns the value it replaced and how to set it back. */
  async configSet(
    key: "requirepass" | "masterauth",
    value: string,
  ): Promise<{ old: string; restore: () => Promise<void> }> {
    const a = await this.admin();
    let old: string;
    try {
      const got = await a.call("config", "get", key);
      old = Array.isArray(got) && got.length >= 2 ? String(got[1]) : "";
      if (old === value) return { old, restore: async () => {} };
      const r = await a.call("config", "set", key, value);
      if (r instanceof Error) throw new Error(`CONFIG SET ${key} on ${this.name}: ${r.message}`);
    } finally {
      a.close();
    }
    if (key === "requirepass") this.password = value || undefined;
    return { old, restore: async () => void (await this.configSet(key, old)) };
  }
}

export class ExternalTarget implements Target {
  readonly kind = "external" as const;
  readonly keepsHistory = true;
  readonly clock: RealClock;
  private readonly restore: (() => Promise<void>)[] = [];
  /** Values that a scenario's CONFIG SET replaced on a node: they are put back afterwards. */
  private readonly replaced: string[] = [];
  private readonly started = new Map<string, ExternalSutNode>();
  private versionChecked = new Set<string>();
  /** The nodes' replication-id, read when cannotRun admitted a @slave or @pair scenario. */
  private replicationId: string | undefined;
  /** Set when cannotRun admitted a @slave or @pair scenario: its slave is put back afterwards. */
  private releaseSlave = false;

  constructor(
    seed: number,
    private readonly settings: ExternalSettings,
  ) {
    this.clock = new RealClock(new Rng(seed));
  }

  /** This scenario's ports: released when the target is disposed, once its nodes are gone. */
  private readonly ports = ports.scope();

  allocatePort(): Promise<number> {
    return this.ports.allocate();
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

  private where(name: string): string {
    const ext = this.node(name);
    return `${ext.from}=${LOOPBACK}:${ext.port}`;
  }

  /**
   * Admits a scenario: not one of EXTERNAL_SKIPS; every node its role needs is configured,
   * answers, and has no slaves (a probe slave of the previous scenario may take up to 5 s to
   * disappear); a slave under test follows nobody and has a replication-id, and in a pair it is
   * the master's. The id is kept for sharedReplicationId().
   */
  async cannotRun(tags: readonly string[]): Promise<string | undefined> {
    const skip = (why: string) => `skipped on PIKA_TARGET=external: ${why}`;
    for (const t of tags) if (EXTERNAL_SKIPS[t]) return skip(EXTERNAL_SKIPS[t]);
    const roles = [...new Set(tags.flatMap((t) => nodesOfTag[t] ?? []))];
    for (const role of roles)
      if (!this.settings.nodes.has(role))
        return skip(`it needs a ${role} under test; set PIKA_${role.toUpperCase()}=127.0.0.1:<port>`);
    const infos = new Map<string, Info>();
    for (const role of roles) {
      const ext = this.node(role);
      const n = new ExternalSutNode(role, ext.port, {}, ext);
      let info: Info | undefined;
      let unreachable: string | undefined;
      try {
        await this.clock.within(SLAVES_GONE_S, async () => {
          try {
            info = await n.info("replication");
          } catch (err) {
            unreachable = (err as Error).message;
            return false;
          }
          return (info.connectedSlaves ?? 0) === 0;
        });
      } catch {
        // A running node that stopped answering is a failure of the system under test, not a reason to skip.
        if (!info)
          throw new NodeDiedError(
            `the external node ${this.where(role)} does not answer INFO: ${unreachable}`,
          );
        const list = info.slaves.map((s) => `${s.ip}:${s.port}`).join(", ");
        return skip(
          `it needs a ${role} without slaves, and ${this.where(role)} has ${info.connectedSlaves ?? 0} (${list}); ` +
            `point ${ext.from} at a node that no slave follows`,
        );
      }
      if (info) infos.set(role, info);
    }
    const slave = infos.get("slave");
    if (!slave) return undefined;
    const follows = followedMaster(slave);
    if (follows)
      return skip(
        `it needs a slave that follows nobody, and ${this.where("slave")} follows ${follows}; ` +
          "send it SLAVEOF NO ONE, or point PIKA_SLAVE at a node that follows nobody",
      );
    const slaveId = replicationIdOf(slave);
    const master = infos.get("master");
    if (master) {
      const masterId = replicationIdOf(master);
      if (masterId === "" || masterId !== slaveId)
        return skip(
          `a pair needs a master and a slave that share one replication-id, and ${this.where("master")} has ` +
            `"${masterId}" while ${this.where("slave")} has "${slaveId}"; give both the same replication-id ` +
            "in their pika.conf (docker-compose.yml's nodes share one)",
        );
    } else if (slaveId === "")
      return skip(
        `a slave-side scenario needs a slave with a replication-id, and ${this.where("slave")} has none: it ` +
          "would adopt the probe master's and keep it; set replication-id in its pika.conf (docker-compose.yml's " +
          "nodes have one)",
      );
    this.replicationId = slaveId;
    this.releaseSlave = true;
    return undefined;
  }

  /** The configured passwords, and the values CONFIG SET replaced (an operator's masterauth, say). */
  secrets(): string[] {
    return [...[...this.settings.nodes.values()].map((n) => n.password ?? ""), ...this.replaced];
  }

  /** The running nodes' replication-id, which cannotRun read for a @slave or @pair scenario. */
  sharedReplicationId(): string {
    if (this.replicationId === undefined)
      throw new Error(
        "PIKA_TARGET=external knows the running nodes' replication-id only for a scenario tagged @slave or " +
          "@pair, once cannotRun has admitted it",
      );
    return this.replicationId;
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
      await checkNode(probe, this.settings.build, `the external node ${name} (${ext.from})`);
      this.versionChecked.add(name);
    }
    const info = await probe.info("replication");
    const databases = databasesIn(info) || 1;
    const replicationId = replicationIdOf(info);
    const fixed: string[] = [];
    if (options.databases !== undefined && options.databases !== databases)
      fixed.push(`databases ${options.databases} (it has ${databases})`);
    if (options.dbInstanceNum !== undefined) fixed.push(`db-instance-num ${options.dbInstanceNum}`);
    if (options.replicationId !== undefined && options.replicationId !== replicationId)
      fixed.push(
        `${options.replicationId === "" ? "an empty replication-id" : `replication-id "${options.replicationId}"`} ` +
          `(it has "${replicationId}")`,
      );
    if (options.runId !== undefined) fixed.push("a run-id of the scenario's");
    if (options.slaveof !== undefined) fixed.push(`slaveof ${options.slaveof}`);
    for (const k of Object.keys(options.extra ?? {})) fixed.push(k);
    if (fixed.length)
      throw new Error(
        `the external node ${name} cannot be started with ${fixed.join(", ")}: tag the scenario @fresh-node ` +
          "so that PIKA_TARGET=external skips it",
      );
    const dbInstanceNum = await probe.dbInstanceNum();
    const node = new ExternalSutNode(
      name,
      ext.port,
      { ...options, databases, dbInstanceNum },
      ext,
      schemaForVersion(this.settings.build?.version),
      info.binlogOffsets,
    );
    for (const key of ["requirepass", "masterauth"] as const) {
      const want = key === "requirepass" ? options.requirepass : options.masterauth;
      const { old, restore } = await node.configSet(key, want ?? "");
      this.replaced.push(old);
      this.restore.push(restore);
    }
    this.started.set(name, node);
    return node;
  }

  /**
   * Puts the running nodes back as the scenario found them, one step after the other: the slave
   * of a @slave or @pair scenario follows nobody again (SLAVEOF NO ONE, with the password it has
   * now), the passwords are set back, and then every node the scenario used must list no slaves
   * within 5 s, so the next scenario finds them free.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    const failed: string[] = [];
    const attempt = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (err) {
        failed.push(`${what}: ${(err as Error).message}`);
      }
    };
    const nodes = [...this.started.values()];
    if (this.releaseSlave)
      for (const n of nodes.filter((x) => /^slave\d*$/.test(x.name)))
        await attempt(`SLAVEOF NO ONE on ${n.name}`, () => n.slaveofNoOne());
    for (const fn of this.restore.reverse()) await attempt("restoring a password", fn);
    this.restore.length = 0;
    if (this.releaseSlave)
      for (const n of nodes)
        await attempt(`waiting for ${n.name} to drop its slaves`, () => this.noSlaves(n));
    this.started.clear();
    this.ports.releaseAll();
    if (failed.length)
      throw new Error(
        `could not put the external nodes back as the scenario found them: ${failed.join("; ")}`,
      );
  }

  /** Waits until `n` lists no slaves (and, for a slave under test, follows nobody). */
  private async noSlaves(n: ExternalSutNode): Promise<void> {
    const isSlave = /^slave\d*$/.test(n.name);
    let info: Info | undefined;
    const free = async () => {
      info = await n.info("replication");
      return (info.connectedSlaves ?? 0) === 0 && !(isSlave && followedMaster(info));
    };
    try {
      await this.clock.within(SLAVES_GONE_S, free);
      return;
    } catch (err) {
      if (!info) throw err;
    }
    // A master that keeps a slave's registration after its connection went (Pika #2291, R15)
    // lets it go at its 180 s read-idle close: wait for that rather than leave the next scenarios
    // a busy node (they would be skipped, so the verdicts would depend on which set they got).
    if (!isSlave && (info?.connectedSlaves ?? 0) > 0) {
      console.error(
        `pika-conformance: ${n.where} still lists a slave after the scenario; waiting up to ${STALE_ITEM_S} s for its ` +
          "idle timer to drop the registration",
      );
      try {
        await this.clock.within(STALE_ITEM_S, free);
        return;
      } catch {}
    }
    const list = info?.slaves.map((s) => `${s.ip}:${s.port}`).join(", ");
    const follows = isSlave && info && followedMaster(info);
    throw new Error(
      `${n.where} still ${follows ? `follows ${follows}` : `lists ${info?.connectedSlaves} slave(s) (${list})`} after the ` +
        "scenario; scenarios that need it free will be skipped until it is",
    );
  }
}
