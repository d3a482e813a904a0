/**
 * Slave side of the reference node: the replication state machine of a Pika slave
 * (docs/PROTOCOL.md §4), on the scenario's clock.
 *
 * Server state NoConnect → ShouldMetaSync → MetaSyncDone, or Error; per database TryConnect /
 * TryDBSync → WaitReply → Connected / WaitDBSync, or Error. Where Pika breaks a rule, the
 * reference follows the rule:
 * - retries are paced by a RetryPolicy (jittered backoff, 2 s to 12 s) instead of a fixed 10 s;
 * - an undecodable frame from the master closes the connection and the slave reconnects (R6);
 * - a frame longer than max-conn-rbuf-size is refused at its header, before any of its body is
 *   read, and the slave reconnects (R4); Pika reads it whole, fails to parse it and stops;
 * - a kOk without a replication_id is an error, not an endless retry (R21);
 * - a TrySync/DBSync reply other than kOk, or no reply for 10 s, leaves WaitReply (R31);
 * - SLAVEOF to the same master restarts the handshake when the slave is in Error (#1178).
 *
 * The data plane is Pika's: TrySync and DBSync name the slave's own binlog position; each
 * received item is decoded (34-byte header, then one RESP command), applied to the keyspace
 * past the read-only check and appended to the slave's own binlog with its own header; the ack
 * names the first data chip's offset and the slave's own producer position after writing, or
 * zeros for a message of pings only. A chip of another session, or one that cannot be decoded,
 * sends the database back to TryConnect.
 *
 * Full sync is Pika's (docs/PROTOCOL.md §5.2): after a DBSync kOk the database waits in
 * WaitDBSync while an RsyncClient (rsync.ts) pulls its master's snapshot from P+10001; once every
 * file is in, the snapshot replaces the database's keys, the own binlog goes on from the
 * snapshot's position, and the database goes to TryConnect, whose TrySync names that position.
 * An Init (the meta request) that fails is tried again 100 ms later, and the 64th failure puts
 * the database in Error, as in Pika. Where Pika differs from a rule:
 * - a snapshot whose uuid changes during the fetch, or a file that keeps failing, restarts the
 *   full sync with DBSync; Pika drops the fetched files and goes to TryConnect, which resumes
 *   from the slave's old position when the master still has it (#2433);
 * - a snapshot that cannot be read sends the database to Error, as in Pika 4.0; with
 *   refetchUnreadableSnapshot (v3.5.5) it is fetched again at the next tick, for ever.
 */
import type { Clock, TimerHandle } from "../clock";
import { FrameConn } from "../conn";
import { connect, REPL_SHIFT, RSYNC_SHIFT } from "../net";
import {
  decodeResponse,
  encodeRequest,
  type FrameError,
  type InnerRequest,
  type InnerResponse,
  MessageError,
  MsgType,
  PIKA_MAX_BODY,
  type PNode,
  req,
  StatusCode,
  TrySyncReply,
  ZERO_OFFSET,
} from "../wire";
import type { Behaviour } from "./behaviour";
import { type Binlog, BinlogItemError, decodeCommand, decodeItem } from "./binlog";
import { RSYNC, RsyncClient } from "./rsync";
import { SnapshotError } from "./snapshot";

export type ReplState = "NoConnect" | "ShouldMetaSync" | "MetaSyncDone" | "Error";
export type DbState =
  | "NoConnect"
  | "TryConnect"
  | "TryDBSync"
  | "WaitReply"
  | "WaitDBSync"
  | "Connected"
  | "Error";

/** Pika's slave timers, and the reference's WaitReply timeout (R31). */
export const SLAVE_TIMERS = { probeTimeoutMs: 1500, recvTimeoutS: 20, idleCloseS: 60, waitReplyS: 10 };

/** Pika's default `max-conn-rbuf-size` (256 MiB), and the range Pika clamps a configured value to. */
export const MAX_CONN_RBUF = { default: 268_435_456, min: 67_108_864, max: 1_073_741_824 };

export interface SlaveSettings {
  /** This node's own port P, announced as Node.port. */
  port: number;
  databases: string[];
  dbInstanceNum: number;
  masterauth(): string;
  replicationId(): string;
  adoptReplicationId(id: string): void;
  behaviour: Behaviour;
  /** The largest frame body taken from the master (`max-conn-rbuf-size`; default 256 MiB, R4). */
  maxConnRbufSize?: number;
  /** This node's own binlog of a database; undefined for an unknown name (or a slave without data). */
  binlog?(db: string): Binlog | undefined;
  /** Applies one command from the master's binlog and appends its content to the own binlog. */
  applyBinlog?(db: string, argv: string[], content: Buffer): void;
  /**
   * Loads a fetched snapshot into database `db`: its keys replace the database's, its binlog
   * goes on from the snapshot's position. Throws SnapshotError when the files cannot be read.
   */
  loadSnapshot?(db: string, files: ReadonlyMap<string, Buffer>): void;
  /** rsync-timeout-ms and max-rsync-parallel-num (defaults 1000 and 4). */
  rsyncTimeoutMs?: number;
  rsyncParallel?: number;
}

/** What a database's full syncs did, for tests and diagnostics. */
export interface FullSyncStats {
  /** Fetches begun (one per DBSync kOk), completed (snapshot loaded), restarted (uuid or file trouble). */
  started: number;
  loaded: number;
  restarted: number;
  /** Meta requests that failed 10 times (Pika's failed Init). */
  initFailures: number;
  /** The uuids of the snapshots loaded, oldest first. */
  uuids: string[];
}

interface DbSlot {
  name: string;
  state: DbState;
  sessionId?: number;
  /** While WaitReply: which request is outstanding. */
  waiting?: MsgType.kTrySync | MsgType.kDBSync;
  timer?: TimerHandle;
  /** The rsync client while WaitDBSync fetches the master's snapshot. */
  rsync?: RsyncClient;
  fullSync: FullSyncStats;
}

export class SlaveSide {
  state: ReplState = "NoConnect";
  master: { ip: string; port: number } | undefined;
  readonly dbs: Map<string, DbSlot>;
  private conn: FrameConn | undefined;
  private localIp = "127.0.0.1";
  private attempt = 0;
  private forceFullSync = false;
  private retryTimer: TimerHandle | undefined;
  private idleTimer: TimerHandle | undefined;
  /** Bumped by every SLAVEOF, so work begun for an earlier master is dropped. */
  private epoch = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: SlaveSettings,
  ) {
    this.dbs = new Map(
      settings.databases.map((name) => [
        name,
        {
          name,
          state: "NoConnect" as DbState,
          fullSync: { started: 0, loaded: 0, restarted: 0, initFailures: 0, uuids: [] },
        },
      ]),
    );
  }

  get linkUp(): boolean {
    return this.state === "MetaSyncDone" && [...this.dbs.values()].every((d) => d.state === "Connected");
  }

  private get node(): PNode {
    return { ip: this.localIp, port: this.settings.port };
  }

  /** SLAVEOF ip port [force]: forget the old master, start the handshake at once. */
  setMaster(ip: string, port: number, force: boolean): void {
    this.removeMaster();
    this.master = { ip, port };
    this.state = "ShouldMetaSync";
    this.forceFullSync = force;
    this.attempt = 0;
    this.schedule(0);
  }

  /** SLAVEOF NO ONE: close the replication connection at once and stop. */
  removeMaster(): void {
    this.epoch++;
    this.clock.clearTimeout(this.retryTimer);
    this.clock.clearTimeout(this.idleTimer);
    for (const db of this.dbs.values()) this.setDb(db, "NoConnect");
    this.state = "NoConnect";
    this.master = undefined;
    this.closeConn();
  }

  shutdown(): void {
    this.removeMaster();
  }

  private closeConn(): void {
    const c = this.conn;
    this.conn = undefined;
    c?.close();
  }

  private setDb(db: DbSlot, state: DbState, timeoutS?: number, onTimeout?: () => void): void {
    this.clock.clearTimeout(db.timer);
    db.timer =
      timeoutS === undefined || !onTimeout ? undefined : this.clock.setTimeout(onTimeout, timeoutS * 1000);
    db.state = state;
    if (state !== "WaitReply") db.waiting = undefined;
    if (state !== "WaitDBSync" && db.rsync) {
      // Leaving WaitDBSync (SLAVEOF, a lost connection, the 20 s timeout) stops the fetch.
      const c = db.rsync;
      db.rsync = undefined;
      c.cancel();
    }
  }

  private schedule(ms: number): void {
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.clock.setTimeout(() => void this.metaSyncAttempt(), ms);
  }

  /** The next MetaSync attempt, paced by the retry policy. */
  private retryLater(): void {
    this.schedule(this.settings.behaviour.retry.delayMs(++this.attempt, this.clock.rng));
  }

  /** Probe P, make sure the replication connection exists, send MetaSync, arm the retry. */
  private async metaSyncAttempt(): Promise<void> {
    const epoch = this.epoch;
    const master = this.master;
    if (this.state !== "ShouldMetaSync" || !master) return;
    try {
      const probe = await connect(this.clock, master.port, SLAVE_TIMERS.probeTimeoutMs);
      this.localIp = probe.localAddress ?? this.localIp;
      probe.destroy();
    } catch {
      if (epoch === this.epoch) this.retryLater();
      return;
    }
    if (epoch !== this.epoch) return;
    if (!this.conn) {
      try {
        this.attach(await connect(this.clock, master.port + REPL_SHIFT));
      } catch {
        if (epoch === this.epoch) this.retryLater();
        return;
      }
      if (epoch !== this.epoch) return;
    }
    const pass = this.settings.masterauth();
    this.send(req.metaSync(this.node, pass === "" ? undefined : pass));
    this.retryLater(); // resend if the master stays silent or answers kOther
  }

  private attach(socket: import("node:net").Socket): void {
    // The decoder refuses a longer header before it buffers any of the body (R4); past Pika's
    // own read limit it refuses it anyway (R3).
    const limit = Math.min(this.settings.maxConnRbufSize ?? MAX_CONN_RBUF.default, PIKA_MAX_BODY);
    const conn = new FrameConn(socket, "master", limit);
    this.conn = conn;
    conn.onFrame = (body) => this.onFrame(conn, body);
    conn.onFrameError = (err) => this.onFrameError(conn, err);
    conn.onClose = () => this.onClose(conn);
    this.touch();
  }

  private send(m: InnerRequest): void {
    this.conn?.send(encodeRequest(m));
    this.touch();
  }

  /** The 60 s idle close: reads and writes both count as activity. */
  private touch(): void {
    this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = this.clock.setTimeout(() => this.closeConnAndReset(), SLAVE_TIMERS.idleCloseS * 1000);
  }

  private closeConnAndReset(): void {
    const c = this.conn;
    if (c) c.close(); // onClose resets
  }

  private onClose(conn: FrameConn): void {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.clock.clearTimeout(this.idleTimer);
    if (this.state === "Error" || this.state === "NoConnect") return;
    // Lost the master: MetaSync again, then TrySync (never a forced full sync, R27).
    for (const db of this.dbs.values()) this.setDb(db, "NoConnect");
    this.state = "ShouldMetaSync";
    this.forceFullSync = this.settings.behaviour.forceFullSyncOnReconnect;
    this.retryLater();
  }

  /**
   * A header the decoder refused; the connection closes next, and onClose reconnects (R4). A
   * zero length, or a length past Pika's read limit, is a plain close in Pika too. A length
   * over max-conn-rbuf-size but within that limit is a frame Pika reads whole and then fails to
   * parse, so a behaviour that stops on an undecodable frame (R6) stops here as well.
   */
  private onFrameError(conn: FrameConn, err: FrameError): void {
    if (conn !== this.conn) return;
    const unparsable = err.kind === "over-limit" && err.length <= PIKA_MAX_BODY;
    if (unparsable && !this.settings.behaviour.reconnectOnBadFrame) this.syncError();
  }

  /** Terminal error (kError, database mismatch, replication-id mismatch): close and stop. */
  private syncError(): void {
    this.state = "Error";
    this.clock.clearTimeout(this.retryTimer);
    this.closeConn();
  }

  private onFrame(conn: FrameConn, body: Buffer): void {
    if (conn !== this.conn) return;
    this.touch();
    let m: InnerResponse;
    try {
      m = decodeResponse(body, this.settings.behaviour.schema);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      if (this.settings.behaviour.reconnectOnBadFrame)
        conn.close(); // R6: reconnect, paced
      else this.syncError();
      return;
    }
    if (m.type === MsgType.kMetaSync) this.onMetaSync(m);
    else if (m.type === MsgType.kTrySync) this.onTrySync(m);
    else if (m.type === MsgType.kDBSync) this.onDbSync(m);
    else if (m.type === MsgType.kBinlogSync) this.onBinlogSync(m);
  }

  private onMetaSync(m: InnerResponse): void {
    if (this.state !== "ShouldMetaSync") return;
    const b = this.settings.behaviour;
    if (m.code === StatusCode.kOther) {
      // The scheduled retry resends on this connection.
      if (!b.retryAfterOther) this.clock.clearTimeout(this.retryTimer);
      return;
    }
    const ms = m.metaSync;
    // Names only: v3.5.3-3.5.5 do so, and a reply in a 3.x schema carries no db_instance_num.
    const namesOnly = b.dbNamesOnly || b.schema !== "4.0";
    const key = (db: string, n?: number) => (namesOnly ? db : `${db}/${n}`);
    const own = new Set(this.settings.databases.map((db) => key(db, this.settings.dbInstanceNum)));
    const theirs = new Set((ms?.dbsInfo ?? []).map((d) => key(d.dbName, d.dbInstanceNum)));
    const sameDbs = own.size === theirs.size && [...own].every((x) => theirs.has(x));
    const masterId = ms?.replicationId ?? "";
    const localId = this.settings.replicationId();
    if (m.code === StatusCode.kOk && sameDbs && masterId === "" && !b.emptyReplicationIdIsError) return; // retried
    const idClash = localId !== "" && localId !== masterId && b.stopOnReplicationIdMismatch;
    if (m.code !== StatusCode.kOk || !sameDbs || masterId === "" || idClash) {
      this.syncError(); // R20, R21, R22, R24
      return;
    }
    if (localId === "") {
      this.settings.adoptReplicationId(masterId);
      this.forceFullSync = true;
    }
    this.clock.clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.state = "MetaSyncDone";
    for (const db of this.dbs.values()) this.setDb(db, this.forceFullSync ? "TryDBSync" : "TryConnect");
    this.forceFullSync = false;
    this.runDbs();
  }

  /** Sends TrySync or DBSync for every database that needs one. */
  private runDbs(): void {
    if (this.state !== "MetaSyncDone") return;
    for (const db of this.dbs.values()) {
      if (db.state !== "TryConnect" && db.state !== "TryDBSync") continue;
      const type = db.state === "TryConnect" ? MsgType.kTrySync : MsgType.kDBSync;
      const at = this.position(db.name);
      this.send(
        type === MsgType.kTrySync ? req.trySync(this.node, db.name, at) : req.dbSync(this.node, db.name, at),
      );
      const retryAs = db.state;
      const timeout = this.settings.behaviour.waitReplyTimeout ? SLAVE_TIMERS.waitReplyS : undefined;
      this.setDb(db, "WaitReply", timeout, () => this.retryDb(db, retryAs));
      db.waiting = type;
    }
  }

  /** The own binlog's producer position (filenum, offset), as TrySync and DBSync carry it. */
  private position(db: string): { filenum: number; offset: number } {
    const p = this.settings.binlog?.(db)?.producer();
    return p ? { filenum: p.filenum, offset: p.offset } : ZERO_OFFSET;
  }

  private retryDb(db: DbSlot, as: "TryConnect" | "TryDBSync"): void {
    this.setDb(db, as);
    this.runDbs();
  }

  /** The database a reply is for, if it is waiting for exactly that reply (R35). */
  private waitingFor(type: MsgType, dbName: string | undefined): DbSlot | undefined {
    const db = dbName === undefined ? undefined : this.dbs.get(dbName);
    return db && db.state === "WaitReply" && db.waiting === type ? db : undefined;
  }

  /** Connected or WaitDBSync: refreshed by any BinlogSync; silent for 20 s → TrySync again. */
  private receiving(db: DbSlot, state: "Connected" | "WaitDBSync"): void {
    this.setDb(db, state, SLAVE_TIMERS.recvTimeoutS, () => this.retryDb(db, "TryConnect"));
  }

  private onTrySync(m: InnerResponse): void {
    const db = this.waitingFor(MsgType.kTrySync, m.trySync?.slot.dbName);
    if (!db || !m.trySync) return;
    const t = m.trySync;
    if (m.code !== StatusCode.kOk) {
      // R31: leave WaitReply and try again after a paced delay (Pika waits for ever).
      const b = this.settings.behaviour;
      if (b.waitReplyTimeout)
        this.setDb(db, "TryConnect", b.retry.delayMs(1, this.clock.rng) / 1000, () => this.runDbs());
      return;
    }
    if (t.replyCode === TrySyncReply.kOk && t.sessionId !== undefined) {
      db.sessionId = t.sessionId;
      const at = { ...this.position(db.name), term: 0, index: 0 };
      this.send(req.binlogSync(this.node, db.name, t.sessionId, true, at, at));
      this.receiving(db, "Connected");
    } else if (t.replyCode === TrySyncReply.kSyncPointBePurged) {
      this.retryDb(db, "TryDBSync");
    } else {
      this.setDb(db, "Error");
    }
  }

  private onDbSync(m: InnerResponse): void {
    const db = this.waitingFor(MsgType.kDBSync, m.dbSync?.slot.dbName);
    if (!db || !m.dbSync) return;
    if (m.code !== StatusCode.kOk) {
      this.setDb(db, "Error");
      return;
    }
    db.sessionId = m.dbSync.sessionId;
    this.receiving(db, "WaitDBSync");
    void this.fullSync(db);
  }

  /**
   * The rsync client of one WaitDBSync: the meta (Init, tried again 100 ms after a failure, 64
   * failures → Error), every file, then the snapshot loaded and TrySync from its position.
   */
  private async fullSync(db: DbSlot): Promise<void> {
    const master = this.master;
    if (!master) return;
    db.rsync?.cancel();
    const client = new RsyncClient(this.clock, {
      port: master.port + RSYNC_SHIFT,
      db: db.name,
      timeoutMs: this.settings.rsyncTimeoutMs ?? RSYNC.timeoutMsDefault,
      parallel: this.settings.rsyncParallel ?? RSYNC.maxParallel,
    });
    db.rsync = client;
    db.fullSync.started++;
    const mine = () => db.rsync === client && !client.cancelled && db.state === "WaitDBSync";
    try {
      let meta: Awaited<ReturnType<RsyncClient["pullMeta"]>>;
      for (let inits = 0; ; ) {
        meta = await client.pullMeta();
        if (!mine()) return;
        if (meta) break;
        db.fullSync.initFailures++;
        if (++inits >= RSYNC.maxInitRetries) {
          this.setDb(db, "Error");
          return;
        }
        await client.sleep(RSYNC.stateMachineMs);
        if (!mine()) return;
      }
      const result = await client.fetch(meta);
      if (!mine() || result.kind === "cancelled") return;
      if (result.kind === "restart") {
        db.fullSync.restarted++;
        this.retryDb(db, "TryDBSync");
        return;
      }
      db.rsync = undefined;
      try {
        this.settings.loadSnapshot?.(db.name, result.files);
      } catch (err) {
        if (!(err instanceof SnapshotError)) throw err;
        if (!this.settings.behaviour.refetchUnreadableSnapshot) {
          this.setDb(db, "Error");
          return;
        }
        db.fullSync.restarted++;
        await client.sleep(RSYNC.stateMachineMs);
        if (db.state === "WaitDBSync" && db.rsync === undefined && this.master === master)
          void this.fullSync(db);
        return;
      }
      db.fullSync.loaded++;
      db.fullSync.uuids.push(result.uuid);
      this.retryDb(db, "TryConnect");
    } finally {
      client.close();
      if (db.rsync === client) db.rsync = undefined;
    }
  }

  private onBinlogSync(m: InnerResponse): void {
    const byDb = new Map<string, NonNullable<InnerResponse["binlogSync"]>>();
    for (const chip of m.binlogSync ?? [])
      byDb.set(chip.slot.dbName, [...(byDb.get(chip.slot.dbName) ?? []), chip]);
    for (const [name, chips] of byDb) {
      const db = this.dbs.get(name);
      if (!db || (db.state !== "Connected" && db.state !== "WaitDBSync")) continue;
      if (chips.some((c) => c.sessionId !== db.sessionId)) {
        this.retryDb(db, "TryConnect");
        continue;
      }
      this.receiving(db, db.state);
      if (!this.apply(name, chips)) {
        this.retryDb(db, "TryConnect");
        continue;
      }
      const data = chips.filter((c) => c.binlog.length > 0);
      const zero = { filenum: 0, offset: 0, term: 0, index: 0 };
      const first = data[0]?.binlogOffset;
      const last = data.at(-1)?.binlogOffset;
      const own = this.settings.binlog?.(name)?.producer();
      const start = first ? { ...zero, ...first } : zero;
      const end =
        last && own
          ? { filenum: own.filenum, offset: own.offset, term: last.term ?? 0, index: own.index }
          : zero;
      this.send(req.binlogSync(this.node, name, db.sessionId ?? 0, false, start, end));
    }
  }

  /**
   * Applies a database's data chips in order: each item decoded, its command run and appended
   * to the own binlog. False at the first chip that cannot be decoded (what came before it stays
   * applied, as in Pika); no ack is sent then.
   */
  private apply(db: string, chips: NonNullable<InnerResponse["binlogSync"]>): boolean {
    for (const chip of chips) {
      if (chip.binlog.length === 0) continue; // a ping
      try {
        const item = decodeItem(Buffer.from(chip.binlog));
        // An item written elsewhere than the own producer position follows a gap (a response
        // lost): applying it would skip writes for good. TrySync from the own position
        // instead, so the master sends again what is missing (Pika applies it: applyAfterGap).
        const own = this.settings.binlog?.(db)?.nextItemAt();
        const gap = own !== undefined && (item.filenum !== own.filenum || item.offset !== own.offset);
        if (gap && !this.settings.behaviour.applyAfterGap) return false;
        this.settings.applyBinlog?.(db, decodeCommand(item.content), item.content);
      } catch (err) {
        if (err instanceof BinlogItemError) return false;
        throw err;
      }
    }
    return true;
  }
}
