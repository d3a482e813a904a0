/**
 * The kit's Redis-protocol connection to a node's port P: ioredis with reconnection and the
 * offline queue off, authenticated when the node has a requirepass. Its socket is tracked by the
 * scenario's clock, so a virtual clock knows when its bytes are in flight. It is also the one way
 * the kit sends PING to a node (pingProblem: readiness, liveness).
 */
import type { Socket } from "node:net";
import Redis from "ioredis";
import type { Clock } from "../clock";
import { LOOPBACK } from "../net";
import { type Info, parseInfo } from "./info";

export class Admin {
  private constructor(private readonly redis: Redis) {}

  /**
   * Connects and authenticates. `timeoutMs` bounds all of it (connect, AUTH and ioredis's ready
   * check, whose commands each have 5 s otherwise), for probes that must give up soon.
   */
  static async open(port: number, password?: string, clock?: Clock, timeoutMs?: number): Promise<Admin> {
    const redis = new Redis({
      host: LOOPBACK,
      port,
      password: password || undefined,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: timeoutMs ?? 2000,
      commandTimeout: 5000,
    });
    // Surfaced through the failing command instead. A failed connect only says "Connection is
    // closed", so the reason ioredis reported (refused, a wrong password) is kept for its message.
    let reason: string | undefined;
    redis.on("error", (err: Error) => {
      reason = err.message;
    });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            reason = `no answer in ${timeoutMs} ms`;
            redis.disconnect();
          }, timeoutMs);
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new Error(
        `cannot reach ${LOOPBACK}:${port} over the Redis protocol: ${reason ?? (err as Error).message}`,
      );
    } finally {
      clearTimeout(timer);
    }
    // ioredis's socket, once connected (its own property; not in its type declarations).
    const stream = (redis as unknown as { stream?: Socket }).stream;
    if (clock && stream) clock.track(stream);
    return new Admin(redis);
  }

  /** Sends one command; Redis error replies come back as Error values (not thrown). */
  async call(...argv: string[]): Promise<unknown> {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error("Admin.call: no command given");
    try {
      return await this.redis.call(command, ...args);
    } catch (err) {
      if (err instanceof Error && err.name === "ReplyError") return err;
      throw err;
    }
  }

  /** Sends the commands without waiting for each reply (one pipeline); their replies, in order, errors as Error values. */
  async pipeline(commands: string[][]): Promise<unknown[]> {
    // ioredis names its command methods in lower case.
    const calls = commands.map(([name = "", ...args]) => ["call", name, ...args]);
    const results = (await this.redis.pipeline(calls).exec()) ?? [];
    return results.map(([err, reply]) => err ?? reply);
  }

  async info(section = "replication"): Promise<Info> {
    return parseInfo(String(await this.redis.call("info", section)));
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The reply to one command as text: "OK", "ERR ...", or the value. */
export function replyText(reply: unknown): string {
  return reply instanceof Error ? reply.message : String(reply);
}

/**
 * Why a node does not answer PING with PONG; undefined when it does. `open` gives the connection
 * (the node's own admin(), or Admin.open for a port), which is closed afterwards. With `timeoutMs`,
 * no answer in time is a problem too, and a connection that opens later is closed when it does.
 */
export async function pingProblem(
  open: () => Promise<Admin>,
  timeoutMs?: number,
): Promise<string | undefined> {
  const opening = open();
  if (timeoutMs === undefined) return ping(opening);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => {
      void opening.then(
        (a) => a.close(),
        () => {},
      );
      resolve(`P does not answer PING in ${timeoutMs} ms`);
    }, timeoutMs);
  });
  try {
    return await Promise.race([ping(opening), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function ping(opening: Promise<Admin>): Promise<string | undefined> {
  try {
    const a = await opening;
    try {
      const pong = await a.call("ping");
      return pong === "PONG" ? undefined : `PING answered ${String(pong)}`;
    } finally {
      a.close();
    }
  } catch (err) {
    return `P does not answer: ${(err as Error).message}`;
  }
}
