/** Steps of the full-sync port P+10001: a snapshot made by BGSAVE, and a client that asks for it (harness/probe/rsync.ts). */
import { describeExchanges, noSnapshotReceived, type RsyncProbe } from "../harness/probe/rsync";
import { bgsaveWithin } from "../harness/snapshot";
import { step } from "./support";
import type { PikaWorld } from "./world";

/** How long BGSAVE of a small database may take (Pika: milliseconds). */
const BGSAVE_BUDGET_S = 10;

function rsyncProbe(w: PikaWorld): RsyncProbe {
  if (!w.rsyncProbe) throw new Error("this scenario has no rsync client: add the step that asks P+10001");
  return w.rsyncProbe;
}

step("the master has saved a snapshot of {db} with BGSAVE", function (db: string) {
  return bgsaveWithin(this.clock, this.master, db, BGSAVE_BUDGET_S);
});

step(
  "a client that never authenticated asks the master's P+10001 for the snapshot of {db}, kRsyncMeta then kRsyncFile, waiting {duration} for each answer",
  async function (db: string, s: number) {
    this.log(describeExchanges(await this.startRsyncProbe(this.master).askSnapshot(db, s)));
  },
);

step("the client receives neither a file list nor file bytes", function () {
  noSnapshotReceived(rsyncProbe(this).exchanges);
});
