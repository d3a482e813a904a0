/**
 * Master side of the reference node: the replication server on P+2000.
 *
 * Follows Pika's master (docs/PROTOCOL.md) except where Pika breaks a rule; there the
 * reference follows the rule:
 * - R14: a MetaSync from an ip:port that already has a SlaveItem is answered kOk, the SlaveItem
 *   is rebound to the newest connection, and the older connection is closed with its sessions.
 * - R8: a MetaSync without a node, or with an empty ip, is refused with kError.
 * - R11/R36: TrySync, DBSync, BinlogSync and RemoveSlaveNode are served only on a connection
 *   that holds the SlaveItem of the node they name.
 * - R32: every request is answered or its connection closed; an unknown database is an error
 *   reply, never a crash.
 *
 * The data plane is Pika's: TrySync is answered from the database's binlog (kSyncPointLarger,
 * kSyncPointBePurged, kError for a position that is not a start, kOk); BinlogSync streams the
 * binlog from the slave's position in messages of at most 100 chips, each carrying its item's
 * end offset, with at most sync-window-size chips unacknowledged; an ack must name chip ends
 * still in the window or the connection is closed; an idle session with nothing unacknowledged
 * gets an empty chip (a ping) once 2 s have passed since the last send.
 *
 * Full sync: a DBSync kOk makes sure the database has a snapshot the slave can use, as Pika's
 * TryDBSync does: the one it has, unless there is none, its binlog file is gone, or the slave's
 * binlog filenum is more than 50 (kDBSyncMaxGap) past it; otherwise a new one (a new uuid)
 * replaces it. The snapshot is taken at once (Pika's BgSave runs in the background, and a meta
 * request meanwhile is refused). The rsync server (rsync.ts) serves it on P+10001; BGSAVE takes
 * a new one. With requirepass set, P+10001 serves it only during a full sync an authenticated
 * slave started (servedSnapshot; Pika serves it to anyone).
 */
import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../clock";
import { FrameConn } from "../conn";
import {
  type BinlogOffset,
  decodeRequest,
  encodeResponse,
  type InnerRequest,
  type InnerResponse,
  MessageError,
  MsgType,
  type PNode,
  res,
  StatusCode,
  TrySyncReply,
} from "../wire";
import type { Behaviour } from "./behaviour";
import type { Binlog, StoredItem } from "./binlog";
import type { SavedEntry } from "./keyspace";
import { layoutOf, type Snapshot, takeSnapshot } from "./snapshot";

/** kDBSyncMaxGap: a slave this many binlog files past the snapshot's gets a new one. */
export const DBSYNC_MAX_GAP = 50;

/** Pika's timers (seconds): ping interval, per-database receive timeout, connection read-idle close. */
export const MASTER_TIMERS = { pingS: 2, recvTimeoutS: 20, idleCloseS: 180 };

/**
 * Pika's sending limits: chips per BinlogSync message (kBinlogSendBatchNum), the default and
 * largest sync-window-size, the binlog bytes a window may hold (2 x PIKA_MAX_CONN_RBUF_HB), and
 * the auxiliary thread's idle period, at which a session waiting for acks looks again for a ping.
 */
export const BINLOG_SEND = {
  chipsPerMessage: 100,
  windowDefault: 9000,
  windowMax: 90000,
  windowBytes: 1024 * 1024 * 1024,
  pollMs: 100,
};

export const AUTH_ERROR = "Auth with master error, Invalid masterauth";

export interface MasterSettings {
  host: string;
  port: number;
  databases: string[];
  dbInstanceNum: number;
  runId: string;
  requirepass(): string;
  /** What every reply text gets at its end (a hostile node's; "" for any other). */
  replySuffix(): string;
  /** The replication id, generated and persisted at the first kOk when empty (or always, when `fresh`). */
  replicationId(fresh: boolean): string;
  behaviour: Behaviour;
  /** Called where a buggy variant crashes; the node stops at once. */
  crash(reason: string): void;
  /** A database's binlog; undefined for an unknown name. */
  binlog(db: string): Binlog | undefined;
  /** sync-window-size: chips sent and not yet acknowledged, per session. */
  syncWindowSize: number;
  /** binlog-file-size, for INFO's lag. */
  binlogFileSize: number;
  /** A database's keys now, for a snapshot; undefined for an unknown name. */
  keys?(db: string): SavedEntry[] | undefined;
}

interface ReplConn {
  conn: FrameConn;
  fd: number;
  idle?: TimerHandle;
  /** The ip:port of the SlaveItem bound to this connection, if any. */
  slaveKey?: string;
}

export interface SlaveItem {
  key: string;
  ip: string;
  port: number;
  conn: ReplConn;
  createdAt: number;
}

/** A position in a binlog, with the term and logic id of the item that ends there. */
interface LogOffset {
  filenum: number;
  offset: number;
  term: number;
  index: number;
}

/** A chip sent and not yet acknowledged. */
interface WindowItem {
  end: LogOffset;
  size: number;
  acked: boolean;
}

interface SlaveNode {
  db: string;
  key: string;
  sessionId: number;
  state: "NotSync" | "DbSync" | "BinlogSync";
  lastRecv: number;
  /** When the master last sent this session a chip (data or ping). */
  lastSend: number;
  ping?: TimerHandle;
  timeout?: TimerHandle;
  /** BinlogSync: where the next item is read from, the last chip sent and the last acknowledged. */
  cursor: { filenum: number; offset: number };
  sent: LogOffset;
  acked: LogOffset;
  window: WindowItem[];
  windowBytes: number;
}

const keyOf = (n: PNode) => `${n.ip}:${n.port}`;
const isZero = (o: BinlogOffset) => o.filenum === 0 && o.offset === 0;
const cmpOffset = (a: BinlogOffset, b: BinlogOffset) => a.filenum - b.filenum || a.offset - b.offset;
const sameOffset = (a: BinlogOffset, b: BinlogOffset) => cmpOffset(a, b) === 0;
const ZERO_LOG: LogOffset = { filenum: 0, offset: 0, term: 0, index: 0 };
const logOffset = (o: BinlogOffset): LogOffset => ({
  filenum: o.filenum,
  offset: o.offset,
  term: o.term ?? 0,
  index: o.index ?? 0,
});

export class MasterSide {
  readonly slaves = new Map<string, SlaveItem>();
  private readonly sessions = new Map<string, Map<string, SlaveNode>>();
  private readonly sessionCounters = new Map<string, number>();
  private readonly conns = new Set<ReplConn>();
  /** Where pings for an ip:port go (Pika's connection map). Conformant: the SlaveItem's connection. */
  private readonly routes = new Map<string, ReplConn>();
  private nextFd = 1;
  /** Each database's current snapshot (Pika's dump), served on P+10001. */
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(
    private readonly clock: Clock,
    private readonly settings: MasterSettings,
  ) {
    for (const db of settings.databases) {
      this.sessions.set(db, new Map());
      this.sessionCounters.set(db, 0);
    }
  }

  /** Takes a socket accepted on P+2000. */
  accept(socket: Socket): void {
    const fd = this.nextFd++;
    const rc: ReplConn = { conn: new FrameConn(socket, `fd${fd}`), fd };
    this.conns.add(rc);
    rc.conn.onFrame = (body) => this.onFrame(rc, body);
    rc.conn.onClose = () => this.onClose(rc);
    this.touch(rc);
  }

  /** Sessions of a database, for INFO's lag field: state per slave key. */
  sessionState(db: string, key: string): SlaveNode["state"] | undefined {
    return this.sessions.get(db)?.get(key)?.state;
  }

  /** Closes every replication connection and stops every timer. */
  shutdown(): void {
    for (const rc of [...this.conns]) rc.conn.close();
    for (const nodes of this.sessions.values()) for (const n of [...nodes.values()]) this.dropSession(n);
  }

  /** Restarts the read-idle timer: any inbound bytes count, replies and pings do not. */
  private touch(rc: ReplConn): void {
    this.clock.clearTimeout(rc.idle);
    rc.idle = this.clock.setTimeout(() => rc.conn.close(), MASTER_TIMERS.idleCloseS * 1000);
  }

  private send(rc: ReplConn, m: InnerResponse): void {
    const suffix = this.settings.replySuffix();
    const out = suffix ? { ...m, reply: `${m.reply ?? ""}${suffix}` } : m;
    rc.conn.send(encodeResponse(out, true, this.settings.behaviour.schema)); // 3.5: no db_instance_num
  }

  private onFrame(rc: ReplConn, body: Buffer): void {
    this.touch(rc);
    let m: InnerRequest;
    try {
      m = decodeRequest(body);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      rc.conn.close(); // R5/R7: unparsable, including an enum value the schema lacks
      return;
    }
    // kHeatBeat is known but unused: it only counts as inbound activity (R7).
    this.handlers[m.type]?.call(this, rc, m);
  }

  private readonly handlers: Partial<Record<MsgType, (rc: ReplConn, m: InnerRequest) => void>> = {
    [MsgType.kMetaSync]: this.metaSync,
    [MsgType.kTrySync]: this.trySync,
    [MsgType.kDBSync]: this.dbSync,
    [MsgType.kBinlogSync]: this.binlogSync,
    [MsgType.kRemoveSlaveNode]: this.removeSlaveNode,
  };

  private onClose(rc: ReplConn): void {
    this.clock.clearTimeout(rc.idle);
    this.conns.delete(rc);
    for (const [key, r] of this.routes) if (r === rc) this.routes.delete(key);
    if (rc.slaveKey && this.settings.behaviour.removeOnClose) this.unregister(rc.slaveKey, rc);
  }

  /** Removes the SlaveItem `key` if `rc` holds it, with its per-database sessions (R29). */
  private unregister(key: string, rc: ReplConn): void {
    const item = this.slaves.get(key);
    if (!item || item.conn !== rc) return;
    this.slaves.delete(key);
    rc.slaveKey = undefined;
    for (const nodes of this.sessions.values()) {
      const n = nodes.get(key);
      if (n) this.dropSession(n);
    }
  }

  private metaSync(rc: ReplConn, m: InnerRequest): void {
    const b = this.settings.behaviour;
    const node = m.metaSync?.node ?? { ip: "", port: 0 };
    if (b.requireNode && (node.ip === "" || node.port <= 0)) {
      this.send(rc, res.status(MsgType.kMetaSync, StatusCode.kError, "MetaSync without a slave node"));
      return;
    }
    const pass = this.settings.requirepass();
    if (b.checkAuth && pass !== "" && m.metaSync?.auth !== pass) {
      this.send(rc, res.status(MsgType.kMetaSync, StatusCode.kError, AUTH_ERROR));
      return;
    }
    const key = node.ip === "" ? "" : keyOf(node);
    if (b.routeOnEveryMetaSync) this.routes.set(key, rc);
    // One connection holds at most one registration.
    if (rc.slaveKey !== undefined && rc.slaveKey !== key) this.unregister(rc.slaveKey, rc);
    const existing = this.slaves.get(key);
    if (existing && b.duplicateMetaSync !== "rebind" && b.duplicateMetaSync !== "kOkKeepOld") {
      const code = b.duplicateMetaSync === "kOther" ? StatusCode.kOther : StatusCode.kError;
      this.send(rc, res.status(MsgType.kMetaSync, code, "Slave AlreadyExist"));
      return;
    }
    if (existing && existing.conn !== rc && b.duplicateMetaSync === "rebind") {
      // R14: rebind to the newest connection; the old one goes, with its sessions.
      const old = existing.conn;
      this.unregister(key, old);
      old.conn.close();
    }
    if (!this.slaves.has(key)) {
      this.slaves.set(key, { key, ip: node.ip, port: node.port, conn: rc, createdAt: this.clock.now() });
      rc.slaveKey = key;
    }
    this.routes.set(key, rc);
    const s = this.settings;
    const dbs = s.databases.map((dbName) => ({ dbName, slotNum: 1, dbInstanceNum: s.dbInstanceNum }));
    this.send(rc, res.metaSyncOk(dbs, s.runId, s.replicationId(b.regenerateReplicationId)));
  }

  /** The registered SlaveItem that `rc` holds for `node`, or undefined (R11, R36). */
  private registered(rc: ReplConn, node: PNode | undefined): boolean {
    if (!node) return false;
    if (!this.settings.behaviour.requireRegistration) return true;
    return this.slaves.get(keyOf(node))?.conn === rc;
  }

  private session(rc: ReplConn, db: string, key: string): SlaveNode {
    const nodes = this.sessions.get(db);
    if (!nodes) throw new Error(`reference master: no database ${db} (callers check first)`);
    let n = nodes.get(key);
    if (!n) {
      this.routes.set(key, rc);
      const sessionId = this.sessionCounters.get(db) ?? 0;
      this.sessionCounters.set(db, sessionId + 1);
      const now = this.clock.now();
      n = {
        db,
        key,
        sessionId,
        state: "NotSync",
        lastRecv: now,
        lastSend: now,
        cursor: { filenum: 0, offset: 0 },
        sent: ZERO_LOG,
        acked: ZERO_LOG,
        window: [],
        windowBytes: 0,
      };
      nodes.set(key, n);
      this.schedulePing(n);
    }
    this.received(n);
    return n;
  }

  private dropSession(n: SlaveNode): void {
    this.clock.clearTimeout(n.ping);
    this.clock.clearTimeout(n.timeout);
    const nodes = this.sessions.get(n.db);
    if (nodes?.get(n.key) === n) nodes.delete(n.key);
  }

  /** Refreshes the 20 s receive timeout of a session. */
  private received(n: SlaveNode): void {
    n.lastRecv = this.clock.now();
    this.clock.clearTimeout(n.timeout);
    n.timeout = this.clock.setTimeout(() => this.dropSession(n), MASTER_TIMERS.recvTimeoutS * 1000);
  }

  /**
   * Pings go to the route of the slave: the connection that holds its SlaveItem (R16), once 2 s
   * have passed since the last chip sent and nothing sent is unacknowledged (Pika's
   * SyncMasterDB::CheckSyncTimeout).
   */
  private schedulePing(n: SlaveNode, ms = MASTER_TIMERS.pingS * 1000): void {
    n.ping = this.clock.setTimeout(() => {
      const due = n.lastSend + MASTER_TIMERS.pingS * 1000 - this.clock.now();
      if (!sameOffset(n.sent, n.acked)) return this.schedulePing(n, BINLOG_SEND.pollMs);
      if (due > 0) return this.schedulePing(n, due);
      const route = this.routes.get(n.key);
      if (route) this.send(route, res.ping(n.db, n.sessionId));
      n.lastSend = this.clock.now();
      this.schedulePing(n);
    }, ms);
  }

  /** The producer position of a database's binlog (filenum and offset, as TrySync replies carry it). */
  private producer(db: string): BinlogOffset {
    const p = this.settings.binlog(db)?.producer() ?? { filenum: 0, offset: 0 };
    return { filenum: p.filenum, offset: p.offset };
  }

  /** Called after items were appended to a database's binlog: every streaming session reads on. */
  binlogAppended(db: string): void {
    for (const n of this.sessions.get(db)?.values() ?? []) if (n.state === "BinlogSync") this.pump(n);
  }

  /**
   * Reads the binlog into the session's window and sends it, 100 chips a message, while the
   * window has room (Pika's ReadBinlogFileToWq and ConsumeWriteQueue).
   */
  private pump(n: SlaveNode): void {
    const binlog = this.settings.binlog(n.db);
    const route = this.routes.get(n.key);
    if (!binlog || !route) return;
    for (;;) {
      const room = this.settings.syncWindowSize - n.window.length;
      if (room <= 0 || n.windowBytes > BINLOG_SEND.windowBytes) return;
      const items = binlog.read(n.cursor, Math.min(room, BINLOG_SEND.chipsPerMessage));
      if (!items || items.length === 0) return;
      this.send(route, res.binlogSync(items.map((item) => this.chip(n, item))));
      n.lastSend = this.clock.now();
    }
  }

  /** One item as a chip, entered into the session's window. */
  private chip(n: SlaveNode, item: StoredItem) {
    const end: LogOffset = {
      filenum: item.filenum,
      offset: item.end,
      term: item.termId,
      index: item.logicId,
    };
    n.window.push({ end, size: item.bytes.length, acked: false });
    n.windowBytes += item.bytes.length;
    n.cursor = { filenum: item.filenum, offset: item.end };
    n.sent = end;
    return {
      slot: { dbName: n.db, slotId: 0 },
      binlogOffset: end,
      binlog: item.bytes,
      sessionId: n.sessionId,
    };
  }

  /**
   * An ack: start and end must each be the end of a chip still in the window (compared by
   * filenum and offset, as Pika's SyncWindow::Update does); the chips from start to end are
   * acknowledged and the acknowledged head of the window leaves it.
   */
  private ack(n: SlaveNode, start: BinlogOffset, end: BinlogOffset): boolean {
    let from = -1;
    let to = -1;
    for (let i = 0; i < n.window.length; i++) {
      const w = n.window[i];
      if (!w) continue;
      if (sameOffset(w.end, start)) from = i;
      if (sameOffset(w.end, end)) {
        to = i;
        break;
      }
    }
    if (from < 0 || to < 0) return false;
    for (let i = from; i <= to; i++) {
      const w = n.window[i];
      if (w && !w.acked) {
        w.acked = true;
        n.windowBytes -= w.size;
      }
    }
    while (n.window[0]?.acked) {
      const w = n.window.shift();
      if (w) n.acked = w.end;
    }
    return true;
  }

  private trySync(rc: ReplConn, m: InnerRequest): void {
    const t = m.trySync;
    const db = t?.slot.dbName ?? "";
    if (!t || !this.registered(rc, t.node)) {
      this.send(
        rc,
        res.trySync(db, TrySyncReply.kError, undefined, undefined, StatusCode.kError, "MetaSync first"),
      );
      return;
    }
    if (!this.sessions.has(db)) {
      this.send(
        rc,
        res.trySync(db, TrySyncReply.kError, undefined, undefined, StatusCode.kError, "DB not found"),
      );
      return;
    }
    const mine = this.producer(db);
    const point =
      this.settings.binlog(db)?.syncPoint(t.binlogOffset.filenum, t.binlogOffset.offset) ?? "larger";
    if (point !== "ok") {
      const code = {
        larger: TrySyncReply.kSyncPointLarger,
        purged: TrySyncReply.kSyncPointBePurged,
        "not-start": TrySyncReply.kError,
      }[point];
      this.send(rc, res.trySync(db, code, mine));
      return;
    }
    const n = this.session(rc, db, keyOf(t.node));
    this.send(rc, res.trySync(db, TrySyncReply.kOk, mine, n.sessionId));
  }

  private dbSync(rc: ReplConn, m: InnerRequest): void {
    const d = m.dbSync;
    const db = d?.slot.dbName ?? "";
    if (!this.sessions.has(db) && this.settings.behaviour.crashOnUnknownDb) {
      this.settings.crash(`null dereference in DBSync for database "${db}"`);
      return;
    }
    if (!d || !this.registered(rc, d.node) || !this.sessions.has(db)) {
      const reply = !d || !this.registered(rc, d.node) ? "MetaSync first" : "DB not found";
      this.send(rc, { ...res.dbSync(db, -1, StatusCode.kError), reply });
      return;
    }
    const n = this.session(rc, db, keyOf(d.node));
    n.state = "DbSync";
    this.send(rc, res.dbSync(db, n.sessionId));
    const snap = this.snapshots.get(db);
    const usable =
      snap !== undefined &&
      this.settings.binlog(db)?.hasFile(snap.position.filenum) === true &&
      d.binlogOffset.filenum - snap.position.filenum <= DBSYNC_MAX_GAP;
    if (!usable) this.bgsave(db);
  }

  /** The snapshot served for a database now, if it has one. */
  snapshotOf(db: string): Snapshot | undefined {
    return this.snapshots.get(db);
  }

  /**
   * The snapshot the rsync server on P+10001 may serve for a database now (DS-AUTH, R11/R36).
   * Without requirepass, the current one. With requirepass, only while a full sync that an
   * authenticated slave started is under way: a session of that database in DbSync, which only
   * a DBSync answered kOk creates, on a connection holding a SlaveItem, which only a MetaSync
   * with the password registers; the session leaves DbSync at the slave's first BinlogSync and
   * ends with its connection. Otherwise none, so a meta or file request is answered kErr with
   * an empty uuid, as for a database without a snapshot. RsyncRequest carries no credential,
   * so this is the reference's own rule, not Pika's: Pika's rsync server serves the current
   * dump to any client (src/rsync_server.cc checks nothing), which `rsyncWithoutAuth` restores.
   * On loopback the peer address cannot tell a slave from another client, so a client that
   * asks while a legitimate full sync is under way is served too.
   */
  servedSnapshot(db: string): Snapshot | undefined {
    const snap = this.snapshots.get(db);
    if (!snap || this.settings.behaviour.rsyncWithoutAuth || this.settings.requirepass() === "") return snap;
    const syncing = [...(this.sessions.get(db)?.values() ?? [])].some(
      (n) => n.state === "DbSync" && this.slaves.has(n.key),
    );
    return syncing ? snap : undefined;
  }

  /** Takes a new snapshot of a database at its binlog's producer position (BGSAVE, TryDBSync). */
  bgsave(db: string): Snapshot | undefined {
    const binlog = this.settings.binlog(db);
    const keys = this.settings.keys?.(db);
    if (!binlog || !keys) return undefined;
    const s = this.settings;
    const snap = takeSnapshot(db, keys, binlog.producer(), {
      host: s.host,
      port: s.port,
      instances: s.dbInstanceNum,
      layout: layoutOf(s.behaviour.schema),
    });
    this.snapshots.set(db, snap);
    return snap;
  }

  private binlogSync(rc: ReplConn, m: InnerRequest): void {
    const b = m.binlogSync;
    if (!b || !this.registered(rc, b.node)) return; // ignored: no session, no pings (R11)
    const n = this.sessions.get(b.dbName)?.get(keyOf(b.node));
    if (!n || n.sessionId !== b.sessionId) return; // R33: stale session, ignored
    this.received(n);
    if (b.firstSend) {
      // Streaming starts at the slave's position; a position the binlog cannot read from closes.
      const start = b.ackRangeStart;
      if (
        !sameOffset(start, b.ackRangeEnd) ||
        !this.settings.binlog(b.dbName)?.isStart(start.filenum, start.offset)
      ) {
        rc.conn.close();
        return;
      }
      n.state = "BinlogSync";
      n.cursor = { filenum: start.filenum, offset: start.offset };
      n.sent = n.acked = logOffset(start);
      n.window = [];
      n.windowBytes = 0;
      this.pump(n);
      return;
    }
    if (isZero(b.ackRangeStart) && isZero(b.ackRangeEnd)) return; // a ping's answer
    // R34: an ack that names no chip in the window closes the connection, as in Pika.
    if (n.state !== "BinlogSync" || !this.ack(n, b.ackRangeStart, b.ackRangeEnd)) {
      rc.conn.close();
      return;
    }
    this.pump(n);
  }

  private removeSlaveNode(rc: ReplConn, m: InnerRequest): void {
    const r = m.removeSlaveNode?.[0];
    if (!r) {
      rc.conn.close();
      return;
    }
    const me = { ip: this.settings.host, port: this.settings.port };
    if (!this.sessions.has(r.slot.dbName) && this.settings.behaviour.crashOnUnknownDb) {
      this.settings.crash(`null dereference in RemoveSlaveNode for database "${r.slot.dbName}"`);
      return;
    }
    if (!this.sessions.has(r.slot.dbName)) {
      this.send(rc, {
        ...res.removeSlaveNode(me, r.slot.dbName),
        code: StatusCode.kError,
        reply: "DB not found",
      });
      return;
    }
    if (!this.registered(rc, r.node)) {
      this.send(rc, {
        ...res.removeSlaveNode(me, r.slot.dbName),
        code: StatusCode.kError,
        reply: "MetaSync first",
      });
      return;
    }
    const n = this.sessions.get(r.slot.dbName)?.get(keyOf(r.node));
    if (n) this.dropSession(n);
    this.send(rc, res.removeSlaveNode(me, r.slot.dbName));
  }

  /** Bytes of binlog not yet sent to a session, as INFO's lag counts them. */
  private lag(db: string, key: string): number {
    const n = this.sessions.get(db)?.get(key);
    const p = this.producer(db);
    if (!n) return 0;
    return (p.filenum - n.sent.filenum) * this.settings.binlogFileSize + p.offset - n.sent.offset;
  }

  /**
   * Whether a binlog file may be purged: not while a slave full-syncs, nor a file at or after
   * the acknowledged position of a streaming slave (Pika's BinlogCloudPurge, without its
   * ten-file margin, which wraps around below file 10).
   */
  mayPurge(db: string, filenum: number): boolean {
    for (const n of this.sessions.get(db)?.values() ?? []) {
      if (n.state === "DbSync") return false;
      if (n.state === "BinlogSync" && filenum >= n.acked.filenum) return false;
    }
    return true;
  }

  /** INFO's safety_purge: the newest file that may go, keeping ten behind the producer (Pika's GetSafetyPurgeBinlog). */
  safetyPurge(db: string): string {
    let max = this.producer(db).filenum;
    if (max < 10) return "none";
    max -= 10;
    for (const n of this.sessions.get(db)?.values() ?? []) {
      if (n.state !== "BinlogSync" || n.acked.filenum === 0) return "none";
      max = Math.min(n.acked.filenum - 1, max);
    }
    return `write2file${max}`;
  }

  /** INFO's slave lines, in registration order. */
  infoSlaves(): string[] {
    return [...this.slaves.values()].map((s, i) => {
      const lag = this.settings.databases
        .map((db) => {
          const st = this.sessionState(db, s.key);
          return `(${db}:${st === "BinlogSync" ? this.lag(db, s.key) : st === "DbSync" ? "full syncing" : "not syncing"})`;
        })
        .join("");
      return `slave${i}:ip=${s.ip},port=${s.port},conn_fd=${s.conn.fd},lag=${lag}`;
    });
  }
}
