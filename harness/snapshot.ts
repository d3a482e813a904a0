/**
 * A snapshot made on a node the way an operator makes one: BGSAVE over the Redis protocol (the
 * admin connection, authenticated with the node's requirepass), then INFO stats until
 * `is_bgsaving:No`. Pika sets its bgsaving flag before BGSAVE answers and clears it when the
 * dump and its info file are written (src/pika_db.cc BgSaveDB, DoBgSave), and its rsync server
 * answers a meta request kErr while it is set; once it is clear, the dump is what P+10001
 * serves.
 */
import { BudgetExceeded, type Clock } from "./clock";
import { replyText } from "./targets/admin";
import type { SutNode } from "./targets/target";

export const BGSAVE_STARTED = "Background saving started";

/** BGSAVE of `db` on `node`, done within `budgetS`; throws (a set-up failure) otherwise. */
export async function bgsaveWithin(clock: Clock, node: SutNode, db: string, budgetS: number): Promise<void> {
  const admin = await node.admin();
  try {
    const reply = await admin.call("BGSAVE", db);
    if (reply !== BGSAVE_STARTED)
      throw new Error(`${node.name} answered BGSAVE ${db} with ${replyText(reply)}, not "${BGSAVE_STARTED}"`);
  } finally {
    admin.close();
  }
  let last: string | undefined;
  try {
    await clock.within(
      budgetS,
      async () => {
        last = (await node.info("stats")).fields.get("is_bgsaving");
        if (last === undefined) throw new Error(`INFO stats of ${node.name} has no is_bgsaving field`);
        return last.startsWith("No");
      },
      `INFO stats of ${node.name} shows is_bgsaving:No after BGSAVE ${db}`,
    );
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
    throw new Error(`${node.name} still showed is_bgsaving:${last} ${budgetS} s after BGSAVE ${db}`);
  }
}
