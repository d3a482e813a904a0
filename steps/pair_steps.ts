/** Steps of pairs under test joined through the wire proxy: faults, restarts, recovery. */
import { expect } from "../harness/check";
import { slavesWithin } from "../harness/observe";
import { pacingViolation, spreadViolation, timeline } from "../harness/pacing";
import { configRewrite, linksUpWithin, metaSyncsFrom, pingsForwardedDuring, slaveof } from "../harness/pair";
import { type CutHow, type Fault, WireProxy } from "../harness/proxy";
import { MsgType } from "../harness/wire";
import { step } from "./support";
import type { PikaWorld } from "./world";

async function startPair(w: PikaWorld, slaves: string[]): Promise<void> {
  w.nodes.set("master", await w.target.startNode("master", { replicationId: w.replicationId }));
  // The slaves start together: a storm's eight would otherwise start one after another.
  const started = await Promise.all(
    slaves.map((name) => w.target.startNode(name, { replicationId: w.replicationId })),
  );
  for (const n of started) w.nodes.set(n.name, n);
  const proxy = await WireProxy.start(w.clock, w.master.port, {
    port: await w.target.allocatePort(),
    trace: w.trace,
  });
  w.proxy = proxy;
  w.defer(() => proxy.close());
}

async function linkThroughProxy(w: PikaWorld): Promise<void> {
  for (const s of w.slaves) {
    const reply = await slaveof(s, w.trace, "127.0.0.1", String(w.wireProxy.port));
    expect(reply === "OK", `SLAVEOF ${s.name} answered OK`, reply);
  }
}

const addFault = (w: PikaWorld, f: Fault) => w.wireProxy.add(f);
const attempts = (w: PikaWorld, port: number) => metaSyncsFrom(w.wireProxy, port, w.fault?.mark ?? 0);

// --- Given -------------------------------------------------------------------------------

step("a master and a slave under test linked through a wire proxy", async function () {
  await startPair(this, ["slave"]);
  await linkThroughProxy(this);
  await linksUpWithin(this.clock, this.slaves, 5);
  await slavesWithin(this.clock, this.master, 5, [`127.0.0.1:${this.node("slave").port}`]);
});

step(
  "a master and a slave under test sharing one replication_id, with a wire proxy in front of the master",
  function () {
    return startPair(this, ["slave"]);
  },
);

step(
  "a master under test and {int} slaves under test linked to it through a wire proxy",
  async function (k: number) {
    await startPair(
      this,
      Array.from({ length: k }, (_, i) => `slave${i + 1}`),
    );
    await linkThroughProxy(this);
    await linksUpWithin(this.clock, this.slaves, 10);
  },
);

step("the proxy drops the first {msgType} response", function (type: MsgType) {
  return addFault(this, { kind: "drop", direction: "toSlave", match: { type }, times: 1 });
});

step("the proxy duplicates the first MetaSync request", function () {
  return addFault(this, {
    kind: "duplicate",
    direction: "toMaster",
    match: { type: MsgType.kMetaSync },
    times: 1,
  });
});

step("the proxy delays the first TrySync response by {duration}", function (s: number) {
  return addFault(this, {
    kind: "delay",
    direction: "toSlave",
    match: { type: MsgType.kTrySync },
    ms: s * 1000,
    times: 1,
  });
});

step(
  "the proxy cuts the replication connection at the slave's first TrySync request, which it does not forward",
  function () {
    return addFault(this, {
      kind: "cut",
      direction: "toMaster",
      match: { type: MsgType.kTrySync },
      how: "fin",
      forward: false,
      times: 1,
    });
  },
);

step("the slave under test has written its configuration with CONFIG REWRITE", async function () {
  const reply = await configRewrite(this.node("slave"), this.trace);
  expect(reply === "OK", "CONFIG REWRITE answered OK", reply);
});

// --- When --------------------------------------------------------------------------------

step("the slave under test is told SLAVEOF the master through the proxy", async function () {
  this.markFault();
  await linkThroughProxy(this);
});

step("the proxy makes the replication connection half-open", function () {
  this.markFault();
  this.wireProxy.cut({ port: "repl" }, "half-open");
});

step("the proxy cuts the replication connection with {cut}", function (how: CutHow) {
  this.markFault();
  this.wireProxy.cut({ port: "repl" }, how);
});

step("the proxy cuts every replication connection at once", function () {
  this.markFault();
  this.wireProxy.cut({ port: "repl" }, "fin");
});

step("the {node} under test is restarted", async function (name: string) {
  await this.node(name).restart();
  this.markFault(); // budgets count from the restarted node's first PONG
});

// --- Then --------------------------------------------------------------------------------

step("the slave sent at most {int} MetaSync through the proxy since the fault", function (n: number) {
  const got = attempts(this, this.node("slave").port).length;
  expect(got <= n, `at most ${n} MetaSync after the fault`, `${got} MetaSync`);
});

step("the slave sent exactly {int} MetaSync through the proxy since the fault", function (n: number) {
  const got = attempts(this, this.node("slave").port).length;
  expect(got === n, `exactly ${n} MetaSync after the fault`, `${got} MetaSync`);
});

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
  function (n: number, min: number) {
    for (const sl of this.slaves) {
      const ts = attempts(this, sl.port);
      const bad = pacingViolation(ts, min, Number.POSITIVE_INFINITY);
      expect(
        ts.length <= n && !bad,
        `${sl.name}: at most ${n} MetaSync, at least ${min} s apart`,
        `${ts.length} MetaSync${bad ? `; ${bad}` : ""}`,
      );
    }
  },
);

step("within {duration} INFO on the master lists all {int} slaves", function (s: number, k: number) {
  const want = this.slaves.map((n) => `127.0.0.1:${n.port}`);
  expect(want.length === k, `${k} slaves under test`, `${want.length}`);
  return slavesWithin(this.clock, this.master, s, want);
});

step("the slaves' first MetaSync after the fault span at least {duration}", function (s: number) {
  const firsts = this.slaves.map((sl) => attempts(this, sl.port)[0]).filter((t) => t !== undefined);
  const bad = spreadViolation(firsts, s);
  expect(
    !bad,
    `the first attempts span at least ${s} s`,
    `${bad}; at ${timeline(
      firsts.sort((a, b) => a - b),
      this.fault?.at ?? 0,
    )}`,
  );
});
