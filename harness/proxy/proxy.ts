/**
 * The wire proxy: sits between a slave and a master, decodes and records every replication
 * frame both ways, and injects faults (faults.ts) per direction, live.
 *
 * The slave is told `SLAVEOF 127.0.0.1 <proxy.port>`: the proxy listens on P', P'+2000 and
 * P'+10001 and forwards to the master's P, P+2000 and P+10001, so a real slave works through it
 * (its probe connections to P included). P and P+10001 are forwarded as plain bytes (the requests
 * on P+10001 are read and recorded on the way, untouched); P+2000 is
 * split into frames, each decoded (requests toMaster, responses toSlave; an undecodable frame is
 * still forwarded) and recorded in the trace on the clock.
 *
 *   await using proxy = await WireProxy.start(clock, master.port, { trace });
 *   await proxy.add({ kind: "drop", direction: "toSlave", match: { type: MsgType.kMetaSync }, times: 1 });
 *   proxy.cut({ port: "repl" }, "half-open");
 */
import type { Socket } from "node:net";
import * as net from "node:net";
import type { Clock, TimerHandle } from "../clock";
import { Listener, LOOPBACK, ports, REPL_SHIFT, RSYNC_SHIFT } from "../net";
import { Trace } from "../trace/trace";
import { DEFAULT_SCHEMA, MsgType, type SchemaVersion, StatusCode } from "../wire";
import {
  type CutHow,
  type Fault,
  FrameChain,
  isFrameFault,
  isStreamFault,
  type NamedFault,
  PORT_KINDS,
  type PortKind,
  type StreamFault,
  validateFault,
} from "./faults";
import { type LinkContext, ProxyConnection, type ProxyFrame, type ProxyRsyncRequest } from "./link";

const SHIFT: Record<PortKind, number> = { redis: 0, repl: REPL_SHIFT, rsync: RSYNC_SHIFT };

export interface ProxyOptions {
  /** P', the proxy's port; allocated with `ports.allocate()` when absent. */
  port?: number;
  /** The scenario's trace; a new one when absent. */
  trace?: Trace;
  /** The two ends' names in the trace (default "slave" and "master"). */
  slaveName?: string;
  masterName?: string;
  /** The wire schema the master speaks (its SutNode's): the proxy reads its replies in it. */
  masterSchema?: SchemaVersion;
}

/** Which connections an action applies to; an absent field matches anything. */
export interface ConnSelector {
  port?: PortKind;
  conn?: number;
}

export class WireProxy implements AsyncDisposable {
  /** Every frame seen on P'+2000, in arrival order. */
  readonly frames: ProxyFrame[] = [];
  /** Every request seen on P'+10001, in arrival order (the port's bytes are forwarded unchanged). */
  readonly rsyncRequests: ProxyRsyncRequest[] = [];
  /** Every connection accepted, open or not, in order. */
  readonly connections: ProxyConnection[] = [];
  readonly trace: Trace;
  private readonly chain: FrameChain;
  private readonly active = new Map<string, NamedFault<Fault>>();
  private readonly expiry = new Map<string, TimerHandle>();
  private streamFaults: NamedFault<StreamFault>[] = [];
  private readonly listeners = new Map<PortKind, Listener>();
  private readonly refused = new Map<PortKind, number>();
  private readonly silenced = new Map<PortKind, number>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly failures: Error[] = [];
  private nextConn = 1;
  private nextFault = 1;
  private closed = false;
  private readonly ctx: LinkContext;

  private constructor(
    readonly clock: Clock,
    /** P', the proxy's Redis-protocol port. */
    readonly port: number,
    /** P, the master's Redis-protocol port. */
    readonly masterPort: number,
    options: ProxyOptions,
  ) {
    this.trace = options.trace ?? new Trace(clock);
    this.chain = new FrameChain(clock.rng);
    this.ctx = {
      clock,
      trace: this.trace,
      chain: this.chain,
      frames: this.frames,
      rsyncRequests: this.rsyncRequests,
      names: { slave: options.slaveName ?? "slave", master: options.masterName ?? "master" },
      masterSchema: options.masterSchema ?? DEFAULT_SCHEMA,
      streamFaults: () => this.streamFaults,
    };
  }

  /** Starts a proxy in front of the master whose Redis-protocol port is `masterPort`. */
  static async start(clock: Clock, masterPort: number, options: ProxyOptions = {}): Promise<WireProxy> {
    const proxy = new WireProxy(clock, options.port ?? (await ports.allocate()), masterPort, options);
    try {
      for (const kind of PORT_KINDS) {
        const l = await Listener.open(clock, proxy.port + SHIFT[kind], (s) => proxy.accept(kind, s));
        proxy.listeners.set(kind, l);
      }
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  /** P'+2000: where a probe slave connects for replication. */
  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  get rsyncPort(): number {
    return this.port + RSYNC_SHIFT;
  }

  /** The active faults, in the order they were added. */
  get faults(): readonly NamedFault<Fault>[] {
    return [...this.active.values()];
  }

  /** Open connections (not closed, not cut) matching `sel`. */
  openConnections(sel: ConnSelector = {}): ProxyConnection[] {
    return this.connections.filter(
      (c) =>
        c.state !== "closed" &&
        c.state !== "cut" &&
        (sel.port === undefined || c.port === sel.port) &&
        (sel.conn === undefined || c.id === sel.conn),
    );
  }

  /**
   * Adds a fault at the end of its direction's chain and returns its name. It applies at once,
   * to open connections too (frame and stream faults: from their next frame or chunk). A refuse
   * fault resolves once the port has stopped listening.
   */
  async add(fault: Fault): Promise<string> {
    if (this.closed) throw new Error("proxy is closed");
    validateFault(fault);
    const name = fault.name ?? `${fault.kind}#${this.nextFault++}`;
    if (this.active.has(name)) throw new Error(`proxy already has a fault named "${name}"`);
    const f = { ...fault, name } as NamedFault<Fault>;
    this.active.set(name, f);
    if (isFrameFault(f)) this.chain.add(f);
    else if (isStreamFault(f)) this.streamFaults = [...this.streamFaults, f];
    else {
      const counts = f.kind === "refuse" ? this.refused : this.silenced;
      for (const kind of f.port ? [f.port] : PORT_KINDS) {
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        if (f.kind === "refuse" && counts.get(kind) === 1) this.listeners.get(kind)?.server.close();
      }
    }
    this.note(`fault added: ${describe(f)}`);
    if (f.forMs !== undefined) {
      this.expiry.set(
        name,
        this.clock.setTimeout(() => this.inBackground(this.remove(name)), f.forMs),
      );
    }
    return name;
  }

  /** Removes a fault. Removing a refuse fault resolves once its ports listen again. */
  async remove(name: string): Promise<void> {
    const f = this.active.get(name);
    if (!f)
      throw new Error(
        `proxy has no fault named "${name}" (active: ${[...this.active.keys()].join(", ") || "none"})`,
      );
    this.active.delete(name);
    this.clock.clearTimeout(this.expiry.get(name));
    this.expiry.delete(name);
    this.note(`fault removed: ${name}`);
    if (isFrameFault(f)) this.chain.remove(name);
    else if (isStreamFault(f)) this.streamFaults = this.streamFaults.filter((s) => s.name !== name);
    else {
      const counts = f.kind === "refuse" ? this.refused : this.silenced;
      const relisten: Promise<void>[] = [];
      for (const kind of f.port ? [f.port] : PORT_KINDS) {
        const n = (counts.get(kind) ?? 1) - 1;
        counts.set(kind, n);
        if (f.kind === "refuse" && n === 0 && !this.closed) relisten.push(this.listen(kind));
      }
      await Promise.all(relisten);
    }
  }

  /** Cuts the open connections matching `sel` now; throws when there is none. Returns their ids. */
  cut(sel: ConnSelector, how: CutHow): number[] {
    const conns = this.openConnections(sel).filter((c) => how !== "half-open" || c.state === "open");
    if (conns.length === 0)
      throw new Error(`no open proxy connection matches ${JSON.stringify(sel)} (for a ${how} cut)`);
    for (const c of conns) c.cut(how);
    return conns.map((c) => c.id);
  }

  /** Frames of connection `conn` (or all) in one direction, decoded or not. */
  framesOf(direction: ProxyFrame["direction"], conn?: number): ProxyFrame[] {
    return this.frames.filter((f) => f.direction === direction && (conn === undefined || f.conn === conn));
  }

  /** Closes every listener and connection and cancels every timer of the proxy. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.expiry.values()) this.clock.clearTimeout(h);
    this.expiry.clear();
    await Promise.allSettled([...this.background]);
    for (const c of this.connections) c.destroy();
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    if (this.failures.length > 0)
      throw new AggregateError(this.failures, `proxy: ${this.failures.map((e) => e.message).join("; ")}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(kind: PortKind, slave: Socket): void {
    if (this.closed) {
      slave.destroy();
      return;
    }
    const id = this.nextConn++;
    let master: Socket | undefined;
    const target = this.masterPort + SHIFT[kind];
    if (!this.silenced.get(kind)) {
      master = net.connect({ host: LOOPBACK, port: target });
      this.clock.track(master);
    }
    const conn = new ProxyConnection(this.ctx, id, kind, slave, master);
    this.connections.push(conn);
    conn.record(
      "toMaster",
      "connect",
      master
        ? `slave connected to ${this.port + SHIFT[kind]}, forwarded to ${target}`
        : `slave connected to ${this.port + SHIFT[kind]}, silenced (not forwarded)`,
    );
  }

  /** Listens again on a port after a refuse fault. */
  private listen(kind: PortKind): Promise<void> {
    const server = this.listeners.get(kind)?.server;
    if (!server || server.listening) return Promise.resolve();
    const port = this.port + SHIFT[kind];
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new Error(`proxy cannot listen on ${port} again: ${err.message}`));
      server.once("error", onError);
      server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
        server.removeListener("error", onError);
        resolve();
      });
    });
  }

  private inBackground(p: Promise<unknown>): void {
    const tracked = p.catch((err: Error) => {
      this.failures.push(err);
      this.note(`error: ${err.message}`);
    });
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private note(summary: string): void {
    this.trace.record({ from: "proxy", to: "-", conn: "-", kind: "fault", summary });
  }
}

/** One line for the trace: the fault as data, with message types and codes by name. */
function describe(f: NamedFault<Fault>): string {
  const { name, kind, ...rest } = f;
  const text = JSON.stringify(rest, (key, value) =>
    key === "type" && typeof value === "number"
      ? (MsgType[value] ?? value)
      : key === "code" && typeof value === "number"
        ? (StatusCode[value] ?? value)
        : value,
  );
  return `${name} ${kind} ${text}`;
}
