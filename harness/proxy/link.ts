/**
 * One proxied TCP connection: the slave's socket (accepted by the proxy), the proxy's socket to
 * the master, and two one-way links between them (toMaster, toSlave). A link reads its source,
 * splits replication traffic into frames (decoding and recording each one), passes frames
 * through the frame faults and bytes through the stream faults, and writes the result to its
 * destination in order. Bytes no fault touches are written unchanged and in order; FIN and RST
 * from one side are passed on to the other after (FIN) or instead of (RST) queued bytes.
 */
import type { Socket } from "node:net";
import type { Clock, TimerHandle } from "../clock";
import type { Trace } from "../trace/trace";
import {
  decodeRequest,
  decodeResponse,
  encodeFrame,
  type InnerRequest,
  type InnerResponse,
  MessageError,
  type SchemaVersion,
  summarize,
} from "../wire";
import { decodeRsyncRequest, RsyncMessageError, type RsyncRequest, summarizeRsync } from "../wire/rsync";
import {
  type CutHow,
  type Direction,
  type FrameChain,
  type NamedFault,
  type PortKind,
  type ShapeState,
  type StreamFault,
  shape,
  streamMatches,
} from "./faults";
import { FrameSplitter } from "./splitter";

/**
 * After a frame-triggered RST, how long the proxy waits before resetting, so the peer has read
 * the frame (Linux discards unread data when a RST arrives). Under a virtual clock the timer
 * fires only once loopback I/O is quiet, so the frame has been read for certain.
 */
export const RST_GRACE_MS = 50;

/** A replication frame the proxy saw (P+2000 only), decoded when it could be. */
export interface ProxyFrame {
  /** Clock time, ms since the epoch of the clock. */
  at: number;
  conn: number;
  direction: Direction;
  msg?: InnerRequest | InnerResponse;
  /** Why the body did not decode. */
  error?: string;
  /** Header and body. */
  bytes: number;
  /** It arrived on a silenced or half-open connection, or after a cut, and went nowhere. */
  discarded: boolean;
  /** What the faults did to it (e.g. "drop#1: dropped"); empty when none acted. */
  faults: string[];
}

/** A request a slave sent on P+10001 (the proxy forwards that port's bytes unchanged, and reads its requests). */
export interface ProxyRsyncRequest {
  at: number;
  conn: number;
  request?: RsyncRequest;
  /** Why the body did not decode. */
  error?: string;
}

/** What the connections share with the proxy that owns them. */
export interface LinkContext {
  readonly clock: Clock;
  readonly trace: Trace;
  readonly chain: FrameChain;
  readonly frames: ProxyFrame[];
  readonly rsyncRequests: ProxyRsyncRequest[];
  readonly names: { slave: string; master: string };
  readonly masterSchema: SchemaVersion;
  streamFaults(): readonly NamedFault<StreamFault>[];
}

/**
 * open: forwarding. silenced: accepted without a master connection, read and discarded.
 * half-open: the slave's side closed, the master's kept and drained. cut: the proxy cut it and
 * its sockets are going. closed: both sockets are gone.
 */
export type ConnState = "open" | "silenced" | "half-open" | "cut" | "closed";

type Item = { bytes: Buffer; at: number } | { end: true } | { cut: CutHow };

class Link {
  private mode: "forward" | "discard" = "forward";
  private readonly splitter: FrameSplitter | undefined;
  /** Reads the rsync requests of P+10001 without touching the bytes. */
  private readonly rsyncReader: FrameSplitter | undefined;
  private queue: Item[] = [];
  private timer: TimerHandle | undefined;
  private readonly delayed = new Set<TimerHandle>();
  private readonly shapeState: ShapeState = new Map();
  private paused = false;

  constructor(
    private readonly conn: ProxyConnection,
    private readonly ctx: LinkContext,
    readonly direction: Direction,
    private readonly src: Socket,
    private readonly dst: Socket | undefined,
  ) {
    this.splitter = conn.port === "repl" ? new FrameSplitter() : undefined;
    this.rsyncReader = conn.port === "rsync" && direction === "toMaster" ? new FrameSplitter() : undefined;
    if (!dst) this.mode = "discard";
    src.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  private get clock(): Clock {
    return this.ctx.clock;
  }

  private onData(chunk: Buffer): void {
    if (this.rsyncReader && !this.rsyncReader.error)
      for (const body of this.rsyncReader.push(chunk).frames) this.rsyncRequest(body);
    if (!this.splitter || this.splitter.error) {
      this.bytes(chunk);
      return;
    }
    const split = this.splitter.push(chunk);
    // One write for all the frames of a chunk that go out at once.
    this.dst?.cork();
    try {
      for (const body of split.frames) this.frame(body);
    } finally {
      this.dst?.uncork();
    }
    if (split.error)
      this.conn.record(
        this.direction,
        "raw",
        `framing error, forwarding the rest raw: ${split.error.message}`,
      );
    if (split.raw?.length) this.bytes(split.raw);
  }

  private frame(body: Buffer): void {
    let msg: InnerRequest | InnerResponse | undefined;
    let error: string | undefined;
    try {
      msg = this.direction === "toMaster" ? decodeRequest(body) : decodeResponse(body, this.ctx.masterSchema);
    } catch (err) {
      if (!(err instanceof MessageError)) throw err;
      error = err.message;
    }
    const discarded = this.mode !== "forward";
    const bytes = body.length + 4;
    const record: ProxyFrame = {
      at: this.clock.now(),
      conn: this.conn.id,
      direction: this.direction,
      msg,
      error,
      bytes,
      discarded,
      faults: [],
    };
    this.ctx.frames.push(record);
    const summary = msg ? summarize(msg) : `undecodable: ${error}`;
    this.conn.record(
      this.direction,
      "frame",
      discarded ? `${summary} [discarded: ${this.conn.state}]` : summary,
      bytes,
    );
    if (discarded) return;
    const frame = encodeFrame(body);
    if (this.ctx.chain.size === 0) {
      this.send(frame);
      return;
    }
    const verdict = this.ctx.chain.run({
      conn: this.conn.id,
      direction: this.direction,
      bytes: frame,
      type: msg?.type,
      code: msg && "code" in msg ? msg.code : undefined,
      carriesBinlog:
        msg !== undefined && "binlogSync" in msg && Array.isArray(msg.binlogSync)
          ? msg.binlogSync.some((c) => c.binlog.length > 0)
          : undefined,
    });
    record.faults = verdict.notes;
    for (const note of verdict.notes) this.conn.record(this.direction, "fault", note);
    let last = 0;
    for (const e of verdict.emit) {
      if (e.delayMs > 0) this.later(e.delayMs, () => this.send(e.bytes));
      else this.send(e.bytes);
      last = Math.max(last, e.delayMs);
    }
    const how = verdict.cut;
    if (how) {
      if (last > 0) this.later(last, () => this.push({ cut: how }));
      else this.push({ cut: how });
    }
  }

  /** Records a request on P+10001; its bytes go on raw. */
  private rsyncRequest(body: Buffer): void {
    const seen: ProxyRsyncRequest = { at: this.clock.now(), conn: this.conn.id };
    try {
      seen.request = decodeRsyncRequest(body);
    } catch (err) {
      if (!(err instanceof RsyncMessageError)) throw err;
      seen.error = err.message;
    }
    this.ctx.rsyncRequests.push(seen);
    const summary = seen.request ? summarizeRsync(seen.request) : `undecodable: ${seen.error}`;
    this.conn.record(
      this.direction,
      "frame",
      this.mode === "forward" ? summary : `${summary} [discarded]`,
      body.length + 4,
    );
  }

  /** Raw bytes (P, P+10001, or replication bytes past a framing error). */
  private bytes(chunk: Buffer): void {
    if (this.mode === "forward") this.send(chunk);
  }

  /** Passes bytes through the stream faults and queues them. */
  private send(bytes: Buffer): void {
    const { direction, conn } = this;
    const faults = this.ctx.streamFaults().filter((f) => streamMatches(f, direction, conn.port, conn.id));
    const now = this.clock.now();
    const items = faults.length
      ? shape(bytes, now, faults, this.shapeState, this.clock.rng)
      : [{ bytes, at: now }];
    this.queue.push(...items);
    this.pump();
  }

  private push(item: Item): void {
    this.queue.push(item);
    this.pump();
  }

  /** Runs `fn` after `ms` unless the link stops forwarding first. */
  private later(ms: number, fn: () => void): void {
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(handle);
      fn();
    }, ms);
    this.delayed.add(handle);
  }

  /** Writes what is due, in order; sets one timer for the next piece that is not. */
  private pump(): void {
    const dst = this.dst;
    if (this.mode !== "forward" || !dst) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    let lost = 0;
    dst.cork();
    try {
      for (let head = this.queue[0]; head && this.mode === "forward"; head = this.queue[0]) {
        if ("bytes" in head) {
          const wait = head.at - this.clock.now();
          if (wait > 0) {
            this.timer = this.clock.setTimeout(() => this.pump(), wait);
            return;
          }
          this.queue.shift();
          if (dst.destroyed || dst.writableEnded) {
            lost++;
            continue;
          }
          if (!dst.write(head.bytes)) this.backpressure(dst);
        } else {
          this.queue.shift();
          if ("end" in head) {
            if (!dst.destroyed && !dst.writableEnded) dst.end();
          } else {
            this.conn.cut(head.cut, true);
          }
        }
      }
    } finally {
      dst.uncork();
      if (lost > 0)
        this.conn.record(this.direction, "fault", `${lost} piece(s) not forwarded: the receiver is closed`);
    }
  }

  private backpressure(dst: Socket): void {
    if (this.paused) return;
    this.paused = true;
    this.src.pause();
    dst.once("drain", () => this.resume());
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.src.resume();
  }

  /** The source sent FIN: pass it on after the bytes already queued. */
  finish(): void {
    if (this.mode === "forward") this.push({ end: true });
  }

  /** Stops forwarding for good: queued and delayed bytes are dropped; the source is still read. */
  discard(): void {
    if (this.mode === "discard") return;
    this.mode = "discard";
    this.stopTimers();
    const queued = this.queue.filter((i) => "bytes" in i).length;
    this.queue = [];
    this.resume();
    if (queued > 0) this.conn.record(this.direction, "fault", `${queued} queued piece(s) not forwarded`);
  }

  stopTimers(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.delayed.size > 0 && this.mode === "discard")
      this.conn.record(this.direction, "fault", `${this.delayed.size} delayed frame(s) not forwarded`);
    for (const h of this.delayed) this.clock.clearTimeout(h);
    this.delayed.clear();
  }
}

type Side = "slave" | "master";

export class ProxyConnection {
  /** Trace label, e.g. "repl#3". */
  readonly label: string;
  readonly openedAt: number;
  closedAt: number | undefined;
  private stateNow: ConnState;
  private readonly toMaster: Link;
  private readonly toSlave: Link | undefined;
  private readonly errors: Partial<Record<Side, string>> = {};
  private masterConnected = false;
  private rstTimer: TimerHandle | undefined;

  constructor(
    private readonly ctx: LinkContext,
    readonly id: number,
    readonly port: PortKind,
    private readonly slave: Socket,
    /** Undefined for a silenced connection. */
    private readonly master: Socket | undefined,
  ) {
    this.label = `${port}#${id}`;
    this.openedAt = ctx.clock.now();
    this.stateNow = master ? "open" : "silenced";
    this.toMaster = new Link(this, ctx, "toMaster", slave, master);
    this.toSlave = master ? new Link(this, ctx, "toSlave", master, slave) : undefined;
    this.watch("slave", slave);
    if (master) {
      master.once("connect", () => {
        this.masterConnected = true;
      });
      this.watch("master", master);
    }
  }

  get state(): ConnState {
    return this.stateNow;
  }

  /** Records an event of this connection in the trace. */
  record(direction: Direction | "proxy", kind: string, summary: string, bytes?: number): void {
    const { slave, master } = this.ctx.names;
    const [from, to] =
      direction === "toMaster"
        ? [slave, master]
        : direction === "toSlave"
          ? [master, slave]
          : ["proxy", `${slave}+${master}`];
    this.ctx.trace.record({
      from,
      to,
      conn: this.label,
      kind,
      summary,
      ...(bytes === undefined ? {} : { bytes }),
    });
  }

  private watch(side: Side, socket: Socket): void {
    socket.setNoDelay(true);
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.errors[side] ??= err.code ?? err.message;
    });
    socket.on("end", () => this.onEnd(side));
    socket.once("close", () => this.onClose(side));
  }

  private onEnd(side: Side): void {
    const dir: Direction = side === "slave" ? "toMaster" : "toSlave";
    this.record(dir, "close", `${side} closed (FIN)`);
    if (this.stateNow === "open") (side === "slave" ? this.toMaster : this.toSlave)?.finish();
  }

  private onClose(side: Side): void {
    const err = this.errors[side];
    if (err && this.stateNow === "open") {
      const other = side === "slave" ? this.master : this.slave;
      if (side === "master" && !this.masterConnected)
        this.record("proxy", "close", `master port refused the connection (${err}): proxy resets the slave`);
      else
        this.record(
          side === "slave" ? "toMaster" : "toSlave",
          "close",
          `${side} reset the connection (${err})`,
        );
      this.stop("cut");
      if (other) reset(other);
    } else if (err && this.stateNow === "half-open" && side === "master") {
      this.record("toSlave", "close", `master reset the half-open connection (${err})`);
    }
    if (this.slave.destroyed && (!this.master || this.master.destroyed)) this.finalize();
  }

  private stop(state: ConnState): void {
    this.stateNow = state;
    this.toMaster.discard();
    this.toSlave?.discard();
  }

  /**
   * Cuts the connection (see CutHow). `afterFrame`: called by a cut fault once its frame is
   * written; a RST then waits RST_GRACE_MS so the peer reads the frame first.
   */
  cut(how: CutHow, afterFrame = false): void {
    if (this.stateNow === "closed" || this.stateNow === "cut") return;
    if (how === "half-open" && this.stateNow !== "open") return;
    this.record("proxy", "fault", `proxy cuts the connection (${how})`);
    const master = this.master;
    if (how === "half-open") {
      this.stop("half-open");
      finish(this.slave);
      return;
    }
    this.stop("cut");
    if (how === "fin") {
      finish(this.slave);
      if (master) finish(master);
    } else if (afterFrame) {
      this.rstTimer = this.ctx.clock.setTimeout(() => {
        this.rstTimer = undefined;
        reset(this.slave);
        if (master) reset(master);
      }, RST_GRACE_MS);
    } else {
      reset(this.slave);
      if (master) reset(master);
    }
  }

  /** Destroys both sockets at once (proxy shutdown). */
  destroy(): void {
    this.stop(this.stateNow === "closed" ? "closed" : "cut");
    this.slave.destroy();
    this.master?.destroy();
    this.finalize();
  }

  private finalize(): void {
    if (this.stateNow === "closed" && this.closedAt !== undefined) return;
    this.stop("closed");
    this.closedAt = this.ctx.clock.now();
    this.ctx.clock.clearTimeout(this.rstTimer);
    this.rstTimer = undefined;
    this.toMaster.stopTimers();
    this.toSlave?.stopTimers();
  }
}

/** Graceful close: FIN after what is already written, then the socket goes. */
function finish(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.writableEnded) {
    socket.destroy();
    return;
  }
  socket.end(() => socket.destroy());
}

/** Abortive close: RST. */
function reset(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}
