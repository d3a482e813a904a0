/**
 * Loopback sockets that the clock knows about, and port allocation. Everything the kit opens
 * binds or connects to 127.0.0.1 only.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { Clock } from "./clock";
import { ownerAlive, ownerId } from "./owner";

export const LOOPBACK = "127.0.0.1";
/** Pika's port offsets from P. */
export const REPL_SHIFT = 2000;
export const RSYNC_SHIFT = 10001;

/** Connects to 127.0.0.1:port; resolves once connected, rejects with the socket error. */
export function connect(clock: Clock, port: number, timeoutMs?: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: LOOPBACK, port });
    clock.track(socket);
    const timer =
      timeoutMs === undefined
        ? undefined
        : clock.setTimeout(() => socket.destroy(new Error(`connect to ${port} timed out`)), timeoutMs);
    socket.once("connect", () => {
      clock.clearTimeout(timer);
      socket.removeListener("error", onError);
      resolve(socket);
    });
    const onError = (err: Error) => {
      clock.clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", onError);
  });
}

/** A server on 127.0.0.1 that knows its accepted sockets, so closing it leaves nothing open. */
export class Listener {
  readonly sockets = new Set<net.Socket>();
  private constructor(readonly server: net.Server) {}

  /** Listens on 127.0.0.1:port; every accepted socket is tracked before `onSocket` sees it. */
  static open(clock: Clock, port: number, onSocket: (s: net.Socket) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((socket) => {
        clock.track(socket);
        listener.sockets.add(socket);
        socket.once("close", () => listener.sockets.delete(socket));
        onSocket(socket);
      });
      const listener = new Listener(server);
      server.once("error", reject);
      server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
        server.removeListener("error", reject);
        resolve(listener);
      });
    });
  }

  /** Stops listening and destroys every accepted socket. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (!this.server.listening) return Promise.resolve();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: LOOPBACK, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** Node ports P live in [10000, 12000): P+2000 and P+10001 then never meet another P. */
const FIRST_PORT = 10_000;
const LAST_PORT = 12_000;

/**
 * The node ports of Pika's own CI (tests/integration and tests/unit start nodes on 9221, 9231,
 * 9241, 9251 and 9261-9281), with their +2000 and +10001: a kit run on the same host as Pika's
 * tests never takes one of them. In [10000, 12000) that leaves out P = 11221, 11231, 11241, 11251
 * and 11261-11281.
 */
export const PIKA_CI_PORTS: readonly number[] = [
  9221,
  9231,
  9241,
  9251,
  ...Array.from({ length: 21 }, (_, i) => 9261 + i),
];
const RESERVED = new Set(PIKA_CI_PORTS.flatMap((p) => [p, p + REPL_SHIFT, p + RSYNC_SHIFT]));
/** True when P, P+2000 or P+10001 is one of Pika's CI ports. */
export const reservedForPikaCi = (p: number) =>
  [p, p + REPL_SHIFT, p + RSYNC_SHIFT].some((q) => RESERVED.has(q));

/** Where every kit process on this machine records the node ports it holds. */
export const CLAIM_DIR = path.join(os.tmpdir(), "pika-conformance-ports");

function readClaim(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Writes `content` to `file` all at once: readers see no file or the whole content, never a part. */
function writeWhole(file: string, content: string, exclusive: boolean): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, content);
  try {
    if (!exclusive) {
      fs.renameSync(tmp, file);
      return true;
    }
    fs.linkSync(tmp, file); // fails with EEXIST when the file is there
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return false;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** How long an empty claim (one a kit of an older version was writing when it died) is left alone. */
const EMPTY_CLAIM_MS = 10_000;

/**
 * Claims port P for this process in `dir`: a claim file holding the owner's id, created whole and
 * exclusively (written aside, then hard-linked into place, so no other process ever reads it half
 * written and takes it for an abandoned claim); a claim whose owner is gone (a killed run) is
 * taken over under a per-port lock, so two processes can never both believe they hold P.
 */
export function claimPort(port: number, dir = CLAIM_DIR, me = ownerId()): boolean {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, String(port));
  if (writeWhole(file, me, true)) return true;
  const owner = readClaim(file);
  if (owner === me) return true;
  if (owner && ownerAlive(owner)) return false;
  if (
    owner === "" &&
    Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < EMPTY_CLAIM_MS
  )
    return false;
  const lock = `${file}.lock`;
  try {
    fs.mkdirSync(lock);
  } catch {
    // Another process is taking it over; a lock left by a process killed in between expires.
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 10_000) fs.rmSync(lock, { recursive: true, force: true });
    return false;
  }
  try {
    const now = readClaim(file);
    if (now !== undefined && now !== owner && ownerAlive(now)) return false;
    return writeWhole(file, me, now === undefined);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Gives up a claim this process holds. */
export function releasePort(port: number, dir = CLAIM_DIR, me = ownerId()): void {
  const file = path.join(dir, String(port));
  if (readClaim(file) === me) fs.rmSync(file, { force: true });
}

/**
 * Hands out node ports P such that P, P+2000 and P+10001 are free, below the ephemeral range and
 * none of Pika's CI ports, and claimed for this process on this machine: two runs at once (or the
 * parallel workers of one) never get the same P, whatever --parallel is. A port stays claimed until
 * it is released (a scenario's target releases its ports when it is disposed) or the process exits.
 */
export class PortAllocator {
  private next: number;
  private readonly held = new Set<number>();
  constructor(
    private readonly dir = CLAIM_DIR,
    start = FIRST_PORT + ((process.pid * 7) % (LAST_PORT - FIRST_PORT)),
    /** Whose claims these are: this process, unless a test plays another. */
    private readonly me = ownerId(),
  ) {
    this.next = start;
    allocators.add(this);
  }

  /** Gives up every claim (at process exit). */
  releaseHeld(): void {
    for (const p of this.held) releasePort(p, this.dir, this.me);
    this.held.clear();
  }

  async allocate(): Promise<number> {
    for (let tried = 0; tried < LAST_PORT - FIRST_PORT; tried++) {
      const p = this.next++;
      if (this.next >= LAST_PORT) this.next = FIRST_PORT; // round robin: a port just released waits its turn
      if (reservedForPikaCi(p) || this.held.has(p) || !claimPort(p, this.dir, this.me)) continue;
      if ((await portFree(p)) && (await portFree(p + REPL_SHIFT)) && (await portFree(p + RSYNC_SHIFT))) {
        this.held.add(p);
        return p;
      }
      releasePort(p, this.dir, this.me);
    }
    throw new Error(
      `no free node port in [${FIRST_PORT}, ${LAST_PORT}): every P is claimed by a kit process (${this.dir}) or in use`,
    );
  }

  release(port: number): void {
    if (this.held.delete(port)) releasePort(port, this.dir, this.me);
  }

  /** A scope of allocations released together (one scenario's target). */
  scope(): PortScope {
    return new PortScope(this);
  }
}

export class PortScope {
  private readonly mine: number[] = [];
  constructor(private readonly allocator: PortAllocator) {}
  async allocate(): Promise<number> {
    const p = await this.allocator.allocate();
    this.mine.push(p);
    return p;
  }
  releaseAll(): void {
    for (const p of this.mine.splice(0)) this.allocator.release(p);
  }
}

const allocators = new Set<PortAllocator>();
process.once("exit", () => {
  for (const a of allocators) a.releaseHeld();
});

/** The process's allocator. */
export const ports = new PortAllocator();
