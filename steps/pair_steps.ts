/** Steps of pairs under test joined through the wire proxy: faults, restarts, recovery. */
import { expect, expectCount } from "../harness/check";
import { slavesWithin } from "../harness/observe";
import { expectPaced, expectUncrowded } from "../harness/pacing";
import {
  configRewrite,
  expectFullSyncsPaced,
  linksUpWithin,
  metaSyncsFrom,
  pingsForwardedDuring,
} from "../harness/pair";
import type { CutHow, Fault } from "../harness/proxy";
import type { Bound } from "./parameters";
import { step } from "./support";
import type { PairOptions, PikaWorld } from "./world";

const attempts = (w: PikaWorld, port: number) => metaSyncsFrom(w.wireProxy, port, w.fault?.mark ?? 0);

// --- Given -------------------------------------------------------------------------------

/** A master and a slave through the proxy, linked (PikaWorld.startPairThroughProxy says how). */
async function linkedPair(world: PikaWorld, how: PairOptions = {}): Promise<void> {
  await world.startPairThroughProxy(["slave"], how);
  await world.linkThroughProxy();
  await slavesWithin(world.clock, world.master, 5, [`127.0.0.1:${world.node("slave").port}`]);
}

step("a master and a slave under test linked through a wire proxy", function () {
  return linkedPair(this);
});

step(
  "a master and a slave under test linked through a wire proxy, with binlog files of {int} bytes",
  function (bytes: number) {
    return linkedPair(this, { extra: { "binlog-file-size": String(bytes) } });
  },
);

step("a master of the reference and a slave under test linked through a wire proxy", function () {
  return linkedPair(this, { standIn: { name: "master" } });
});

step("a master under test and a slave of the reference linked through a wire proxy", function () {
  return linkedPair(this, { standIn: { name: "slave" } });
});

step(
  "a master and a slave under test sharing one replication_id, with a wire proxy in front of the master",
  function () {
    return this.startPairThroughProxy(["slave"]);
  },
);

step(
  "a master under test with requirepass {string} and a slave under test without masterauth, with a wire proxy in front of the master",
  function (requirepass: string) {
    return this.startPairThroughProxy(["slave"], { master: { requirepass } });
  },
);

step(
  "a master under test and {int} new slave(s) under test \\(no replication_id), with a wire proxy in front of the master",
  function (k: number) {
    const names = k === 1 ? ["slave"] : Array.from({ length: k }, (_, i) => `slave${i + 1}`);
    return this.startPairThroughProxy(names, { newSlaves: true });
  },
);

step(
  "a master under test and {int} slaves under test linked to it through a wire proxy",
  async function (k: number) {
    await this.startPairThroughProxy(Array.from({ length: k }, (_, i) => `slave${i + 1}`));
    await this.linkThroughProxy(10);
  },
);

step(
  "a master of the reference's {word} profile and a slave under test sharing one replication_id, with a wire proxy in front of the master",
  function (profile: string) {
    return this.startPairThroughProxy(["slave"], { standIn: { name: "master", profile } });
  },
);

step(
  "a master of Pika 4.0 and a new slave under test \\(no replication_id), with a wire proxy in front of the master",
  function () {
    const standIn = { name: "master", profile: "pika-4.0", exceptFor: "4.0" } as const;
    return this.startPairThroughProxy(["slave"], { newSlaves: true, standIn });
  },
);

step(
  "a master under test and a slave of the reference's {word} profile sharing one replication_id, with a wire proxy in front of the master",
  function (profile: string) {
    return this.startPairThroughProxy(["slave"], { standIn: { name: "slave", profile } });
  },
);

step("the proxy {proxyFault}", function (fault: Fault) {
  return this.wireProxy.add(fault);
});

step("the slave under test has written its configuration with CONFIG REWRITE", async function () {
  const reply = await configRewrite(this.node("slave"), this.trace);
  expect(reply === "OK", "CONFIG REWRITE answered OK", reply);
});

// --- When --------------------------------------------------------------------------------

for (const text of [
  "the slave( under test) is told SLAVEOF the master through the proxy",
  "the slaves are told SLAVEOF the master through the proxy",
])
  step(text, async function () {
    this.markFault();
    await this.linkThroughProxy(0);
  });

step("the proxy {proxyCut}", function (how: CutHow) {
  this.markFault();
  this.wireProxy.cut({ port: "repl" }, how);
});

step("the {node} under test is restarted", async function (name: string) {
  await this.node(name).restart();
  this.markFault(); // budgets count from the restarted node's first PONG
});

// --- Then --------------------------------------------------------------------------------

step(
  "the slave sent {bound} {int} MetaSync through the proxy since the fault",
  function (bound: Bound, n: number) {
    expectCount("MetaSync after the fault", attempts(this, this.node("slave").port).length, bound, n);
  },
);

step(
  "during {duration} the slave sends at most {int} MetaSync through the proxy, none less than {duration} apart",
  async function (s: number, atMost: number, minS: number) {
    const [origin, port] = [this.fault?.at ?? 0, this.node("slave").port];
    await this.clock.during(s);
    expectPaced("MetaSync from the slave", attempts(this, port), { atMost, minS, origin });
  },
);

step(
  "during {duration} the slave sends at most {int} DBSync and at most {int} requests for the snapshot's file list through the proxy, each none less than {duration} after the one before",
  async function (s: number, dbSyncs: number, fileLists: number, minS: number) {
    await this.clock.during(s);
    const origin = this.fault?.at ?? 0;
    expectFullSyncsPaced(this.wireProxy, this.node("slave").port, { dbSyncs, fileLists, minS, origin });
  },
);

step(
  "during {duration} pings reach the slave with no gap over {duration}",
  function (s: number, gap: number) {
    return pingsForwardedDuring(this.clock, this.wireProxy, s, gap);
  },
);

step("within {duration} INFO on every slave shows master_link_status:up", function (s: number) {
  return linksUpWithin(this.clock, this.slaves, s);
});

step(
  "each slave sent at most {int} MetaSync through the proxy since the fault, none less than {duration} apart",
  function (atMost: number, minS: number) {
    const origin = this.fault?.at ?? 0;
    for (const sl of this.slaves)
      expectPaced(`MetaSync from ${sl.name}`, attempts(this, sl.port), { atMost, minS, origin });
  },
);

step(
  "at most {int} of the slaves' first MetaSync after the fault fall within any {duration}",
  function (most: number, s: number) {
    const firsts = this.slaves.flatMap((sl) => attempts(this, sl.port).slice(0, 1));
    expectUncrowded(firsts, most, s, this.fault?.at ?? 0);
  },
);
