/**
 * The clock seam. Every timer and timestamp of the reference nodes, the probes and the proxy
 * goes through a Clock, and scenarios wait only with `within` (a condition and a budget) or
 * `during` (an observation window).
 *
 * - RealClock: wall time, for real targets.
 * - VirtualClock: for the reference target, where both ends of every socket live in this
 *   process. Time stands still until a step waits; then the clock lets loopback I/O go quiet
 *   (every byte written has been read by its peer, every connect and close has been seen by
 *   the other side), and only then jumps to the next timer. 180 Pika-seconds pass in
 *   milliseconds, and nothing depends on how fast the machine is.
 */
import type { Socket } from "node:net";

export type TimerHandle = { readonly id: number };

/** Raised when a `within` budget runs out. */
export class BudgetExceeded extends Error {
  constructor(
    readonly seconds: number,
    readonly what: string,
  ) {
    super(`not satisfied within ${seconds} s: ${what}`);
    this.name = "BudgetExceeded";
  }
}

/** A condition: falsy means "not yet"; any other value is returned by `within`. */
export type Condition<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

export interface Clock {
  readonly kind: "real" | "virtual";
  readonly rng: Rng;
  /** Milliseconds since the Unix epoch (virtual: a fixed start plus virtual time). */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** Registers a loopback socket, so the virtual clock knows when I/O is quiet. */
  track(socket: Socket): void;
  /** Resolves once loopback I/O is quiet (virtual), or at once (real). */
  settle(): Promise<void>;
  /** Polls `condition` until it holds; throws BudgetExceeded after `seconds`. */
  within<T>(seconds: number, condition: Condition<T>, what?: string): Promise<T>;
  /** Lets `seconds` pass (the observation window of a "during" step). */
  during(seconds: number): Promise<void>;
}

/** Seeded PRNG (mulberry32): one per scenario, its seed printed when the scenario fails. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** n lowercase hex characters. */
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[this.int(16)];
    return s;
  }
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const immediate = () => new Promise<void>((r) => setImmediate(r));

export class RealClock implements Clock {
  readonly kind = "real" as const;
  private timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  constructor(
    readonly rng: Rng,
    private readonly pollMs = 20,
  ) {}
  now(): number {
    return Date.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        fn();
      }, ms),
    );
    return { id };
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (!handle) return;
    clearTimeout(this.timers.get(handle.id));
    this.timers.delete(handle.id);
  }
  track(): void {}
  async settle(): Promise<void> {
    await immediate();
  }
  async within<T>(seconds: number, condition: Condition<T>, what = "condition"): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const v = await condition();
      if (v) return v;
      if (Date.now() >= deadline) throw new BudgetExceeded(seconds, what);
      await realSleep(Math.min(this.pollMs, Math.max(1, deadline - Date.now())));
    }
  }
  async during(seconds: number): Promise<void> {
    await realSleep(seconds * 1000);
  }
}

/** Loopback sockets of the process, paired by port, to tell when no byte or event is in flight. */
export class IoTracker {
  private sockets = new Set<Socket>();
  private byKey = new Map<string, Socket>();

  add(socket: Socket): void {
    this.sockets.add(socket);
    const index = () => {
      if (socket.localPort && socket.remotePort)
        this.byKey.set(`${socket.localPort}>${socket.remotePort}`, socket);
    };
    if (socket.connecting) socket.once("connect", index);
    else index();
  }

  private peer(s: Socket): Socket | undefined {
    return s.localPort && s.remotePort ? this.byKey.get(`${s.remotePort}>${s.localPort}`) : undefined;
  }

  private forget(s: Socket): void {
    this.sockets.delete(s);
    for (const [k, v] of this.byKey) if (v === s) this.byKey.delete(k);
  }

  /** Undefined when quiet; otherwise what is still in flight. */
  busy(): string | undefined {
    for (const s of [...this.sockets]) {
      if (s.connecting) return `connect to port ${s.remotePort ?? "?"} pending`;
      const p = this.peer(s);
      if (!p) {
        if (s.destroyed) {
          this.forget(s);
          continue;
        }
        return `socket ${s.localPort}>${s.remotePort} has no peer yet`;
      }
      const closing = s.destroyed || s.writableEnded; // sent FIN, or gone
      const peerSawClose = p.destroyed || p.readableEnded;
      if (closing && !peerSawClose) return `close of ${s.localPort} not yet seen by ${p.localPort}`;
      if (!closing && !p.destroyed && s.bytesWritten !== p.bytesRead)
        return `${s.bytesWritten - p.bytesRead} byte(s) in flight ${s.localPort}>${p.localPort}`;
      if (s.destroyed && p.destroyed) {
        this.forget(s);
        this.forget(p);
      }
    }
    return undefined;
  }
}

interface VTimer {
  id: number;
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualClock implements Clock {
  readonly kind = "virtual" as const;
  readonly io = new IoTracker();
  private t: number;
  private timers: VTimer[] = [];
  private nextId = 1;
  private seq = 0;

  constructor(
    readonly rng: Rng,
    start = Date.UTC(2026, 0, 1),
    private readonly quietLimitMs = 5000,
  ) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { id: timer.id };
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers = this.timers.filter((x) => x.id !== handle.id);
  }
  track(socket: Socket): void {
    this.io.add(socket);
  }

  /** Waits (in real time) until loopback I/O is quiet; fails loudly if it never is. */
  async settle(): Promise<void> {
    const start = Date.now();
    let quietRounds = 0;
    for (;;) {
      await immediate();
      const busy = this.io.busy();
      if (busy === undefined) {
        if (++quietRounds >= 3) return;
        continue;
      }
      quietRounds = 0;
      if (Date.now() - start > this.quietLimitMs)
        throw new Error(`virtual clock: loopback I/O did not go quiet in ${this.quietLimitMs} ms (${busy})`);
      await realSleep(1);
    }
  }

  /** Runs the earliest timer due at or before `limit`; false when there is none. */
  private fireNext(limit: number): boolean {
    let next: VTimer | undefined;
    for (const x of this.timers)
      if (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq)) next = x;
    if (!next || next.at > limit) return false;
    this.timers = this.timers.filter((x) => x !== next);
    this.t = Math.max(this.t, next.at);
    next.fn();
    return true;
  }

  async within<T>(seconds: number, condition: Condition<T>, what = "condition"): Promise<T> {
    const deadline = this.t + seconds * 1000;
    for (;;) {
      await this.settle();
      const v = await condition();
      if (v) return v;
      if (this.t >= deadline) throw new BudgetExceeded(seconds, what);
      if (!this.fireNext(deadline)) this.t = deadline;
    }
  }

  async during(seconds: number): Promise<void> {
    const until = this.t + seconds * 1000;
    do await this.settle();
    while (this.fireNext(until));
    this.t = until;
    await this.settle();
  }

  /** Timers not yet fired (for tests and diagnostics). */
  get pendingTimers(): number {
    return this.timers.length;
  }
}

/** What a seed setting must look like: a whole number below 2^32, as the kit prints them. */
export const validSeed = (v: string) => /^\d{1,10}$/.test(v) && Number(v) < 2 ** 32;

/** A seed from a setting (PIKA_SEED, REFERENCE_SEED): its number, or a fresh one when unset. */
export function seedFrom(env: string | undefined, name = "PIKA_SEED"): number {
  if (!env) return Math.floor(Math.random() * 2 ** 32);
  if (!validSeed(env))
    throw new Error(`${name}="${env}" is not a seed: give a whole number from 0 to 4294967295, or unset it`);
  return Number(env);
}
