/**
 * What every driver's node has in common: it listens on 127.0.0.1, replication on P+2000, and
 * INFO and PING go over a Redis-protocol connection of their own.
 */
import { LOOPBACK, REPL_SHIFT } from "../net";
import { type Admin, pingProblem } from "./admin";
import type { Info } from "./info";

export abstract class LoopbackNode {
  readonly host = LOOPBACK;
  abstract readonly port: number;
  abstract admin(): Promise<Admin>;

  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  /** Why P does not answer PING with PONG; undefined when it does. */
  protected pingProblem(): Promise<string | undefined> {
    return pingProblem(() => this.admin());
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
