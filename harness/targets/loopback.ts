/**
 * What every driver's node has in common: it listens on 127.0.0.1, replication on P+2000, and
 * INFO and PING go over a Redis-protocol connection of their own.
 */
import { LOOPBACK, REPL_SHIFT } from "../net";
import type { Admin } from "./admin";
import type { Info } from "./info";

export abstract class LoopbackNode {
  readonly host = LOOPBACK;
  abstract readonly port: number;
  abstract admin(): Promise<Admin>;

  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  /** Why P does not answer PING with PONG; undefined when it does. */
  protected async pingProblem(): Promise<string | undefined> {
    try {
      const a = await this.admin();
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

  async info(section = "replication"): Promise<Info> {
    const a = await this.admin();
    try {
      return await a.info(section);
    } finally {
      a.close();
    }
  }
}
