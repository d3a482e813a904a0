/** Steps about the master under test and what INFO shows. One line of delegation each. */
import { slavesWithin } from "../harness/observe";
import type { NodeOptions } from "../harness/targets/target";
import type { SlaveList } from "./parameters";
import { step } from "./support";
import type { PikaWorld } from "./world";

async function startMaster(w: PikaWorld, options: NodeOptions): Promise<void> {
  w.nodes.set("master", await w.target.startNode("master", options));
}

step("a master under test", function () {
  return startMaster(this, {});
});

step("a master under test with {nodeOptions}", function (options: NodeOptions) {
  return startMaster(this, options);
});

step("the master is restarted", function () {
  return this.master.restart();
});

step("within {duration} INFO on the master lists {slaveList}", function (s: number, list: SlaveList) {
  return slavesWithin(this.clock, this.master, s, this.expectedSlaves(list));
});

step(
  "after {duration} INFO on the master still lists exactly the slaves {ipports}",
  async function (s: number, list: string[]) {
    await this.clock.during(s);
    await slavesWithin(this.clock, this.master, 0, list);
  },
);
