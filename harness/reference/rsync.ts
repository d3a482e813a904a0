/**
 * Full sync on P+10001, as Pika 4.0 does it on the wire (src/rsync_server.cc,
 * src/rsync_client.cc, include/rsync_client.h): the slave pulls a snapshot of one database from
 * its master, with RsyncService messages in the replication port's framing.
 *
 * Server: a meta request is answered with the snapshot's file names and uuid, or kErr and an
 * empty uuid when the database is unknown or has no snapshot (Pika's "db is not exist or doing
 * bgsave"); a file request (filename, offset, count) with at most `count` bytes from `offset`,
 * never past the end of the 16 MiB block the offset lies in (Pika's reader block), eof when the
 * chunk reaches the end of the file, an empty checksum (Pika never fills it in), and the uuid of
 * the snapshot served now. A file request carries no uuid, so the server cannot refuse a stale
 * one: the client compares. An unknown file, an offset past the end or a request without a
 * snapshot is kErr (with the current uuid, or an empty one without a snapshot). An undecodable
 * frame closes the connection; a request of an unknown type is not answered.
 *
 * Client: the meta request up to 10 times (each waits rsync-timeout-ms for its reply; a kErr
 * reply waits another second), then every file, the files dealt round robin, in name order, to
 * up to max-rsync-parallel-num readers that share one connection and are told apart by
 * reader_index; 4 MiB per request (kBytesPerRequest); a reply that names another file or
 * offset is dropped. Where Pika loops without end or without pause, the reference stops:
 * a file that fails (kErr, or 10 timeouts in a row) is fetched again from its start after
 * rsync-timeout-ms, at most 10 times, and then the fetch fails; the slave restarts the full
 * sync with DBSync (Pika retries the file for ever, at once).
 */
import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../clock";
import { FrameConn } from "../conn";
import { connect } from "../net";
import {
  decodeRsyncRequest,
  decodeRsyncResponse,
  encodeRsyncRequest,
  encodeRsyncResponse,
  RsyncMessageError,
  type RsyncRequest,
  type RsyncResponse,
  RsyncStatus,
  RsyncType,
  rsyncReq,
} from "../wire";
import type { Snapshot } from "./snapshot";

/** Pika's full-sync constants. */
export const RSYNC = {
  /** kBytesPerRequest: what a file request asks for. */
  bytesPerRequest: 4 << 20,
  /** RsyncReader's kBlockSize: a reply never crosses the end of the block its offset is in. */
  readerBlock: 16 << 20,
  /** kMaxRsyncParallelNum, and max-rsync-parallel-num's range. */
  maxParallel: 4,
  /** rsync-timeout-ms's default: how long a request waits for its reply. */
  timeoutMsDefault: 1000,
  /** RsyncClient's max_retries_: meta attempts per Init, timeouts in a row per file. */
  maxRetries: 10,
  /** kMaxRsyncInitReTryTimes: failed Inits before the database goes to Error. */
  maxInitRetries: 64,
  /** The pause after a kErr meta reply (sleep(1)). */
  metaErrPauseMs: 1000,
  /** The auxiliary thread's period: how soon a failed Init is tried again. */
  stateMachineMs: 100,
} as const;

/** pika.conf's max-rsync-parallel-num as Pika reads it: 1 to 4, anything else 4. */
export function rsyncParallel(value: number | undefined): number {
  return value === undefined || value <= 0 || value > RSYNC.maxParallel ? RSYNC.maxParallel : value;
}

/** pika.conf's rsync-timeout-ms as Pika reads it: 1000 unless above 0. */
export function rsyncTimeoutMs(value: number | undefined): number {
  return value === undefined || value <= 0 ? RSYNC.timeoutMsDefault : value;
}

/** The answer of Pika's rsync server to one request; undefined for a type it does not answer. */
export function rsyncAnswer(req: RsyncRequest, snap: Snapshot | undefined): RsyncResponse | undefined {
  const base = {
    type: req.type,
    readerIndex: req.readerIndex,
    dbName: req.dbName,
    slotId: 0,
    snapshotUuid: "",
  };
  const err = (uuid = ""): RsyncResponse => ({ ...base, snapshotUuid: uuid, code: RsyncStatus.kErr });
  if (req.type === RsyncType.kRsyncMeta) {
    if (!snap) return err();
    return {
      ...base,
      snapshotUuid: snap.uuid,
      code: RsyncStatus.kOk,
      metaResp: { filenames: [...snap.files.keys()] },
    };
  }
  if (req.type !== RsyncType.kRsyncFile) return undefined;
  if (!snap) return err();
  const f = req.fileReq;
  const bytes = f ? snap.files.get(f.filename) : undefined;
  // Pika indexes its readers by reader_index unchecked; the reference refuses one out of range.
  const badReader = req.readerIndex < 0 || req.readerIndex >= RSYNC.maxParallel;
  if (!f || !bytes || badReader || f.offset > bytes.length) return err(snap.uuid);
  const blockEnd = Math.min(bytes.length, (Math.floor(f.offset / RSYNC.readerBlock) + 1) * RSYNC.readerBlock);
  const n = Math.min(f.count, blockEnd - f.offset);
  return {
    ...base,
    snapshotUuid: snap.uuid,
    code: RsyncStatus.kOk,
    fileResp: {
      eof: f.offset + n === bytes.length ? 1 : 0,
      count: n,
      offset: f.offset,
      data: bytes.subarray(f.offset, f.offset + n),
      checksum: "",
      filename: f.filename,
    },
  };
}

/** The master's rsync server on P+10001. */
export class RsyncServer {
  private readonly conns = new Set<FrameConn>();
  private nextId = 1;
  /** Sees every decoded request before it is answered (a test seam). */
  observe: (req: RsyncRequest) => void = () => {};
  /** Requests answered, by type (what tests and INFO-less checks look at). */
  readonly served = { meta: 0, file: 0, errors: 0 };

  constructor(private readonly snapshot: (db: string) => Snapshot | undefined) {}

  accept(socket: Socket): void {
    const conn = new FrameConn(socket, `rsync${this.nextId++}`);
    this.conns.add(conn);
    conn.onFrame = (body) => this.onFrame(conn, body);
    conn.onClose = () => this.conns.delete(conn);
  }

  shutdown(): void {
    for (const c of [...this.conns]) c.close();
  }

  private onFrame(conn: FrameConn, body: Buffer): void {
    let req: RsyncRequest;
    try {
      req = decodeRsyncRequest(body);
    } catch (err) {
      if (!(err instanceof RsyncMessageError)) throw err;
      conn.close();
      return;
    }
    this.observe(req);
    const answer = rsyncAnswer(req, this.snapshot(req.dbName));
    if (!answer) return;
    if (answer.type === RsyncType.kRsyncMeta) this.served.meta++;
    else this.served.file++;
    if (answer.code !== RsyncStatus.kOk) this.served.errors++;
    conn.send(encodeRsyncResponse(answer));
  }
}

export interface RsyncClientOptions {
  /** The master's P+10001. */
  port: number;
  db: string;
  timeoutMs: number;
  parallel: number;
}

/** What a fetch ends with. */
export type FetchResult =
  | { kind: "done"; uuid: string; files: Map<string, Buffer> }
  | { kind: "restart"; why: string }
  | { kind: "cancelled" };

interface Waiter {
  type: RsyncType;
  filename?: string;
  offset?: number;
  resolve: (r: RsyncResponse | undefined) => void;
  timer: TimerHandle;
}

/** One database's rsync client: a connection to the master's P+10001 and its readers. */
export class RsyncClient {
  private conn: FrameConn | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private cancelledFlag = false;
  private readonly sleeps = new Set<{ timer: TimerHandle; resolve: () => void }>();

  constructor(
    private readonly clock: Clock,
    readonly options: RsyncClientOptions,
  ) {}

  get cancelled(): boolean {
    return this.cancelledFlag;
  }

  /** Stops at once: the connection closes, every wait ends. */
  cancel(): void {
    this.cancelledFlag = true;
    this.conn?.close();
    this.conn = undefined;
    for (const [i, w] of this.waiters) {
      this.clock.clearTimeout(w.timer);
      this.waiters.delete(i);
      w.resolve(undefined);
    }
    for (const s of this.sleeps) {
      this.clock.clearTimeout(s.timer);
      s.resolve();
    }
    this.sleeps.clear();
  }

  /** Waits `ms` on the clock (or less, when cancelled). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.cancelledFlag) return resolve();
      const s = {
        timer: this.clock.setTimeout(() => {
          this.sleeps.delete(s);
          resolve();
        }, ms),
        resolve,
      };
      this.sleeps.add(s);
    });
  }

  private async connection(): Promise<FrameConn | undefined> {
    if (this.conn && !this.conn.closed) return this.conn;
    let socket: Socket;
    try {
      socket = await connect(this.clock, this.options.port, this.options.timeoutMs);
    } catch {
      return undefined;
    }
    if (this.cancelledFlag) {
      socket.destroy();
      return undefined;
    }
    const conn = new FrameConn(socket, `rsync-${this.options.db}`);
    conn.onFrame = (body) => this.onFrame(conn, body);
    conn.onClose = () => {
      if (this.conn === conn) this.conn = undefined;
    };
    this.conn = conn;
    return conn;
  }

  private onFrame(conn: FrameConn, body: Buffer): void {
    let r: RsyncResponse;
    try {
      r = decodeRsyncResponse(body);
    } catch (err) {
      if (!(err instanceof RsyncMessageError)) throw err;
      conn.close();
      return;
    }
    const w = this.waiters.get(r.readerIndex);
    if (!w || w.type !== r.type) return;
    if (
      r.code === RsyncStatus.kOk &&
      r.type === RsyncType.kRsyncFile &&
      (r.fileResp?.filename !== w.filename || r.fileResp?.offset !== w.offset)
    )
      return; // a late reply to an earlier request of this reader
    this.clock.clearTimeout(w.timer);
    this.waiters.delete(r.readerIndex);
    w.resolve(r);
  }

  /**
   * Sends a request and waits rsync-timeout-ms for its reply: undefined on a timeout, and
   * after the same wait when the connection cannot be made.
   */
  private async request(req: RsyncRequest): Promise<RsyncResponse | undefined> {
    const started = this.clock.now();
    const conn = await this.connection();
    if (this.cancelledFlag) return undefined;
    if (!conn) {
      await this.sleep(Math.max(0, this.options.timeoutMs - (this.clock.now() - started)));
      return undefined;
    }
    return new Promise((resolve) => {
      const old = this.waiters.get(req.readerIndex);
      if (old) {
        this.clock.clearTimeout(old.timer);
        old.resolve(undefined);
      }
      const w: Waiter = {
        type: req.type,
        ...(req.fileReq ? { filename: req.fileReq.filename, offset: req.fileReq.offset } : {}),
        resolve,
        timer: this.clock.setTimeout(() => {
          if (this.waiters.get(req.readerIndex) === w) this.waiters.delete(req.readerIndex);
          resolve(undefined);
        }, this.options.timeoutMs),
      };
      this.waiters.set(req.readerIndex, w);
      conn.send(encodeRsyncRequest(req));
    });
  }

  /** Pika's PullRemoteMeta: the snapshot's uuid and files, or undefined after 10 failed attempts. */
  async pullMeta(): Promise<{ uuid: string; filenames: string[] } | undefined> {
    for (let retries = 0; retries < RSYNC.maxRetries && !this.cancelledFlag; retries++) {
      const r = await this.request(rsyncReq.meta(this.options.db));
      if (this.cancelledFlag) return undefined;
      if (!r) continue;
      if (r.code !== RsyncStatus.kOk) {
        await this.sleep(RSYNC.metaErrPauseMs);
        continue;
      }
      return { uuid: r.snapshotUuid, filenames: [...new Set(r.metaResp?.filenames ?? [])].sort() };
    }
    return undefined;
  }

  /** Fetches every file of the snapshot `uuid` with the readers, as Pika's ThreadMain and Copy. */
  async fetch(meta: { uuid: string; filenames: string[] }): Promise<FetchResult> {
    const files = new Map<string, Buffer>();
    const readers = Math.max(1, Math.min(this.options.parallel, RSYNC.maxParallel));
    const shares: string[][] = Array.from({ length: readers }, () => []);
    meta.filenames.forEach((f, i) => {
      shares[i % readers]?.push(f);
    });
    let stop: FetchResult | undefined;
    const work = async (index: number, names: string[]) => {
      for (const name of names) {
        let outcome: Buffer | FetchResult = { kind: "restart", why: `${name}: not fetched` };
        for (let attempt = 0; attempt < RSYNC.maxRetries; attempt++) {
          if (stop || this.cancelledFlag) return;
          if (attempt > 0) await this.sleep(this.options.timeoutMs);
          if (stop || this.cancelledFlag) return;
          outcome = await this.copyFile(index, name, meta.uuid);
          if (Buffer.isBuffer(outcome) || outcome.kind !== "restart" || outcome.why.startsWith("uuid")) break;
        }
        if (Buffer.isBuffer(outcome)) files.set(name, outcome);
        else {
          stop ??= outcome;
          return;
        }
      }
    };
    await Promise.all(shares.map((names, i) => work(i, names)));
    if (this.cancelledFlag) return { kind: "cancelled" };
    return stop ?? { kind: "done", uuid: meta.uuid, files };
  }

  /** Pika's CopyRemoteFile: one file, 4 MiB a request, from offset 0 to eof. */
  private async copyFile(index: number, name: string, uuid: string): Promise<Buffer | FetchResult> {
    const chunks: Buffer[] = [];
    let offset = 0;
    let retries = 0;
    while (retries < RSYNC.maxRetries) {
      const r = await this.request(
        rsyncReq.file(this.options.db, index, name, offset, RSYNC.bytesPerRequest),
      );
      if (this.cancelledFlag) return { kind: "cancelled" };
      if (!r) {
        retries++;
        continue;
      }
      if (r.code !== RsyncStatus.kOk || !r.fileResp) return { kind: "restart", why: `${name}: kErr` };
      if (r.snapshotUuid !== uuid)
        return { kind: "restart", why: `uuid changed from ${uuid} to ${r.snapshotUuid}` };
      const f = r.fileResp;
      chunks.push(Buffer.from(f.data.subarray(0, f.count)));
      offset += f.count;
      if (f.eof) return Buffer.concat(chunks);
      if (f.count === 0) return { kind: "restart", why: `${name}: an empty chunk before eof` };
      retries = 0;
    }
    return { kind: "restart", why: `${name}: ${RSYNC.maxRetries} timeouts` };
  }

  close(): void {
    this.conn?.close();
    this.conn = undefined;
  }
}
