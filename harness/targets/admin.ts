/**
 * The kit's Redis-protocol connection to a node's port P: ioredis with reconnection and the
 * offline queue off, authenticated when the node has a requirepass. Its socket is tracked by the
 * scenario's clock, so a virtual clock knows when its bytes are in flight.
 */
import type { Socket } from "node:net";
import Redis from "ioredis";
import type { Clock } from "../clock";
import { LOOPBACK } from "../net";
import { type Info, parseInfo } from "./info";

export class Admin {
  private constructor(private readonly redis: Redis) {}

  static async open(port: number, password?: string, clock?: Clock): Promise<Admin> {
    const redis = new Redis({
      host: LOOPBACK,
      port,
      password: password || undefined,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 2000,
      commandTimeout: 5000,
    });
    redis.on("error", () => {}); // surfaced through the failing command instead
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw new Error(`cannot reach ${LOOPBACK}:${port} over the Redis protocol: ${(err as Error).message}`);
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
