/**
 * Faults of the wire proxy, as plain data, and the pure code that applies them (no sockets, no
 * timers: frames or bytes and a time in, actions out), so every fault is unit tested alone.
 *
 * As in toxiproxy, each direction has an ordered chain of named faults. Three families:
 * - frame faults (drop, delay, duplicate, corrupt, cut) act on whole frames of the replication
 *   port P+2000, chosen by connection, message type and response code;
 * - stream faults (latency, bandwidth) act on the bytes of any port, in order;
 * - port faults (silence, refuse) act on connections not yet made.
 *
 * Example, a step's "drop the first MetaSync response":
 *   { kind: "drop", direction: "toSlave", match: { type: MsgType.kMetaSync }, times: 1 }
 */
import type { Rng } from "../clock";
import { HEADER_LENGTH, MsgType, StatusCode } from "../wire";

/** toMaster: slave → master (requests on P+2000); toSlave: master → slave (responses). */
export type Direction = "toMaster" | "toSlave";
/** The three ports the proxy serves: P, P+2000, P+10001. */
export type PortKind = "redis" | "repl" | "rsync";
export const PORT_KINDS: readonly PortKind[] = ["redis", "repl", "rsync"];
/**
 * How a connection is cut. fin: both sides get a FIN; rst: both sides get a RST; half-open: the
 * proxy stops forwarding and closes only the slave's side (FIN), so the master keeps its socket
 * (and its SlaveItem) while the proxy reads and discards what the master sends.
 */
export type CutHow = "fin" | "rst" | "half-open";

/** Which frames a frame fault acts on; an absent field matches anything. */
export interface FrameMatch {
  /** Proxy connection id (ProxyConnection.id). */
  conn?: number;
  type?: MsgType;
  /** Response code; a request never matches a code. */
  code?: StatusCode;
  /** A BinlogSync response that carries binlog items (true), or only pings (false). */
  carriesBinlog?: boolean;
}

interface Named {
  /** Unique within the proxy; `<kind>#<n>` when absent. */
  name?: string;
  /** Removes the fault by itself after this many clock milliseconds. */
  forMs?: number;
}

interface FrameFaultBase extends Named {
  direction: Direction;
  match?: FrameMatch;
  /** Matching frames let through untouched before the fault acts (default 0). */
  skip?: number;
  /** Matching frames the fault acts on, after `skip`; then it is inert (default: no limit). */
  times?: number;
}

/** The frame is not forwarded. */
export interface DropFault extends FrameFaultBase {
  kind: "drop";
}
/**
 * The frame is held for `ms`; later frames are not held behind it (as Pika's reply threads can
 * reorder). A frame still held when its connection closes is lost (and recorded as such).
 */
export interface DelayFault extends FrameFaultBase {
  kind: "delay";
  ms: number;
}
/** The frame is forwarded 1 + `copies` times in a row (default copies 1). */
export interface DuplicateFault extends FrameFaultBase {
  kind: "duplicate";
  copies?: number;
}
/**
 * The frame's body is damaged, its length kept. garbage (default): every body byte 0xff, which
 * no protobuf parser accepts; flip: one bit of the body, chosen by the clock's seeded rng.
 */
export interface CorruptFault extends FrameFaultBase {
  kind: "corrupt";
  mode?: "garbage" | "flip";
}
/**
 * The frame is forwarded, then its connection is cut. `skip: N - 1` cuts after the N-th frame.
 * With `forward: false` the frame is swallowed and the connection cut in its place: "cut at the
 * slave's first TrySync" cuts once the slave has certainly acted on the MetaSync reply, before
 * the master sees anything more.
 */
export interface CutFault extends FrameFaultBase {
  kind: "cut";
  how: CutHow;
  forward?: boolean;
}
export type FrameFault = DropFault | DelayFault | DuplicateFault | CorruptFault | CutFault;

interface StreamFaultBase extends Named {
  direction: Direction;
  /** Absent: every port. */
  port?: PortKind;
  conn?: number;
}
/** Every chunk waits `ms` ± `jitterMs` (uniform, from the clock's rng); bytes never overtake each other. */
export interface LatencyFault extends StreamFaultBase {
  kind: "latency";
  ms: number;
  jitterMs?: number;
}
/** At most `bytesPerSecond`, released in slices of a tenth of a second's worth. */
export interface BandwidthFault extends StreamFaultBase {
  kind: "bandwidth";
  bytesPerSecond: number;
}
export type StreamFault = LatencyFault | BandwidthFault;

/** New connections are accepted and never forwarded: the proxy reads and discards, never answers. */
export interface SilenceFault extends Named {
  kind: "silence";
  /** Absent: all three ports. */
  port?: PortKind;
}
/**
 * New connections are refused: the proxy stops listening, so a connect gets ECONNREFUSED from
 * the kernel, as from a stopped Pika; open connections go on. Listening resumes on removal.
 */
export interface RefuseFault extends Named {
  kind: "refuse";
  port?: PortKind;
}
export type PortFault = SilenceFault | RefuseFault;

export type Fault = FrameFault | StreamFault | PortFault;
/** A fault with its name filled in. */
export type NamedFault<F extends Fault> = F & { name: string };

const FRAME_KINDS = new Set<Fault["kind"]>(["drop", "delay", "duplicate", "corrupt", "cut"]);
export const isFrameFault = (f: Fault): f is FrameFault => FRAME_KINDS.has(f.kind);
export const isStreamFault = (f: Fault): f is StreamFault => f.kind === "latency" || f.kind === "bandwidth";
export const isPortFault = (f: Fault): f is PortFault => f.kind === "silence" || f.kind === "refuse";

/** Throws a clear error for a fault that cannot be applied. */
export function validateFault(f: Fault): void {
  const bad = (what: string) => {
    throw new Error(`fault ${f.name ?? f.kind}: ${what}`);
  };
  const count = (v: number | undefined, what: string) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) bad(`${what} must be an integer >= 0, got ${v}`);
  };
  const ms = (v: number | undefined, what: string) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) bad(`${what} must be a number >= 0, got ${v}`);
  };
  ms(f.forMs, "forMs");
  if ("direction" in f && f.direction !== "toMaster" && f.direction !== "toSlave")
    bad(`direction must be "toMaster" or "toSlave", got ${String(f.direction)}`);
  if ("port" in f && f.port !== undefined && !PORT_KINDS.includes(f.port))
    bad(`port must be one of ${PORT_KINDS.join(", ")}, got ${String(f.port)}`);
  switch (f.kind) {
    case "drop":
    case "delay":
    case "duplicate":
    case "corrupt":
    case "cut":
      count(f.skip, "skip");
      count(f.times, "times");
      // A key given as undefined (a lookup of a misspelled name) would match every frame.
      for (const [k, v] of Object.entries(f.match ?? {}))
        if (v === undefined) bad(`match.${k} is undefined: name a value or leave the key out`);
      if (f.match?.type !== undefined && MsgType[f.match.type] === undefined)
        bad(`unknown MsgType ${f.match.type}`);
      if (f.match?.code !== undefined && StatusCode[f.match.code] === undefined)
        bad(`unknown StatusCode ${f.match.code}`);
      if (f.kind === "delay") ms(f.ms, "ms");
      if (f.kind === "duplicate") count(f.copies, "copies");
      if (f.kind === "corrupt" && f.mode !== undefined && f.mode !== "garbage" && f.mode !== "flip")
        bad(`mode must be "garbage" or "flip", got ${String(f.mode)}`);
      if (f.kind === "cut" && !["fin", "rst", "half-open"].includes(f.how))
        bad(`how must be "fin", "rst" or "half-open", got ${String(f.how)}`);
      break;
    case "latency":
      ms(f.ms, "ms");
      ms(f.jitterMs, "jitterMs");
      break;
    case "bandwidth":
      if (!(Number.isFinite(f.bytesPerSecond) && f.bytesPerSecond > 0))
        bad(`bytesPerSecond must be > 0, got ${f.bytesPerSecond}`);
      break;
    case "silence":
    case "refuse":
      break;
    default:
      bad(`unknown kind ${String((f as { kind: unknown }).kind)}`);
  }
}

/** A frame as the chain sees it: where it travels and what it decoded to (type undefined: it did not). */
export interface ChainFrame {
  conn: number;
  direction: Direction;
  /** The whole frame: 4-byte length, then the body. */
  bytes: Buffer;
  type?: MsgType;
  code?: StatusCode;
  /** A response with at least one BinlogSync chip that carries a binlog item. */
  carriesBinlog?: boolean;
}

/** One frame to write, after `delayMs`. */
export interface Emit {
  bytes: Buffer;
  delayMs: number;
}

/** What the chain decided for one frame: what to write, whether to cut afterwards, and why. */
export interface Verdict {
  emit: Emit[];
  cut?: CutHow;
  /** One line per fault that acted, for the trace. */
  notes: string[];
}

export function frameMatches(f: FrameFault, frame: ChainFrame): boolean {
  if (f.direction !== frame.direction) return false;
  const m = f.match ?? {};
  if (m.conn !== undefined && m.conn !== frame.conn) return false;
  if (m.type !== undefined && m.type !== frame.type) return false;
  if (m.code !== undefined && m.code !== frame.code) return false;
  if (m.carriesBinlog !== undefined && m.carriesBinlog !== (frame.carriesBinlog ?? false)) return false;
  return true;
}

/** A frame fault and its counters (matching frames seen, frames acted on). */
class Toxic {
  private seen = 0;
  private acted = 0;
  constructor(readonly fault: NamedFault<FrameFault>) {}

  /** Counts one matching frame; true when the fault acts on it. */
  take(): boolean {
    this.seen++;
    if (this.seen <= (this.fault.skip ?? 0)) return false;
    if (this.acted >= (this.fault.times ?? Number.POSITIVE_INFINITY)) return false;
    this.acted++;
    return true;
  }
}

/** Body bytes all 0xff: a truncated varint tag, which no protobuf parser accepts. */
function garbage(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out.fill(0xff, HEADER_LENGTH);
  return out;
}

function flip(frame: Buffer, rng: Rng): Buffer {
  const out = Buffer.from(frame);
  const bodyLength = out.length - HEADER_LENGTH;
  if (bodyLength > 0) {
    const at = HEADER_LENGTH + rng.int(bodyLength);
    out.writeUInt8((out.readUInt8(at) ^ (1 << rng.int(8))) & 0xff, at);
  }
  return out;
}

/**
 * The ordered frame faults of both directions (each frame passes only its direction's faults, in
 * the order they were added). Each fault maps every copy of the frame that reaches it to zero
 * or more copies; a cut is done after the copies are written.
 */
export class FrameChain {
  private toxics: Toxic[] = [];
  constructor(private readonly rng: Rng) {}

  add(fault: NamedFault<FrameFault>): void {
    this.toxics.push(new Toxic(fault));
  }

  remove(name: string): boolean {
    const before = this.toxics.length;
    this.toxics = this.toxics.filter((t) => t.fault.name !== name);
    return this.toxics.length !== before;
  }

  get size(): number {
    return this.toxics.length;
  }

  run(frame: ChainFrame): Verdict {
    let items: Emit[] = [{ bytes: frame.bytes, delayMs: 0 }];
    const verdict: Verdict = { emit: items, notes: [] };
    for (const t of this.toxics) {
      const f = t.fault;
      if (!frameMatches(f, frame)) continue;
      const next: Emit[] = [];
      for (const item of items) {
        if (!t.take()) {
          next.push(item);
          continue;
        }
        switch (f.kind) {
          case "drop":
            verdict.notes.push(`${f.name}: dropped`);
            break;
          case "delay":
            next.push({ bytes: item.bytes, delayMs: item.delayMs + f.ms });
            verdict.notes.push(`${f.name}: delayed ${f.ms} ms`);
            break;
          case "duplicate": {
            const copies = f.copies ?? 1;
            for (let i = 0; i <= copies; i++) next.push(item);
            verdict.notes.push(`${f.name}: ${copies} extra cop${copies === 1 ? "y" : "ies"}`);
            break;
          }
          case "corrupt": {
            const mode = f.mode ?? "garbage";
            next.push({
              ...item,
              bytes: mode === "garbage" ? garbage(item.bytes) : flip(item.bytes, this.rng),
            });
            verdict.notes.push(`${f.name}: corrupted (${mode})`);
            break;
          }
          case "cut": {
            const forward = f.forward ?? true;
            if (forward) next.push(item);
            if (!verdict.cut) {
              verdict.cut = f.how;
              verdict.notes.push(
                `${f.name}: cut ${forward ? "after" : "instead of forwarding"} this frame (${f.how})`,
              );
            }
            break;
          }
        }
      }
      items = next;
    }
    verdict.emit = items;
    return verdict;
  }
}

/** Bytes released at clock time `at`. */
export interface Timed {
  bytes: Buffer;
  at: number;
}

/** Per-link state of the stream faults: by fault name, the time it last released bytes. */
export type ShapeState = Map<string, number>;

export function streamMatches(f: StreamFault, direction: Direction, port: PortKind, conn: number): boolean {
  return (
    f.direction === direction &&
    (f.port === undefined || f.port === port) &&
    (f.conn === undefined || f.conn === conn)
  );
}

/**
 * Passes one chunk, read at `now`, through the stream faults in order; returns the pieces and
 * when each may be written. Release times never go backwards within one fault, so bytes keep
 * their order. No faults: the chunk itself, at `now`.
 */
export function shape(
  chunk: Buffer,
  now: number,
  faults: readonly NamedFault<StreamFault>[],
  state: ShapeState,
  rng: Rng,
): Timed[] {
  let items: Timed[] = [{ bytes: chunk, at: now }];
  for (const f of faults) {
    const last = state.get(f.name) ?? Number.NEGATIVE_INFINITY;
    const next: Timed[] = [];
    if (f.kind === "latency") {
      let prev = last;
      for (const item of items) {
        const jitter = f.jitterMs ? (rng.next() * 2 - 1) * f.jitterMs : 0;
        const at = Math.max(item.at + Math.max(0, Math.round(f.ms + jitter)), prev);
        next.push({ bytes: item.bytes, at });
        prev = at;
      }
      state.set(f.name, prev);
    } else {
      const slice = Math.max(1, Math.floor(f.bytesPerSecond / 10));
      let busy = last;
      for (const item of items) {
        for (let off = 0; off < item.bytes.length; off += slice) {
          const bytes = item.bytes.subarray(off, off + slice);
          busy = Math.max(item.at, busy) + (bytes.length * 1000) / f.bytesPerSecond;
          next.push({ bytes, at: busy });
        }
      }
      state.set(f.name, busy);
    }
    items = next;
  }
  return items;
}
