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
    const timer = timeoutMs === undefined ? undefined : clock.setTimeout(() => socket.destroy(new Error(`connect to ${port} timed out`)), timeoutMs);
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

/** Listens on 127.0.0.1:port; every accepted socket is tracked before `onSocket` sees it. */
export function listen(clock: Clock, port: number, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      clock.track(socket);
      onSocket(socket);
    });
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port, exclusive: true }, () => {
      server.removeListener("error", reject);
      resolve(server);
    });
  });
}

/** Closes a server and destroys the sockets it accepted. */
export function closeServer(server: net.Server | undefined): Promise<void> {
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
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
 * range. Each parallel worker gets its own range (CUCUMBER_WORKER_ID), and a process never
 * hands out the same P twice, so a port of a node still shutting down is never reused.
 */
export class PortAllocator {
  private next: number;
  private readonly end: number;
  constructor(worker = Number(process.env.CUCUMBER_WORKER_ID ?? 0), base = 10000, span = 1000) {
    this.next = base + (worker % 10) * span;
    this.end = Math.min(this.next + span, base + REPL_SHIFT, EPHEMERAL_START - RSYNC_SHIFT);
    // P in [10000, 12000) keeps P+2000 below 14000 and P+10001 below 22001: no overlaps between roles.
  }
  async allocate(): Promise<number> {
    while (this.next < this.end) {
      const p = this.next++;
      if ((await portFree(p)) && (await portFree(p + REPL_SHIFT)) && (await portFree(p + RSYNC_SHIFT))) return p;
    }
    throw new Error(`no free node port left in this worker's range (ending at ${this.end})`);
  }
}
