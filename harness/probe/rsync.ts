/**
 * A probe rsync client: a scripted client on a master's full-sync port P+10001 that never
 * authenticated anywhere (no AUTH on P, no MetaSync on P+2000), asking for a database's snapshot
 * as a Pika slave's rsync client does (harness/reference/rsync.ts): a kRsyncMeta request for the
 * file list and the uuid, then a kRsyncFile request for one file, from offset 0, 4 MiB. Each
 * request waits a budget for its answer; a connection closed by the master, a refused connect
 * or no answer within the budget are recorded as they are, and a connection the master closed
 * is opened again for the next request (a master that closes after the list but serves files
 * would still be caught). Every frame and event goes to the scenario's trace.
 *
 * The verdict (snapshotLeaks, noSnapshotReceived) looks at what came back: a kOk meta reply
 * with file names is a file list, a kOk file reply with bytes is file data; a kErr, a kOk
 * without names or bytes, a close, a refusal or silence give nothing away.
 */
import type { Socket } from "node:net";
import { Mismatch } from "../check";
import { BudgetExceeded, type Clock } from "../clock";
import { FrameConn } from "../conn";
import { connect } from "../net";
import type { Trace } from "../trace/trace";
import {
  decodeRsyncResponse,
  encodeRsyncRequest,
  RsyncMessageError,
  type RsyncRequest,
  type RsyncResponse,
  RsyncStatus,
  RsyncType,
  rsyncReq,
  summarizeRsync,
} from "../wire";

/** What a Pika slave asks for per file request (kBytesPerRequest). */
export const RSYNC_PROBE_COUNT = 4 << 20;
/** The file every Pika dump has, asked for when the master lists none. */
export const RSYNC_INFO_FILE = "info";

const PROBE = "rsync-client";
const MASTER = "master";

/** How one request ended. */
export type RsyncOutcome =
  | { kind: "reply"; reply: RsyncResponse }
  | { kind: "closed" }
  | { kind: "refused"; error: string }
  | { kind: "silent" }
  | { kind: "undecodable"; error: string };

export interface RsyncExchange {
  request: RsyncRequest;
  outcome: RsyncOutcome;
}

/** One connection's frames as they arrive. */
interface ProbeConn {
  conn: FrameConn;
  label: string;
  replies: RsyncResponse[];
  undecodable: string[];
  closed: boolean;
}

export class RsyncProbe {
  /** Every request sent and how it ended, in order. */
  readonly exchanges: RsyncExchange[] = [];
  private current: ProbeConn | undefined;
  private opened = 0;

  constructor(
    private readonly clock: Clock,
    private readonly trace: Trace,
    /** The master's P+10001. */
    readonly port: number,
  ) {}

  /** The master's file list and one of the files, asked for as a slave asks: see the file comment. */
  async askSnapshot(db: string, budgetS: number): Promise<RsyncExchange[]> {
    const meta = await this.ask(rsyncReq.meta(db), budgetS);
    const listed = meta.outcome.kind === "reply" ? (meta.outcome.reply.metaResp?.filenames ?? []) : [];
    // A data file when there is one (Pika's dump: RocksDB's .sst files), else any listed file.
    const file =
      listed.find((f) => f.endsWith(".sst")) ??
      listed.find((f) => f !== RSYNC_INFO_FILE) ??
      listed[0] ??
      RSYNC_INFO_FILE;
    await this.ask(rsyncReq.file(db, 0, file, 0, RSYNC_PROBE_COUNT), budgetS);
    return this.exchanges;
  }

  /** Sends one request (on a new connection when there is none) and waits `budgetS` for its end. */
  async ask(request: RsyncRequest, budgetS: number): Promise<RsyncExchange> {
    const done = (outcome: RsyncOutcome): RsyncExchange => {
      const e = { request, outcome };
      this.exchanges.push(e);
      return e;
    };
    const c = await this.connection();
    if (!("conn" in c)) {
      this.trace.record({ from: PROBE, to: MASTER, conn: "rsync", kind: "refused", summary: c.error });
      return done({ kind: "refused", error: c.error });
    }
    const [replies, errors] = [c.replies.length, c.undecodable.length];
    this.trace.record({
      from: PROBE,
      to: MASTER,
      conn: c.label,
      kind: "frame",
      summary: summarizeRsync(request),
    });
    c.conn.send(encodeRsyncRequest(request));
    try {
      const outcome = await this.clock.within(
        budgetS,
        (): RsyncOutcome | undefined => {
          const reply = c.replies[replies];
          if (reply) return { kind: "reply", reply };
          const error = c.undecodable[errors];
          if (error !== undefined) return { kind: "undecodable", error };
          return c.closed ? { kind: "closed" } : undefined;
        },
        `an answer to ${summarizeRsync(request)}`,
      );
      return done(outcome);
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
      this.trace.record({
        from: MASTER,
        to: PROBE,
        conn: c.label,
        kind: "silence",
        summary: `no answer within ${budgetS} s`,
      });
      return done({ kind: "silent" });
    }
  }

  private async connection(): Promise<ProbeConn | { error: string }> {
    if (this.current && !this.current.closed) return this.current;
    let socket: Socket;
    try {
      socket = await connect(this.clock, this.port, 2000);
    } catch (err) {
      return { error: `connect to P+10001 (${this.port}) failed: ${(err as Error).message}` };
    }
    const label = `rsync${++this.opened}`;
    const c: ProbeConn = {
      conn: new FrameConn(socket, label),
      label,
      replies: [],
      undecodable: [],
      closed: false,
    };
    this.trace.record({
      from: PROBE,
      to: MASTER,
      conn: label,
      kind: "connect",
      summary: `connected to ${this.port}`,
    });
    c.conn.onFrame = (body) => {
      try {
        const r = decodeRsyncResponse(body);
        c.replies.push(r);
        this.trace.record({
          from: MASTER,
          to: PROBE,
          conn: label,
          kind: "frame",
          summary: describeReply(r),
          bytes: body.length + 4,
        });
      } catch (err) {
        if (!(err instanceof RsyncMessageError)) throw err;
        c.undecodable.push(err.message);
        this.trace.record({
          from: MASTER,
          to: PROBE,
          conn: label,
          kind: "frame",
          summary: `undecodable: ${err.message}`,
          bytes: body.length + 4,
        });
      }
    };
    c.conn.onFrameError = (err) => {
      c.undecodable.push(err.message);
      this.trace.record({ from: MASTER, to: PROBE, conn: label, kind: "frame-error", summary: err.message });
    };
    c.conn.onClose = () => {
      c.closed = true;
      this.trace.record({
        from: MASTER,
        to: PROBE,
        conn: label,
        kind: "close",
        summary: "connection closed",
      });
    };
    this.current = c;
    return c;
  }

  /** Closes the connection, if one is open (FIN); the master's later close is not recorded. */
  close(): void {
    const c = this.current;
    this.current = undefined;
    if (!c || c.closed) return;
    c.conn.onClose = () => {};
    this.trace.record({
      from: PROBE,
      to: MASTER,
      conn: c.label,
      kind: "close",
      summary: "probe closes (FIN)",
    });
    c.conn.close();
  }
}

/** How many file names a description lists before it says how many more there are. */
const NAMES_SHOWN = 6;

/**
 * A reply for traces and verdicts: summarizeRsync, with at most NAMES_SHOWN of a file list's
 * names and the byte count a file reply carried.
 */
export function describeReply(r: RsyncResponse): string {
  const names = r.metaResp?.filenames ?? [];
  const shown =
    names.length > NAMES_SHOWN
      ? {
          ...r,
          metaResp: { filenames: [...names.slice(0, NAMES_SHOWN), `... ${names.length - NAMES_SHOWN} more`] },
        }
      : r;
  const data = r.fileResp ? ` (${r.fileResp.data.length} bytes of data)` : "";
  return `${summarizeRsync(shown)}${data}`;
}

/** What an exchange gave away of the snapshot: a file list, file bytes; [] when nothing. */
export function snapshotLeaks(exchanges: readonly RsyncExchange[]): string[] {
  const leaks: string[] = [];
  for (const { outcome } of exchanges) {
    if (outcome.kind !== "reply" || outcome.reply.code !== RsyncStatus.kOk) continue;
    const r = outcome.reply;
    const names = r.metaResp?.filenames ?? [];
    if (r.type === RsyncType.kRsyncMeta && names.length > 0)
      leaks.push(`a file list of ${names.length} files: ${describeReply(r)}`);
    const bytes = r.fileResp?.data.length ?? 0;
    if (r.fileResp && bytes > 0) leaks.push(`${bytes} bytes of ${r.fileResp.filename}: ${describeReply(r)}`);
  }
  return leaks;
}

/** One line per request and how it ended, for Actual. */
export function describeExchanges(exchanges: readonly RsyncExchange[]): string {
  return exchanges
    .map(({ request, outcome }) => {
      const asked = summarizeRsync(request);
      switch (outcome.kind) {
        case "reply":
          return `${asked} -> ${describeReply(outcome.reply)}`;
        case "closed":
          return `${asked} -> connection closed`;
        case "refused":
          return `${asked} -> ${outcome.error}`;
        case "silent":
          return `${asked} -> no answer`;
        case "undecodable":
          return `${asked} -> undecodable answer: ${outcome.error}`;
      }
      return asked;
    })
    .join("; ");
}

/** Throws a Mismatch when the exchanges gave away a file list or file bytes. */
export function noSnapshotReceived(exchanges: readonly RsyncExchange[]): void {
  if (exchanges.length === 0) throw new Error("no rsync request was sent: add the step that asks P+10001");
  const leaks = snapshotLeaks(exchanges);
  if (leaks.length === 0) return;
  throw new Mismatch(
    "no file list and no file bytes on P+10001 for a client that never authenticated (a kErr, a close or no answer)",
    leaks.join("; "),
  );
}
