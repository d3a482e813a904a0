/**
 * A probe slave starts its binlog session only once TrySync is answered, as Pika's slave does:
 * Pika serves requests on a thread pool, so a BinlogSync sent right behind its TrySync could be
 * served first and refused, and a scenario about what the master sends then passed or failed by
 * that race (DS-AUTH-01 on a v4.0.1 container). ProbeConnection.settled is the wait. And where
 * a probe's session starts on a master that keeps a history (ProbeSlave.startOf).
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { WriteLoad } from "../harness/data";
import { Listener, ports, REPL_SHIFT } from "../harness/net";
import { ProbeSlave } from "../harness/probe/slave";
import { ReferenceTarget } from "../harness/targets/reference";
import { Trace } from "../harness/trace/trace";
import { encodeFrame, encodeResponse, MsgType, req, res, TrySyncReply, ZERO_OFFSET } from "../harness/wire";

/** A master that answers each TrySync after `delayMs` (never, when undefined). */
async function slowMaster(t: test.TestContext, clock: VirtualClock, delayMs: number | undefined) {
  const port = await ports.allocate();
  const sockets: Socket[] = [];
  const master = await Listener.open(clock, port + REPL_SHIFT, (s) => {
    sockets.push(s);
    s.on("error", () => {});
    s.on("data", () => {
      if (delayMs === undefined) return;
      const reply = encodeFrame(encodeResponse(res.trySync("db0", TrySyncReply.kOk, ZERO_OFFSET, 0)));
      clock.setTimeout(() => s.write(reply), delayMs);
    });
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
    return master.close();
  });
  const probe = new ProbeSlave(clock, new Trace(clock), port + REPL_SHIFT, { ip: "127.0.0.1", port: 40000 });
  t.after(() => probe.close());
  return { clock, probe };
}

test("settled waits for the reply of every TrySync sent, then goes on", async (t) => {
  const { clock, probe } = await slowMaster(t, new VirtualClock(new Rng(1)), 300);
  const a = await probe.connect("A");
  const started = clock.now();
  a.send(req.trySync(probe.node, "db0"));
  await a.settled(MsgType.kTrySync, 1);
  assert.equal(a.responses(MsgType.kTrySync).length, 1);
  assert.ok(clock.now() - started >= 300, `settled after ${clock.now() - started} ms`);
});

test("settled goes on after its budget when the master stays silent, and at once when nothing was sent", async (t) => {
  const { clock, probe } = await slowMaster(t, new VirtualClock(new Rng(2)), undefined);
  const a = await probe.connect("A");
  let started = clock.now();
  await a.settled(MsgType.kTrySync, 1);
  assert.equal(clock.now() - started, 0, "nothing sent: no wait");
  a.send(req.trySync(probe.node, "db0"));
  started = clock.now();
  await a.settled(MsgType.kTrySync, 1);
  const waited = clock.now() - started;
  assert.ok(waited >= 1000 && waited < 1200, `waited ${waited} ms`);
  assert.equal(a.responses(MsgType.kTrySync).length, 0);
});

test("on a master with a history, a probe starts at the master's position when the scenario took it", async () => {
  await using t = new ReferenceTarget(1);
  const master = await t.startNode("master");
  await new WriteLoad("wearly").write(master, 30); // an earlier scenario's writes
  const atStart = (await master.info("replication")).binlogOffsets;
  const items = async (probe: ProbeSlave, label: string) => {
    const c = await probe.register(label);
    await probe.syncSession(c, "db0");
    await t.clock.during(2);
    probe.close();
    return c
      .responses(MsgType.kBinlogSync)
      .flatMap((m) => (m.binlogSync ?? []).filter((x) => x.binlog.length > 0));
  };
  const fresh = new ProbeSlave(t.clock, new Trace(t.clock), master.replPort, {
    ip: "127.0.0.1",
    port: 40000,
  });
  assert.deepEqual(fresh.startOf("db0"), { filenum: 0, offset: 0, term: 0, index: 0 });
  assert.equal((await items(fresh, "A")).length, 90, "from 0:0: the 30 earlier writes, 3 items each");
  const marked = new ProbeSlave(
    t.clock,
    new Trace(t.clock),
    master.replPort,
    { ip: "127.0.0.1", port: 40001 },
    { binlogAtStart: atStart },
  );
  const [f, o] = (atStart.get("db0") ?? "").split(" ").map(Number);
  assert.ok((o ?? 0) > 0);
  assert.deepEqual(marked.startOf("db0"), { filenum: f, offset: o, term: 0, index: 0 });
  assert.equal((await items(marked, "B")).length, 0, "from the mark: none of the earlier writes");
});
