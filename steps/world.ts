/**
 * The World of a scenario: its target, clock, trace, the nodes and probes it started, and the
 * disposers that After runs in reverse order. Everything attached to the report, and every log
 * line, passes the scenario's Redactor (harness/trace/redact.ts) on its way.
 */
import { randomBytes } from "node:crypto";
import { type IWorldOptions, setWorldConstructor, World } from "@cucumber/cucumber";
import type { RuleRef } from "../harness/check";
import { expect } from "../harness/check";
import type { Clock } from "../harness/clock";
import { WriteLoad } from "../harness/data";
import { RSYNC_SHIFT } from "../harness/net";
import { linksUpWithin, proxyMark, slaveof } from "../harness/pair";
import { ProbeMaster, type ProbeMasterMark } from "../harness/probe/master";
import { RsyncProbe } from "../harness/probe/rsync";
import { type ProbeConnection, ProbeSlave } from "../harness/probe/slave";
import { WireProxy } from "../harness/proxy";
import { startProfileNode } from "../harness/targets/profile-node";
import type { NodeOptions, SutNode, Target } from "../harness/targets/target";
import { Redactor, secretsOf } from "../harness/trace/redact";
import { Trace } from "../harness/trace/trace";
import { DEFAULT_SCHEMA, type PNode, type SchemaVersion } from "../harness/wire";
import type { SlaveList, SlaveofTarget } from "./parameters";

/** How PikaWorld.startPairThroughProxy starts a pair. */
export interface PairOptions {
  /**
   * `exceptFor`: the stand-in is there only when the nodes under test speak another schema; a
   * build of that release provides the node itself (PR-VERFULL: a 4.0 master is the build under
   * test when that is a 4.0 build, whose slave can load its dump, and the reference otherwise).
   */
  standIn?: { name: string; profile?: string; exceptFor?: SchemaVersion };
  newSlaves?: boolean;
  extra?: Record<string, string>;
  /** Settings of the master only (e.g. its requirepass). */
  master?: NodeOptions;
}

export class PikaWorld extends World {
  target!: Target;
  trace!: Trace;
  seed = 0;
  rule: RuleRef | undefined;
  scenarioId: string | undefined;
  readonly nodes = new Map<string, SutNode>();
  probe: ProbeSlave | undefined;
  /** A probe connection an earlier step singled out (e.g. the one receiving pings). */
  pingHolder: ProbeConnection | undefined;
  probeMaster: ProbeMaster | undefined;
  /** What the probe master had seen when the last When step acted: later steps look after it. */
  mark: ProbeMasterMark = { requests: 0, connections: 0 };
  /** The wire proxy between the pair under test, and when the last fault was injected. */
  proxy: WireProxy | undefined;
  fault: { at: number; mark: number } | undefined;
  /** The probe rsync client on the master's P+10001 (features/data/auth.feature, DS-AUTH-04). */
  rsyncProbe: RsyncProbe | undefined;
  /** The last reply to SLAVEOF. */
  slaveofReply: string | undefined;
  /**
   * The writes made on the master (features/data): what the slaves must hold, each once. Its keys
   * are the scenario's own ("w" and 6 random hex digits, not from the seed: a rerun with
   * PIKA_SEED on running nodes must not find the keys of the run it repeats).
   */
  readonly load = new WriteLoad(`w${randomBytes(3).toString("hex")}`);
  private sharedId: string | undefined;
  private disposers: (() => unknown)[] = [];

  constructor(options: IWorldOptions) {
    const redactor = () => this?.redactor ?? new Redactor([]);
    const attach = (data: unknown, media?: string | { mediaType: string; fileName?: string }) => {
      if (typeof data !== "string" && !Buffer.isBuffer(data))
        throw new Error("attach a string or a Buffer: a stream cannot be redacted");
      const mediaType = (typeof media === "string" ? media : media?.mediaType) ?? "text/plain";
      return options.attach(redactor().attachment(data, mediaType) as string, media);
    };
    super({
      ...options,
      attach: attach as IWorldOptions["attach"],
      log: (text) => options.log(redactor().text(text)),
    });
  }

  /** The redaction point for this scenario: the secrets of its nodes and of its target. */
  get redactor(): Redactor {
    const nodes = secretsOf([...this.nodes.values()].map((n) => n.options));
    return new Redactor([...nodes, ...(this.target?.secrets?.() ?? [])]);
  }

  get clock(): Clock {
    return this.target.clock;
  }

  startTrace(): void {
    this.trace = new Trace(this.clock);
  }

  /** Registers cleanup for something this scenario started. */
  defer(fn: () => unknown): void {
    this.disposers.push(fn);
  }

  /**
   * Runs every disposer, newest first, one after the other: a probe or proxy is closed before
   * the target that lent it its ports releases them to other runs. Failures are reported
   * together after all have run.
   */
  async dispose(): Promise<void> {
    const fns = this.disposers.reverse();
    this.disposers = [];
    const failed: string[] = [];
    for (const fn of fns) {
      try {
        await fn();
      } catch (err) {
        failed.push(String(err));
      }
    }
    if (failed.length) throw new Error(`cleanup failed: ${failed.join("; ")}`);
  }

  node(name: string): SutNode {
    const n = this.nodes.get(name);
    if (!n)
      throw new Error(
        `no node named "${name}" in this scenario (started: ${[...this.nodes.keys()].join(", ") || "none"})`,
      );
    return n;
  }

  get master(): SutNode {
    return this.node("master");
  }

  /**
   * The replication_id that nodes and probe masters of this scenario share: a fresh random one,
   * or the one the running nodes already have on a target that cannot change it (external).
   */
  get replicationId(): string {
    this.sharedId ??= this.target.sharedReplicationId?.() ?? this.clock.rng.hex(50);
    return this.sharedId;
  }

  /** A fresh random replication_id, other than the scenario's. */
  readonly newReplicationId = (): string => this.clock.rng.hex(50);

  /**
   * What a dataset comparison looks at: on nodes that keep earlier scenarios' keys
   * (Target.keepsHistory), this scenario's own (a SCAN MATCH pattern); else every key.
   */
  get dataScope(): string | undefined {
    return this.target.keepsHistory ? this.load.pattern : undefined;
  }

  /** The slaves under test: the node "slave", or "slave1" ... "slaveK". */
  get slaves(): SutNode[] {
    return [...this.nodes.values()].filter((n) => /^slave\d*$/.test(n.name));
  }

  /** A probe master for the slave under test, with the slave's databases; closed after the scenario. */
  async startProbeMaster(): Promise<void> {
    const options = this.node("slave").options;
    const pm = await ProbeMaster.start(this.clock, this.trace, {
      port: await this.target.allocatePort(),
      databases: options.databases ?? 1,
      dbInstanceNum: options.dbInstanceNum ?? 3,
      replicationId: this.replicationId,
      runId: this.clock.rng.hex(40),
      schema: this.node("slave").schema,
    });
    this.probeMaster = pm;
    this.defer(() => pm.close());
  }

  /** A probe slave announcing `node` to the replication port of `of`; closed after the scenario. */
  startProbeSlave(of: SutNode, node: PNode, auth?: string): ProbeSlave {
    const probe = new ProbeSlave(this.clock, this.trace, of.replPort, node, {
      auth,
      schema: of.schema,
      binlogAtStart: of.binlogAtStart,
    });
    this.probe = probe;
    this.defer(() => probe.close());
    return probe;
  }

  /** A probe rsync client on the full-sync port P+10001 of `of`; closed after the scenario. */
  startRsyncProbe(of: SutNode): RsyncProbe {
    const probe = new RsyncProbe(this.clock, this.trace, of.port + RSYNC_SHIFT);
    this.rsyncProbe = probe;
    this.defer(() => probe.close());
    return probe;
  }

  /**
   * A master and the slaves `names` under test, sharing one replication_id, and a wire proxy in
   * front of the master. `standIn` names the one that is a reference node instead, started after
   * the nodes under test: of a profile (a node of another Pika release, PR-VER), or else the
   * conformant reference speaking the wire schema of the build under test (DS-MIX). `newSlaves`:
   * the slaves start with no replication_id, as new nodes do, so their first sync is a full one
   * (DS-FULL). `extra`: pika.conf settings of every node. The slaves start together: a storm's
   * eight would otherwise start one after another.
   */
  async startPairThroughProxy(names: string[], how: PairOptions = {}): Promise<void> {
    const { standIn, newSlaves, extra, master } = how;
    const options = { replicationId: this.replicationId, extra };
    const all = ["master", ...names];
    if (all.slice(1).includes("master")) throw new Error("the slaves of a pair cannot be named master");
    const underTest = all.filter((n) => n !== standIn?.name);
    if (underTest[0] === "master")
      this.nodes.set("master", await this.target.startNode("master", { ...options, ...master }));
    const slaves = await Promise.all(
      underTest
        .filter((n) => n !== "master")
        .map((n) => this.target.startNode(n, newSlaves ? { extra } : options)),
    );
    for (const n of slaves) this.nodes.set(n.name, n);
    const ownSchema = this.node(underTest[0] ?? "master").schema;
    if (standIn && standIn.exceptFor === (ownSchema ?? DEFAULT_SCHEMA))
      this.nodes.set(standIn.name, await this.target.startNode(standIn.name, options));
    else if (standIn) {
      const schema = standIn.profile ? undefined : ownSchema;
      const p = await startProfileNode(this.target, standIn.name, standIn.profile, options, schema);
      this.defer(() => p.dispose());
      this.nodes.set(standIn.name, p.node);
    }
    const proxy = await WireProxy.start(this.clock, this.master.port, {
      port: await this.target.allocatePort(),
      trace: this.trace,
      masterSchema: this.master.schema,
    });
    this.proxy = proxy;
    this.defer(() => proxy.close());
  }

  /** Every slave told SLAVEOF the proxy (answered OK); then, unless `upWithinS` is 0, their links up within it. */
  async linkThroughProxy(upWithinS = 5): Promise<void> {
    for (const s of this.slaves) {
      const reply = await slaveof(s, this.trace, "127.0.0.1", String(this.wireProxy.port));
      expect(reply === "OK", `SLAVEOF ${s.name} answered OK`, reply);
    }
    if (upWithinS > 0) await linksUpWithin(this.clock, this.slaves, upWithinS);
  }

  /** The ip:port of each slave INFO on the master must list. */
  expectedSlaves(list: SlaveList): string[] {
    if (list === "the slave under test") return [`127.0.0.1:${this.node("slave").port}`];
    if ("exactly" in list) return list.exactly;
    const all = this.slaves.map((n) => `127.0.0.1:${n.port}`);
    expect(all.length === list.count, `${list.count} slaves under test`, `${all.length}`);
    return all;
  }

  /** The arguments of SLAVEOF for the slave under test. */
  slaveofArgs(target: SlaveofTarget): string[] {
    if (target === "no one") return ["no", "one"];
    if (target === "master under test") return [this.master.host, String(this.master.port)];
    if (target === "itself") return ["127.0.0.1", String(this.node("slave").port)];
    return ["127.0.0.1", String(this.pm.port), ...(target === "probe master with force" ? ["force"] : [])];
  }

  get wireProxy(): WireProxy {
    if (!this.proxy)
      throw new Error("this scenario has no wire proxy: add a '... through a wire proxy' step");
    return this.proxy;
  }

  /** Marks the moment of a fault; later steps count from it. */
  markFault(): void {
    this.fault = { at: this.clock.now(), mark: this.proxy ? proxyMark(this.proxy) : 0 };
  }

  get pm(): ProbeMaster {
    if (!this.probeMaster)
      throw new Error("this scenario has no probe master: add a 'Given a probe master' step");
    return this.probeMaster;
  }

  get probeSlave(): ProbeSlave {
    if (!this.probe)
      throw new Error("this scenario has no probe slave: add a 'Given a probe slave announcing ...' step");
    return this.probe;
  }
}

setWorldConstructor(PikaWorld);
