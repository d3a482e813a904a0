/** Steps of the data plane: a write load on the master, and what the slave holds of it (harness/data.ts). */
import {
  binlogOffsetWithin,
  describeOutcome,
  noSilentDivergenceDuring,
  noWritesHeldDuring,
  purgeBinlogsBeforeCurrent,
  sameDataWithin,
  ttlKeyWithin,
  writeOwn,
  writesOnceWithin,
  writeWithTtl,
} from "../harness/data";
import { step } from "./support";

step("{int} writes are made on the master", function (n: number) {
  return this.load.write(this.master, n);
});

step("within {duration} the slave( under test) holds each write exactly once", function (s: number) {
  return writesOnceWithin(this.clock, this.node("slave"), this.load, s);
});

step("within {duration} every slave holds each write exactly once", async function (s: number) {
  await Promise.all(this.slaves.map((slave) => writesOnceWithin(this.clock, slave, this.load, s)));
});

step(
  "within {duration} every slave holds the same keys and values as the master",
  async function (s: number) {
    await Promise.all(
      this.slaves.map((slave) => sameDataWithin(this.clock, this.master, slave, s, this.dataScope)),
    );
  },
);

step(
  "within {duration} the slave( under test) holds the same keys and values as the master",
  function (s: number) {
    return sameDataWithin(this.clock, this.master, this.node("slave"), s, this.dataScope);
  },
);

step(
  "the master writes {word} with a TTL of {int} s by {ttlHow}",
  function (key: string, s: number, how: "SET EX" | "EXPIRE") {
    return writeWithTtl(this.master, this.load.key(key), s, how);
  },
);

step(
  "within {duration} the slave under test holds {word} with a TTL of at most {int} s",
  function (s: number, key: string, ttl: number) {
    return ttlKeyWithin(this.clock, this.node("slave"), this.load.key(key), ttl, s);
  },
);

step(
  "within {duration} INFO on the slave shows the master's binlog_offset for {word}",
  function (s: number, db: string) {
    return binlogOffsetWithin(this.clock, this.master, this.node("slave"), db, "equal to", s);
  },
);

step("the master purges its binlog files before the current one of {word}", async function (db: string) {
  await purgeBinlogsBeforeCurrent(this.master, db);
});

step("during {duration} the slave under test holds none of the writes", function (s: number) {
  return noWritesHeldDuring(this.clock, this.node("slave"), this.load, s);
});

// --- a slave whose history is not its master's (DS-DIV) ----------------------------------

step(
  "a master under test and a slave under test with another master's replication_id, with a wire proxy in front of the master",
  function () {
    return this.startPairThroughProxy(["slave"], { master: { replicationId: this.newReplicationId() } });
  },
);

step("{int} writes of its own are made on the slave under test", function (n: number) {
  return writeOwn(this.node("slave"), this.load, n);
});

for (const where of ["ahead of", "behind"] as const)
  step(
    `within {duration} INFO on the slave under test shows a binlog_offset for {word} ${where} the master's`,
    function (s: number, db: string) {
      return binlogOffsetWithin(this.clock, this.master, this.node("slave"), db, where, s);
    },
  );

step(
  "during {duration} the slave under test keeps master_link_status down, or reports it up and within {duration} holds the same keys and values as the master",
  async function (s: number, grace: number) {
    const outcome = await noSilentDivergenceDuring(this.clock, this.master, this.node("slave"), s, grace);
    this.log(describeOutcome(this.node("slave").name, outcome));
  },
);
