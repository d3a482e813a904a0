/**
 * Probe master: a scripted server on P+2000 for a slave under test, plus a plain listener on P
 * (real Pika slaves probe P with a bare TCP connect before every MetaSync). Each step scripts
 * its answers; every request is recorded with its clock time and connection, and written to
 * the scenario's trace.
 */
import type { Socket } from "node:net";
import { expect, expectWithin } from "../check";
import type { Clock, TimerHandle } from "../clock";
import { FrameConn } from "../conn";
import { Listener, REPL_SHIFT } from "../net";
import { expectPaced } from "../pacing";
import type { Trace } from "../trace/trace";
import {
  type DbInfo,
  decodeRequest,
  decodeResponse,
  encodeResponse,
  type InnerRequest,
  type InnerResponse,
  MessageError,
  MsgType,
  res,
  type SchemaVersion,
  StatusCode,
  summarize,
  TrySyncReply,
} from "../wire";

/** How the probe master answers one MetaSync. */
export type MetaSyncAnswer =
  | { kind: "ok"; dbs?: DbInfo[]; replicationId?: string }
  | { kind: "other" }
  | { kind: "error"; reply?: string }
  | { kind: "silence" }
  | { kind: "close" }
  | { kind: "garbage" };

export interface RecordedRequest {
  at: number;
  conn: string;
  msg?: InnerRequest;
  error?: string;
}

interface MasterConn {
  label: string;
  conn: FrameConn;
  openedAt: number;
  closedAt?: number;
  /** Set when the probe itself dropped the connection: a frame header it refused (its message). */
  droppedBecause?: string;
  pingTimer?: TimerHandle;
}

/** A point in the probe master's recordings: requests and connections seen so far. */
export interface ProbeMasterMark {
  requests: number;
  connections: number;
}

export interface ProbeMasterOptions {
  port: number;
  databases: number;
  dbInstanceNum: number;
  replicationId: string;
  runId: string;
  /** The wire schema of the slave under test (its Pika version's): it is answered in it. */
  schema?: SchemaVersion;
}

export class ProbeMaster {
  readonly requests: RecordedRequest[] = [];
  readonly connections: MasterConn[] = [];
  /** Times of the plain connections to P (the slave's probes). */
  readonly probes: number[] = [];
  /** Answers for the next MetaSyncs, in order; once empty, `defaultMetaSync` answers. */
  readonly metaSyncScript: MetaSyncAnswer[] = [];
  defaultMetaSync: MetaSyncAnswer = { kind: "ok" };
  /** Answer TrySync with kOk and a new session id (false: no answer at all). */
  answerTrySync = true;
  /** Ping every synced session every 2 s, as a Pika master does. */
  pingSessions = true;
  /** Accept connections on P+2000 and reset them at once (a refused replication port). */
  resetReplConnections = false;
  private pListener: Listener | undefined;
  private replListener: Listener | undefined;
  private sessions = 0;

  private constructor(
    readonly clock: Clock,
    readonly trace: Trace,
    readonly options: ProbeMasterOptions,
  ) {}

  static async start(clock: Clock, trace: Trace, options: ProbeMasterOptions): Promise<ProbeMaster> {
    const m = new ProbeMaster(clock, trace, options);
    await m.openP();
    m.replListener = await Listener.open(clock, options.port + REPL_SHIFT, (s) => m.accept(s));
    return m;
  }

  get port(): number {
    return this.options.port;
  }

  get dbs(): DbInfo[] {
    return Array.from({ length: this.options.databases }, (_, i) => ({
      dbName: `db${i}`,
      slotNum: 1,
      dbInstanceNum: this.options.dbInstanceNum,
    }));
  }

  /** Starts (again) accepting the slave's probes on P. */
  async openP(): Promise<void> {
    this.pListener ??= await Listener.open(this.clock, this.port, (s) => {
      this.probes.push(this.clock.now());
      s.on("error", () => {});
      s.resume(); // a probe sends nothing; keep reading so its close is seen
    });
  }

  /** Stops listening on P: the slave's probes are refused. */
  async closeP(): Promise<void> {
    await this.pListener?.close();
    this.pListener = undefined;
  }

  private accept(socket: Socket): void {
    const label = `C${this.connections.length + 1}`;
    const mc: MasterConn = { label, conn: new FrameConn(socket, label), openedAt: this.clock.now() };
    this.connections.push(mc);
    this.trace.record({
      from: "slave",
      to: "probe-master",
      conn: label,
      kind: "connect",
      summary: "slave connected",
    });
    if (this.resetReplConnections) {
      this.trace.record({
        from: "probe-master",
        to: "slave",
        conn: label,
        kind: "close",
        summary: "probe master resets (RST)",
      });
      mc.conn.reset();
    }
    mc.conn.onFrame = (body) => this.onFrame(mc, body);
    mc.conn.onFrameError = (err) => {
      mc.droppedBecause = err.message;
      this.trace.record({
        from: "probe-master",
        to: "slave",
        conn: label,
        kind: "frame-error",
        summary: `probe-master closed the connection: ${err.message}`,
      });
    };
    mc.conn.onClose = () => {
      mc.closedAt = this.clock.now();
      this.clock.clearTimeout(mc.pingTimer);
      if (mc.droppedBecause === undefined)
        this.trace.record({
          from: "slave",
          to: "probe-master",
          conn: label,
          kind: "close",
          summary: "connection closed",
        });
    };
  }

  private send(mc: MasterConn, m: InnerResponse): void {
    const body = encodeResponse(m, true, this.options.schema);
    this.trace.record({
      from: "probe-master",
      to: "slave",
      conn: mc.label,
      kind: "frame",
      // What went out: in an older schema, without the fields it lacks.
      summary: summarize(this.options.schema ? decodeResponse(body, this.options.schema) : m),
    });
    mc.conn.send(body);
  }

  private onFrame(mc: MasterConn, body: Buffer): void {
    const at = this.clock.now();
    let msg: InnerRequest;
    try {
      msg = decodeRequest(body, this.options.schema);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.requests.push({ at, conn: mc.label, error: err.message });
      this.trace.record({
        from: "slave",
        to: "probe-master",
        conn: mc.label,
        kind: "frame",
        summary: `undecodable: ${err.message}`,
      });
      return;
    }
    this.requests.push({ at, conn: mc.label, msg });
    this.trace.record({
      from: "slave",
      to: "probe-master",
      conn: mc.label,
      kind: "frame",
      summary: summarize(msg),
      bytes: body.length + 4,
    });
    if (msg.type === MsgType.kMetaSync) this.answerMetaSync(mc);
    else if (msg.type === MsgType.kTrySync && msg.trySync && this.answerTrySync) {
      const id = this.sessions++;
      this.send(mc, res.trySync(msg.trySync.slot.dbName, TrySyncReply.kOk, { filenum: 0, offset: 0 }, id));
    } else if (msg.type === MsgType.kDBSync && msg.dbSync) {
      this.send(mc, res.dbSync(msg.dbSync.slot.dbName, this.sessions++));
    } else if (msg.type === MsgType.kBinlogSync && msg.binlogSync?.firstSend && this.pingSessions) {
      this.ping(mc, msg.binlogSync.dbName, msg.binlogSync.sessionId);
    }
  }

  /** Pings a synced session every 2 s, as a Pika master does. */
  private ping(mc: MasterConn, db: string, session: number): void {
    mc.pingTimer = this.clock.setTimeout(() => {
      if (mc.closedAt !== undefined) return;
      this.send(mc, res.ping(db, session));
      this.ping(mc, db, session);
    }, 2000);
  }

  private answerMetaSync(mc: MasterConn): void {
    const a = this.metaSyncScript.shift() ?? this.defaultMetaSync;
    const o = this.options;
    if (a.kind === "ok")
      this.send(mc, res.metaSyncOk(a.dbs ?? this.dbs, o.runId, a.replicationId ?? o.replicationId));
    else if (a.kind === "other")
      this.send(mc, res.status(MsgType.kMetaSync, StatusCode.kOther, "Slave AlreadyExist"));
    else if (a.kind === "error")
      this.send(
        mc,
        res.status(
          MsgType.kMetaSync,
          StatusCode.kError,
          a.reply ?? "Auth with master error, Invalid masterauth",
        ),
      );
    else if (a.kind === "close") {
      this.trace.record({
        from: "probe-master",
        to: "slave",
        conn: mc.label,
        kind: "close",
        summary: "probe master closes",
      });
      mc.conn.close();
    } else if (a.kind === "garbage") {
      this.trace.record({
        from: "probe-master",
        to: "slave",
        conn: mc.label,
        kind: "raw",
        summary: "undecodable frame",
      });
      mc.conn.send(Buffer.from("ffffffffffff", "hex"));
    } // "silence": no answer
  }

  /** Closes every replication connection (the slave loses its master). */
  dropConnections(): void {
    for (const mc of this.connections) if (mc.closedAt === undefined) mc.conn.close();
  }

  mark(): ProbeMasterMark {
    return { requests: this.requests.length, connections: this.connections.length };
  }

  /** Requests of one type, in arrival order, since `mark` (default: all). */
  received(type: MsgType, mark?: ProbeMasterMark): RecordedRequest[] {
    return this.requests.slice(mark?.requests ?? 0).filter((r) => r.msg?.type === type);
  }

  /** Waits until `n` requests of `type` arrived since `mark`; `context` goes into the failure. */
  async receivedWithin(
    type: MsgType,
    n: number,
    seconds: number,
    mark: ProbeMasterMark,
    context = "",
  ): Promise<void> {
    await expectWithin(
      this.clock,
      seconds,
      () => this.received(type, mark).length >= n,
      `${n} ${MsgType[type]} at the probe master within ${seconds} s`,
      () => `${this.received(type, mark).length} received${context}`,
    );
  }

  /**
   * Waits for a TrySync or DBSync for each database since `mark`, then checks there is exactly
   * one each, from the node the last MetaSync announced, at `offset` ("filenum:offset").
   */
  async perDatabase(
    type: MsgType.kTrySync | MsgType.kDBSync,
    dbs: string[],
    seconds: number,
    offset: string,
    mark: ProbeMasterMark,
  ): Promise<void> {
    const name = MsgType[type];
    const got = () =>
      this.received(type, mark).map((r) => (type === MsgType.kTrySync ? r.msg?.trySync : r.msg?.dbSync));
    const dbsGot = () => got().map((x) => x?.slot.dbName);
    await expectWithin(
      this.clock,
      seconds,
      () => dbs.every((db) => dbsGot().includes(db)),
      `${name} for ${dbs.join(", ")} within ${seconds} s`,
      () => `received for: ${dbsGot().join(", ") || "none"}`,
    );
    const announced = this.received(MsgType.kMetaSync).at(-1)?.msg?.metaSync?.node;
    const where = (x: ReturnType<typeof got>[number]) =>
      `${x?.node.ip}:${x?.node.port} at ${x?.binlogOffset.filenum}:${x?.binlogOffset.offset}`;
    for (const x of got())
      expect(
        where(x) === `${announced?.ip}:${announced?.port} at ${offset}`,
        `${name} from the node MetaSync announced (${announced?.ip}:${announced?.port}) at offset ${offset}`,
        where(x),
      );
    const counts = dbs.map((db) => dbsGot().filter((d) => d === db).length);
    expect(
      counts.every((c) => c === 1),
      `one ${name} per database`,
      `${counts.join(", ")} for ${dbs.join(", ")}`,
    );
  }

  /** When the replication connections since `mark` were opened. */
  openedSince(mark: ProbeMasterMark): number[] {
    return this.connections.slice(mark.connections).map((c) => c.openedAt);
  }

  /**
   * During `seconds` from now, at least `atLeast` MetaSync requests (or replication connections)
   * since `mark`, each `minS` to `maxS` s after the previous one, and none missing at the end.
   */
  async pacedDuring(
    what: "MetaSync" | "connection attempts",
    o: { seconds: number; atLeast: number; minS: number; maxS: number },
    mark: ProbeMasterMark,
  ): Promise<void> {
    const origin = this.clock.now();
    await this.clock.during(o.seconds);
    const times =
      what === "MetaSync" ? this.received(MsgType.kMetaSync, mark).map((r) => r.at) : this.openedSince(mark);
    expectPaced(what, times, { ...o, windowEnd: this.clock.now(), origin });
  }

  /** Every MetaSync since `mark` on one connection, each `minS` to `maxS` s after the previous one. */
  metaSyncsPaced(minS: number, maxS: number, mark: ProbeMasterMark): void {
    const reqs = this.received(MsgType.kMetaSync, mark);
    const conns = [...new Set(reqs.map((r) => r.conn))];
    expect(conns.length === 1, "every MetaSync on one connection", `connections ${conns.join(", ")}`);
    expectPaced(
      "MetaSync",
      reqs.map((r) => r.at),
      { minS, maxS, origin: reqs[0]?.at ?? 0 },
    );
  }

  /** No request of `type` arrives during `seconds`: none since `mark`, or none more than now. */
  async noneDuring(type: MsgType, seconds: number, mark: ProbeMasterMark | "now"): Promise<void> {
    const since = mark === "now" ? this.mark() : mark;
    await this.clock.during(seconds);
    const n = this.received(type, since).length;
    const name = MsgType[type].slice(1);
    expect(n === 0, `no ${mark === "now" ? "further " : ""}${name} during ${seconds} s`, `${n} ${name}`);
  }

  /** Within `seconds`, a MetaSync since `mark` arrives on another connection than the first one since `mark`. */
  async metaSyncOnNewConnectionWithin(seconds: number, mark: ProbeMasterMark): Promise<void> {
    const conns = () => this.received(MsgType.kMetaSync, mark).map((r) => r.conn);
    const first = conns()[0];
    await expectWithin(
      this.clock,
      seconds,
      () => conns().some((c) => c !== first),
      `a MetaSync on a connection other than ${first} within ${seconds} s`,
      () => `MetaSync on ${conns().join(", ")}`,
    );
  }

  /** Within `seconds`, every connection that was open at `mark` is closed (by the slave). */
  async closedWithin(seconds: number, mark: ProbeMasterMark): Promise<void> {
    const open = () => this.connections.slice(0, mark.connections).filter((c) => c.closedAt === undefined);
    const had = open();
    const stillOpen = () => had.filter((c) => c.closedAt === undefined);
    await expectWithin(
      this.clock,
      seconds,
      () => stillOpen().length === 0,
      `the replication connection closed within ${seconds} s`,
      () =>
        `still open: ${stillOpen()
          .map((c) => c.label)
          .join(", ")}`,
    );
  }

  async close(): Promise<void> {
    this.dropConnections();
    await Promise.all([this.pListener?.close(), this.replListener?.close()]);
  }
}
