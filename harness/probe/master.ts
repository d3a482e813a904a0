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
import type { Trace } from "../trace/trace";
import {
  type DbInfo,
  decodeRequest,
  encodeResponse,
  type InnerRequest,
  type InnerResponse,
  MessageError,
  MsgType,
  res,
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
    this.trace.record({
      from: "probe-master",
      to: "slave",
      conn: mc.label,
      kind: "frame",
      summary: summarize(m),
    });
    mc.conn.send(encodeResponse(m));
  }

  private onFrame(mc: MasterConn, body: Buffer): void {
    const at = this.clock.now();
    let msg: InnerRequest;
    try {
      msg = decodeRequest(body);
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

  async close(): Promise<void> {
    this.dropConnections();
    await Promise.all([this.pListener?.close(), this.replListener?.close()]);
  }
}
