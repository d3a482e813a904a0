/**
 * Loopback sockets that the clock knows about, and port allocation. Everything the kit opens
 * binds or connects to 127.0.0.1 only.
 */
import * as net from "node:net";
import type { Clock } from "./clock";

export const LOOPBACK = "127.0.0.1";
/** Pika's port offsets from P. */
export const REPL_SHIFT = 2000;
export const RSYNC_SHIFT = 10001;
/** P+10001 must stay below Linux's ephemeral range (32768). */
const EPHEMERAL_START = 32768;

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

/**
 * Hands out node ports P such that P, P+2000 and P+10001 are free and below the ephemeral
 * range. Each parallel worker (CUCUMBER_WORKER_ID) gets its own range.
 */
export class PortAllocator {
  private readonly base: number;
  private readonly end: number;
  private next: number;
  /** Worker w gets [10000 + 500w, 10500 + 500w): P+2000 and P+10001 then never meet another P. */
  constructor(worker = Number(process.env.CUCUMBER_WORKER_ID ?? 0)) {
    this.base = 10000 + (worker % 4) * 500;
    this.end = Math.min(this.base + 500, EPHEMERAL_START - RSYNC_SHIFT);
    this.next = this.base;
  }
  async allocate(): Promise<number> {
    const first = this.next;
    do {
      const p = this.next++;
      if (this.next >= this.end) this.next = this.base; // wrap; ports are checked free anyway
      if ((await portFree(p)) && (await portFree(p + REPL_SHIFT)) && (await portFree(p + RSYNC_SHIFT)))
        return p;
    } while (this.next !== first);
    throw new Error(`no free node port in this worker's range [${this.base}, ${this.end})`);
  }
}

/** The process's allocator: ports are handed out in turn, so a port just released is not reused at once. */
export const ports = new PortAllocator();
