/**
 * Probe slave: a scripted client of a master's replication port. It sends exactly what a step
 * asks (valid, duplicate, malformed), records every frame it receives with the clock time, and
 * writes both directions to the scenario's trace. It answers pings only when told to.
 */

import { expectWithin, Mismatch } from "../check";
import { BudgetExceeded, type Clock } from "../clock";
import { FrameConn } from "../conn";
import { connect } from "../net";
import { binlogPosition } from "../targets/info";
import type { Trace } from "../trace/trace";
import {
  type BinlogOffset,
  DEFAULT_SCHEMA,
  decodeResponse,
  encodeRequest,
  type InnerRequest,
  type InnerResponse,
  isPing,
  MessageError,
  MsgType,
  type PNode,
  req,
  type SchemaVersion,
  StatusCode,
  summarize,
  TrySyncReply,
} from "../wire";

export interface Received {
  /** Clock time (ms since the epoch of the clock). */
  at: number;
  msg?: InnerResponse;
  /** Set when the frame did not decode. */
  error?: string;
}

export class ProbeConnection {
  readonly received: Received[] = [];
  /** How many requests of each type were sent. */
  private readonly sent = new Map<MsgType, number>();
  closedAt: number | undefined;
  /** Answer every ping with a zero/zero BinlogSync ack, as a Pika slave does. */
  autoAck = false;

  constructor(
    readonly label: string,
    private readonly conn: FrameConn,
    private readonly probe: ProbeSlave,
  ) {
    conn.onFrame = (body) => this.onFrame(body);
    conn.onFrameError = (err) => {
      this.droppedBecause = err.message;
      probe.trace.record({
        from: "probe-slave",
        to: "master",
        conn: label,
        kind: "frame-error",
        summary: `probe-slave closed the connection: ${err.message}`,
      });
    };
    conn.onClose = () => {
      this.closedAt = probe.clock.now();
      if (this.droppedBecause === undefined)
        probe.trace.record({
          from: "master",
          to: "probe-slave",
          conn: label,
          kind: "close",
          summary: "connection closed",
        });
    };
  }

  /** Set when the probe itself dropped the connection: a frame header it refused (its message). */
  droppedBecause: string | undefined;

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  private onFrame(body: Buffer): void {
    const at = this.probe.clock.now();
    try {
      const msg = decodeResponse(body, this.probe.schema);
      this.received.push({ at, msg });
      this.probe.trace.record({
        from: "master",
        to: "probe-slave",
        conn: this.label,
        kind: "frame",
        summary: summarize(msg),
        bytes: body.length + 4,
      });
      if (this.autoAck && isPing(msg)) {
        for (const chip of msg.binlogSync ?? [])
          this.send(req.binlogSync(this.probe.node, chip.slot.dbName, chip.sessionId, false));
      }
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      this.received.push({ at, error: err.message });
      this.probe.trace.record({
        from: "master",
        to: "probe-slave",
        conn: this.label,
        kind: "frame",
        summary: `undecodable: ${err.message}`,
        bytes: body.length + 4,
      });
    }
  }

  /** Sends a request; `checked: false` sends it even if it breaks the schema. */
  send(m: InnerRequest, checked = true): void {
    this.probe.trace.record({
      from: "probe-slave",
      to: "master",
      conn: this.label,
      kind: "frame",
      summary: summarize(m),
    });
    this.sent.set(m.type, (this.sent.get(m.type) ?? 0) + 1);
    this.conn.send(encodeRequest(m, checked, this.probe.schema));
  }

  /** Sends bytes as they are (malformed frames). */
  sendRaw(bytes: Uint8Array, what: string): void {
    this.probe.trace.record({
      from: "probe-slave",
      to: "master",
      conn: this.label,
      kind: "raw",
      summary: what,
      bytes: bytes.length,
    });
    this.conn.writeRaw(bytes);
  }

  close(): void {
    this.probe.trace.record({
      from: "probe-slave",
      to: "master",
      conn: this.label,
      kind: "close",
      summary: "probe closes (FIN)",
    });
    this.conn.close();
  }

  /** Abortive close (RST). */
  reset(): void {
    this.probe.trace.record({
      from: "probe-slave",
      to: "master",
      conn: this.label,
      kind: "close",
      summary: "probe resets (RST)",
    });
    this.conn.reset();
  }

  /** Responses of one type, in arrival order. */
  responses(type: MsgType): InnerResponse[] {
    return this.received.flatMap((r) => (r.msg && r.msg.type === type ? [r.msg] : []));
  }

  /** Arrival times of pings for a database. */
  pings(db = "db0"): number[] {
    return this.received
      .filter((r) => r.msg && isPing(r.msg) && r.msg.binlogSync?.some((c) => c.slot.dbName === db))
      .map((r) => r.at);
  }

  /** Everything received, one line each, for error reports. */
  describe(): string {
    if (this.received.length === 0)
      return `nothing on connection ${this.label}${this.closed ? " (closed)" : ""}`;
    return `${this.received.map((r) => (r.msg ? summarize(r.msg) : r.error)).join("; ")}${this.closed ? "; then closed" : ""}`;
  }

  /** Waits for the n-th (1-based) response of `type` on this connection. */
  async reply(type: MsgType, seconds: number, n = 1): Promise<InnerResponse> {
    return expectWithin(
      this.probe.clock,
      seconds,
      () => this.responses(type)[n - 1],
      `${n === 1 ? "a" : `a ${n}th`} ${MsgType[type]} reply on connection ${this.label} within ${seconds} s`,
      () => this.describe(),
    );
  }

  /**
   * Waits for the n-th (1-based) reply of `type`, or for the master to close the connection.
   * Returns the reply, or undefined when the connection closed without it.
   */
  async replyOrClose(type: MsgType, seconds: number, n = 1): Promise<InnerResponse | undefined> {
    await expectWithin(
      this.probe.clock,
      seconds,
      () => this.responses(type).length >= n || this.closed,
      `a ${MsgType[type]} reply on connection ${this.label}, or its close, within ${seconds} s`,
      () => this.describe(),
    );
    return this.responses(type)[n - 1];
  }

  /**
   * Waits up to `seconds` until every request of `type` sent here has its reply or the connection
   * closed, and goes on either way (a master may stay silent). A slave waits so for TrySync's
   * reply before it starts the binlog session: Pika hands each request to a thread pool, so a
   * BinlogSync sent at once can be served before the TrySync that opens its session.
   */
  async settled(type: MsgType, seconds: number): Promise<void> {
    const want = this.sent.get(type) ?? 0;
    const done = () => this.closed || this.responses(type).length >= want;
    try {
      await this.probe.clock.within(
        seconds,
        done,
        `the ${MsgType[type]} replies on connection ${this.label}`,
      );
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
    }
  }

  /** Number of BinlogSync responses (pings or data) received so far. */
  get binlogCount(): number {
    return this.responses(MsgType.kBinlogSync).length;
  }

  /** Waits until the master has closed this connection (a close by the probe does not count). */
  async closedWithin(seconds: number): Promise<void> {
    const expected = `the master closes connection ${this.label} within ${seconds} s`;
    await expectWithin(
      this.probe.clock,
      seconds,
      () => this.closed,
      expected,
      () => `still open; received: ${this.describe()}`,
    );
    if (this.droppedBecause !== undefined)
      throw new Mismatch(expected, `the probe closed it, refusing a frame: ${this.droppedBecause}`);
  }
}

/** What a probe slave may be told beyond its identity; the fields of the same name say what. */
export interface ProbeSlaveOptions {
  auth?: string;
  schema?: SchemaVersion;
  binlogAtStart?: ReadonlyMap<string, string>;
}

export class ProbeSlave {
  readonly connections = new Map<string, ProbeConnection>();
  /** The masterauth its MetaSync carries unless a step says otherwise. */
  readonly auth?: string;
  /** The wire schema of the master under test (its Pika version's): replies are read in it. */
  readonly schema: SchemaVersion;
  /** The master's binlog positions at the scenario's start (SutNode.binlogAtStart); absent: 0:0. */
  private readonly binlogAtStart: ReadonlyMap<string, string>;

  constructor(
    readonly clock: Clock,
    readonly trace: Trace,
    private readonly replPort: number,
    /** The identity this probe announces in its requests. */
    readonly node: PNode,
    options: ProbeSlaveOptions = {},
  ) {
    this.auth = options.auth;
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    this.binlogAtStart = options.binlogAtStart ?? new Map();
  }

  /**
   * Where this probe's TrySync and first BinlogSync start for `db` unless a step names an offset:
   * the master's position when the scenario took it, so a master with a history streams only
   * what the scenario writes.
   */
  startOf(db: string): BinlogOffset {
    return { ...binlogPosition(this.binlogAtStart.get(db)), term: 0, index: 0 };
  }

  /** Opens connection `label` to the master's P+2000. */
  async connect(label: string): Promise<ProbeConnection> {
    if (this.connections.has(label)) throw new Error(`probe connection ${label} already exists`);
    let socket: import("node:net").Socket;
    try {
      socket = await connect(this.clock, this.replPort);
    } catch (err) {
      throw new Mismatch(
        `the master accepts a connection on its replication port ${this.replPort}`,
        (err as Error).message,
      );
    }
    const c = new ProbeConnection(label, new FrameConn(socket, label), this);
    this.connections.set(label, c);
    this.trace.record({
      from: "probe-slave",
      to: "master",
      conn: label,
      kind: "connect",
      summary: `connected to ${this.replPort}`,
    });
    return c;
  }

  /** The connection `label`, opened on first use. */
  async connection(label: string): Promise<ProbeConnection> {
    return this.connections.get(label) ?? this.connect(label);
  }

  metaSync(auth: string | undefined = this.auth): InnerRequest {
    return req.metaSync(this.node, auth);
  }

  /** MetaSync on `label` (as this probe, or as `node`), then its kOk within 1 s. */
  async register(label: string, node: PNode = this.node): Promise<ProbeConnection> {
    const c = await this.connection(label);
    const before = c.responses(MsgType.kMetaSync).length;
    c.send(req.metaSync(node, this.auth));
    const reply = await c.reply(MsgType.kMetaSync, 1, before + 1);
    if (reply.code !== StatusCode.kOk)
      throw new Mismatch(
        `MetaSync from ${node.ip}:${node.port} on connection ${label} answered kOk`,
        summarize(reply),
      );
    return c;
  }

  /** TrySync for `db` on a connection that is already registered; returns the session id. */
  async trySync(c: ProbeConnection, db: string): Promise<number> {
    const before = c.responses(MsgType.kTrySync).length;
    c.send(req.trySync(this.node, db, this.startOf(db)));
    const reply = await c.reply(MsgType.kTrySync, 1, before + 1);
    const t = reply.trySync;
    if (reply.code !== StatusCode.kOk || t?.replyCode !== TrySyncReply.kOk || t.sessionId === undefined)
      throw new Mismatch(`TrySync for ${db} answered kOk with a session id`, summarize(reply));
    return t.sessionId;
  }

  /** TrySync, then BinlogSync first_send with the session, then answers pings: a synced session. */
  async syncSession(c: ProbeConnection, db: string): Promise<void> {
    const session = await this.trySync(c, db);
    c.send(req.binlogSync(this.node, db, session, true, this.startOf(db)));
    c.autoAck = true;
  }

  /**
   * After several connections sent MetaSync for this probe's ip:port, the one that does not
   * hold the registration: the one the master closed, or the one answered other than kOk.
   */
  loser(): ProbeConnection {
    const all = [...this.connections.values()];
    const lost = all.filter(
      (c) => c.closed || c.responses(MsgType.kMetaSync).some((r) => r.code !== StatusCode.kOk),
    );
    const [only, ...more] = lost;
    if (!only || more.length)
      throw new Mismatch(
        "exactly one connection that lost the registration (closed by the master or refused)",
        all.map((c) => `${c.label}: ${c.describe()}`).join(" | "),
      );
    return only;
  }

  /** Lets `seconds` pass and returns the one open connection on which pings for `db` arrived. */
  async soleReceiverOfPings(db: string, seconds: number): Promise<ProbeConnection> {
    const start = this.clock.now();
    await this.clock.during(seconds);
    const all = [...this.connections.values()];
    const receivers = all.filter((c) => c.pings(db).some((t) => t > start));
    const [only, ...more] = receivers;
    if (!only || more.length || only.closed)
      throw new Mismatch(
        `pings for ${db} on exactly one open connection during ${seconds} s`,
        all
          .map(
            (c) =>
              `${c.label}: ${c.pings(db).filter((t) => t > start).length} ping(s)${c.closed ? " (closed)" : ""}`,
          )
          .join(", "),
      );
    return only;
  }

  close(): void {
    for (const c of this.connections.values()) if (!c.closed) c.close();
  }
}
