/**
 * The wire proxy on real loopback sockets and a virtual clock: forwarding on the three ports,
 * frame decoding and recording, every fault, and cleanup. Masters are a byte echo (built with
 * harness/net.ts Listener) or the reference master, driven by the probe slave through the proxy.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { type TestContext, test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { connect, Listener, ports, REPL_SHIFT, RSYNC_SHIFT } from "../harness/net";
import { ProbeSlave } from "../harness/probe/slave";
import { type Fault, type ProxyOptions, RST_GRACE_MS, WireProxy } from "../harness/proxy";
import { behaviourOf, CONFORMANT } from "../harness/reference/behaviour";
import { PikaConf } from "../harness/reference/conf";
import { ReferenceNode } from "../harness/reference/node";
import { Trace } from "../harness/trace/trace";
import { encodeFrame, encodeRequest, MsgType, rawFrame, req, StatusCode } from "../harness/wire";
import { encodeRsyncRequest, RsyncType, rsyncReq } from "../harness/wire/rsync";

const SLAVE = { ip: "127.0.0.1", port: 40000 };
const KEY = "127.0.0.1:40000";

function newClock(seed = 1): VirtualClock {
  return new VirtualClock(new Rng(seed));
}

/** What a client socket has received, and how it ended. */
class Peer {
  readonly chunks: Buffer[] = [];
  ended = false;
  error: string | undefined;
  closed = false;
  constructor(readonly socket: Socket) {
    socket.on("data", (c: Buffer) => this.chunks.push(c));
    socket.on("end", () => {
      this.ended = true;
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      this.error ??= e.code;
    });
    socket.on("close", () => {
      this.closed = true;
    });
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A master that echoes every byte on P, P+2000 and P+10001, and keeps its accepted sockets as Peers. */
async function echoMaster(t: TestContext, clock: VirtualClock) {
  const port = await ports.allocate();
  const accepted: Peer[] = [];
  const listeners = await Promise.all(
    [0, REPL_SHIFT, RSYNC_SHIFT].map((shift) =>
      Listener.open(clock, port + shift, (s) => {
        accepted.push(new Peer(s));
        s.on("data", (c: Buffer) => s.write(c));
      }),
    ),
  );
  t.after(() => Promise.all(listeners.map((l) => l.close())));
  return { port, accepted };
}

async function referenceMaster(
  t: TestContext,
  clock: VirtualClock,
  behaviour = CONFORMANT,
): Promise<ReferenceNode> {
  const port = await ports.allocate();
  const node = new ReferenceNode(new PikaConf(undefined, PikaConf.render({ port })), clock, behaviour);
  await node.start();
  t.after(() => node.stop());
  return node;
}

async function startProxy(
  t: TestContext,
  clock: VirtualClock,
  masterPort: number,
  options: ProxyOptions = {},
) {
  const proxy = await WireProxy.start(clock, masterPort, options);
  t.after(() => proxy.close());
  return proxy;
}

/** A client of the proxy's port, tracked by the clock. */
async function client(t: TestContext, clock: VirtualClock, port: number): Promise<Peer> {
  const peer = new Peer(await connect(clock, port));
  t.after(() => peer.socket.destroy());
  return peer;
}

/** A reference master, a proxy in front of it, and a probe slave pointed at the proxy's P'+2000. */
async function throughProxy(t: TestContext, seed = 1) {
  const clock = newClock(seed);
  const trace = new Trace(clock);
  const node = await referenceMaster(t, clock);
  const proxy = await startProxy(t, clock, node.port, { trace });
  const probe = new ProbeSlave(clock, trace, proxy.replPort, SLAVE);
  t.after(() => probe.close());
  return { clock, trace, node, proxy, probe };
}

const frameOf = (body: Uint8Array) => encodeFrame(body);
const metaSyncFrame = frameOf(encodeRequest(req.metaSync(SLAVE)));

test("P and P+10001 are forwarded byte for byte, both ways, in order", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  const rng = new Rng(5);
  for (const port of [proxy.port, proxy.rsyncPort]) {
    const c = await client(t, clock, port);
    const sent: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const chunk = Buffer.from(rng.hex(1 + rng.int(600)));
      sent.push(chunk);
      c.socket.write(chunk);
    }
    const all = Buffer.concat(sent);
    await clock.within(5, () => c.bytes.length >= all.length);
    assert.deepEqual(c.bytes, all);
  }
  assert.deepEqual(
    proxy.connections.map((c) => c.label),
    ["redis#1", "rsync#2"],
  );
  assert.equal(proxy.frames.length, 0, "plain L4 ports are not decoded");
});

test("requests on P+10001 are read and recorded on the way, their bytes forwarded unchanged", async (t) => {
  const clock = newClock();
  const trace = new Trace(clock);
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port, { trace });
  const c = await client(t, clock, proxy.rsyncPort);
  const meta = encodeFrame(encodeRsyncRequest(rsyncReq.meta("db0")));
  const file = encodeFrame(encodeRsyncRequest(rsyncReq.file("db0", 1, "0/keys.json", 0, 4096)));
  const all = Buffer.concat([meta, file, meta]);
  // Split mid-header and mid-body: the reader reassembles, the bytes go on as they came.
  for (const at of [
    [0, 2],
    [2, meta.length + 5],
    [meta.length + 5, all.length],
  ] as const)
    c.socket.write(all.subarray(at[0], at[1]));
  await clock.within(5, () => c.bytes.length >= all.length);
  assert.deepEqual(c.bytes, all);
  assert.deepEqual(
    proxy.rsyncRequests.map((r) => [r.conn, r.request?.type, r.request?.fileReq?.filename]),
    [
      [1, RsyncType.kRsyncMeta, undefined],
      [1, RsyncType.kRsyncFile, "0/keys.json"],
      [1, RsyncType.kRsyncMeta, undefined],
    ],
  );
  assert.equal(proxy.frames.length, 0, "P+2000's frame list holds replication frames only");
  assert.equal(
    trace.events.filter((e) => e.kind === "frame" && /^kRsyncMeta db=db0/.test(e.summary)).length,
    2,
  );
  c.socket.write(encodeFrame(Buffer.from([0xff, 0xff])));
  await clock.within(5, () => proxy.rsyncRequests.length === 4);
  assert.match(proxy.rsyncRequests[3]?.error ?? "", /./, "an undecodable request is recorded with why");
});

test("every replication frame is decoded and recorded with clock time, connection and direction", async (t) => {
  const { clock, trace, node, proxy, probe } = await throughProxy(t);
  const c = await probe.register("A");
  await probe.trySync(c, "db0");
  assert.equal(node.master.slaves.size, 1);
  const seen = proxy.frames.map((f) => [
    f.direction,
    f.msg?.type,
    f.msg && "code" in f.msg ? f.msg.code : undefined,
  ]);
  assert.deepEqual(seen, [
    ["toMaster", MsgType.kMetaSync, undefined],
    ["toSlave", MsgType.kMetaSync, StatusCode.kOk],
    ["toMaster", MsgType.kTrySync, undefined],
    ["toSlave", MsgType.kTrySync, StatusCode.kOk],
  ]);
  assert.ok(
    proxy.frames.every((f) => f.conn === 1 && !f.discarded && f.faults.length === 0 && f.at === clock.now()),
  );
  const recorded = trace.events.filter((e) => e.conn === "repl#1" && e.kind === "frame");
  assert.deepEqual(
    recorded.map((e) => [e.from, e.to, e.summary.split(" ")[0]]),
    [
      ["slave", "master", "kMetaSync"],
      ["master", "slave", "kMetaSync"],
      ["slave", "master", "kTrySync"],
      ["master", "slave", "kTrySync"],
    ],
  );
  assert.ok(recorded.every((e) => (e.bytes ?? 0) > 4));
});

test("an undecodable frame and bytes after a refused header are forwarded unchanged", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  const c = await client(t, clock, proxy.replPort);
  const garbage = frameOf(Buffer.from([0xff, 0xff, 0xff]));
  const stream = Buffer.concat([metaSyncFrame, garbage, rawFrame(0), Buffer.from("tail bytes")]);
  for (let i = 0; i < stream.length; i += 7) c.socket.write(stream.subarray(i, i + 7));
  await clock.within(5, () => c.bytes.length >= stream.length);
  assert.deepEqual(c.bytes, stream, "the echo saw exactly what the client sent");
  const toMaster = proxy.framesOf("toMaster");
  assert.equal(toMaster.length, 2);
  assert.equal(toMaster[0]?.msg?.type, MsgType.kMetaSync);
  assert.match(toMaster[1]?.error ?? "", /cannot decode|invalid/);
  assert.ok(proxy.trace.events.some((e) => e.kind === "raw" && /zero-length/.test(e.summary)));
});

test("an undecodable frame reaches the reference master, which closes the connection", async (t) => {
  const { clock, node, probe } = await throughProxy(t);
  const c = await probe.register("A");
  c.sendRaw(frameOf(Buffer.from([0xff, 0xff])), "garbage body");
  await c.closedWithin(1);
  await clock.within(1, () => node.master.slaves.size === 0);
});

test("drop: the first MetaSync response is dropped, the next one arrives", async (t) => {
  const { clock, proxy, probe } = await throughProxy(t);
  await proxy.add({ kind: "drop", direction: "toSlave", match: { type: MsgType.kMetaSync }, times: 1 });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await clock.during(3);
  assert.equal(c.responses(MsgType.kMetaSync).length, 0);
  assert.ok(proxy.trace.events.some((e) => e.kind === "fault" && /dropped/.test(e.summary)));
  assert.deepEqual(proxy.framesOf("toSlave")[0]?.faults, ["drop#1: dropped"]);
  c.send(probe.metaSync());
  assert.equal((await c.reply(MsgType.kMetaSync, 1)).code, StatusCode.kOk);
});

test("a 3.5 master's MetaSync reply (no db_instance_num) is read in the schema it is told, so a fault can match it", async (t) => {
  for (const masterSchema of ["3.5", undefined] as const) {
    const clock = newClock();
    const node = await referenceMaster(t, clock, behaviourOf("pika-3.5"));
    const proxy = await startProxy(t, clock, node.port, { masterSchema });
    await proxy.add({ kind: "drop", direction: "toSlave", match: { type: MsgType.kMetaSync }, times: 1 });
    const probe = new ProbeSlave(clock, proxy.trace, proxy.replPort, SLAVE, { schema: "3.5" });
    t.after(() => probe.close());
    const c = await probe.connect("A");
    c.send(probe.metaSync());
    await clock.during(3);
    const [frame] = proxy.framesOf("toSlave");
    if (masterSchema) {
      assert.equal(frame?.msg?.type, MsgType.kMetaSync);
      assert.deepEqual(frame?.faults, ["drop#1: dropped"]);
      assert.equal(c.responses(MsgType.kMetaSync).length, 0);
    } else {
      assert.match(frame?.error ?? "", /db_instance_num/, "read as 4.0 it lacks a required field");
      assert.equal(c.responses(MsgType.kMetaSync).length, 1, "an undecodable frame matches no fault");
    }
  }
});

test("delay: the TrySync reply is held 25 s while the pings after it are not", async (t) => {
  const { clock, proxy, probe } = await throughProxy(t);
  const c = await probe.register("A");
  await proxy.add({ kind: "delay", direction: "toSlave", match: { type: MsgType.kTrySync }, ms: 25_000 });
  const sent = clock.now();
  c.send(req.trySync(SLAVE, "db0"));
  await c.reply(MsgType.kTrySync, 30);
  const reply = c.received.find((r) => r.msg?.type === MsgType.kTrySync);
  assert.ok(reply, "the TrySync reply was received");
  const arrived = reply.at;
  assert.equal(arrived - sent, 25_000);
  // The session times out at 20 s (the probe never acks), so about 9 pings go by first.
  const pings = c.pings().filter((at) => at < arrived);
  assert.ok(pings.length >= 5, `pings forwarded while the reply was held: ${pings.length}`);
});

test("delay: a frame still held when its connection closes is lost, and the trace says so", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  await proxy.add({ kind: "delay", direction: "toSlave", ms: 10_000 });
  const c = await client(t, clock, proxy.replPort);
  c.socket.write(metaSyncFrame);
  await clock.during(1);
  c.socket.end();
  await clock.during(10);
  assert.deepEqual([c.bytes.length, c.closed], [0, true]);
  assert.equal(proxy.connections[0]?.state, "closed");
  assert.ok(proxy.trace.events.some((e) => /1 delayed frame\(s\) not forwarded/.test(e.summary)));
});

test("duplicate: the master gets the MetaSync twice and answers both", async (t) => {
  const { node, proxy, probe } = await throughProxy(t);
  await proxy.add({ kind: "duplicate", direction: "toMaster", match: { type: MsgType.kMetaSync } });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await c.reply(MsgType.kMetaSync, 1, 2);
  assert.equal(proxy.framesOf("toSlave").length, 2);
  assert.equal(node.master.slaves.size, 1);
});

test("corrupt: a corrupted MetaSync makes the reference master close the connection", async (t) => {
  const { clock, node, proxy, probe } = await throughProxy(t);
  await proxy.add({ kind: "corrupt", direction: "toMaster", match: { type: MsgType.kMetaSync } });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await c.closedWithin(1);
  assert.equal(c.received.length, 0);
  await clock.settle();
  assert.equal(node.master.slaves.size, 0);
});

test("cut (fin) after the MetaSync kOk: the slave gets kOk then FIN; the master sees the close", async (t) => {
  const { clock, node, proxy, probe } = await throughProxy(t);
  await proxy.add({
    kind: "cut",
    direction: "toSlave",
    match: { type: MsgType.kMetaSync, code: StatusCode.kOk },
    how: "fin",
    times: 1,
  });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await c.closedWithin(1);
  assert.equal(c.responses(MsgType.kMetaSync)[0]?.code, StatusCode.kOk);
  await clock.within(1, () => node.master.slaves.size === 0);
  assert.equal(proxy.connections[0]?.state, "closed");
});

for (const how of ["fin", "rst"] as const) {
  test(`cut (${how}) after frame 3: both sides get ${how === "fin" ? "a FIN" : "a RST"} after the 3rd frame`, async (t) => {
    const clock = newClock();
    const master = await echoMaster(t, clock);
    const proxy = await startProxy(t, clock, master.port);
    await proxy.add({ kind: "cut", direction: "toSlave", skip: 2, times: 1, how });
    const c = await client(t, clock, proxy.replPort);
    c.socket.write(Buffer.concat([metaSyncFrame, metaSyncFrame, metaSyncFrame, metaSyncFrame]));
    await clock.within(1, () => c.closed && master.accepted[0]?.closed);
    assert.deepEqual(c.bytes, Buffer.concat([metaSyncFrame, metaSyncFrame, metaSyncFrame]));
    const m = master.accepted[0];
    assert.ok(m, "the master accepted the connection");
    if (how === "fin") {
      assert.deepEqual([c.ended, c.error, m.ended, m.error], [true, undefined, true, undefined]);
    } else {
      assert.deepEqual([c.error, m.error], ["ECONNRESET", "ECONNRESET"]);
      assert.equal(c.ended, false);
    }
  });
}

test(`a RST after a frame waits ${RST_GRACE_MS} ms of clock time so the frame is read first`, async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  await proxy.add({ kind: "cut", direction: "toSlave", how: "rst" });
  const c = await client(t, clock, proxy.replPort);
  const start = clock.now();
  c.socket.write(metaSyncFrame);
  await clock.within(1, () => c.closed);
  assert.equal(clock.now() - start, RST_GRACE_MS);
  assert.deepEqual(c.bytes, metaSyncFrame);
});

test("a cut now: fin and rst on open connections; an unknown selector throws", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  const a = await client(t, clock, proxy.port);
  const b = await client(t, clock, proxy.replPort);
  await clock.settle();
  assert.deepEqual(proxy.cut({ port: "redis" }, "fin"), [1]);
  assert.deepEqual(proxy.cut({ conn: 2 }, "rst"), [2]);
  await clock.within(1, () => a.closed && b.closed && master.accepted.every((p) => p.closed));
  assert.deepEqual([a.ended, a.error, b.error], [true, undefined, "ECONNRESET"]);
  assert.deepEqual(
    master.accepted.map((p) => p.error),
    [undefined, "ECONNRESET"],
  );
  assert.throws(() => proxy.cut({ port: "repl" }, "fin"), /no open proxy connection/);
});

test("FIN and RST from either side are passed on to the other", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  const a = await client(t, clock, proxy.port);
  const b = await client(t, clock, proxy.port);
  await clock.settle();
  a.socket.end(); // slave FIN → master FIN
  b.socket.resetAndDestroy(); // slave RST → master RST
  await clock.within(1, () => master.accepted.every((p) => p.closed));
  assert.deepEqual(
    master.accepted.map((p) => [p.ended, p.error]),
    [
      [true, undefined],
      [false, "ECONNRESET"],
    ],
  );
  const c = await client(t, clock, proxy.port);
  await clock.settle();
  const third = master.accepted[2];
  assert.ok(third, "the master accepted the third connection");
  third.socket.end(); // master FIN → slave FIN
  await clock.within(1, () => c.closed);
  assert.deepEqual([c.ended, c.error], [true, undefined]);
});

test("a refused master port: the proxy resets the slave's connection", async (t) => {
  const clock = newClock();
  const nobody = await ports.allocate();
  const proxy = await startProxy(t, clock, nobody);
  const c = await client(t, clock, proxy.replPort);
  await clock.within(1, () => c.closed);
  assert.equal(c.error, "ECONNRESET");
  assert.ok(proxy.trace.events.some((e) => /refused/.test(e.summary)));
});

test("half-open: the slave's side is closed, the master keeps its socket and SlaveItem until its idle close", async (t) => {
  const { clock, node, proxy, probe } = await throughProxy(t);
  const c = await probe.register("A");
  await probe.syncSession(c, "db0");
  await clock.during(5);
  assert.deepEqual(proxy.cut({ port: "repl" }, "half-open"), [1]);
  await c.closedWithin(1);
  await clock.during(10);
  const item = node.master.slaves.get(KEY);
  assert.ok(item, "the master still has the SlaveItem");
  assert.equal(item.conn.conn.closed, false, "the master's socket is still open");
  assert.match(node.info("replication"), /connected_slaves:1\r\nslave0:ip=127\.0\.0\.1,port=40000/);
  assert.equal(proxy.connections[0]?.state, "half-open");
  const discarded = proxy.framesOf("toSlave").filter((f) => f.discarded);
  assert.ok(discarded.length >= 4, `the master's pings went nowhere: ${discarded.length}`);
  assert.ok(proxy.trace.events.some((e) => /\[discarded: half-open\]/.test(e.summary)));
  // Nothing reaches the master any more, so its 180 s read-idle timer closes the old socket.
  await clock.within(181, () => node.master.slaves.size === 0);
  await clock.within(1, () => proxy.connections[0]?.state === "closed");
});

test("half-open as a frame fault: right after the MetaSync kOk", async (t) => {
  const { clock, node, proxy, probe } = await throughProxy(t);
  await proxy.add({
    kind: "cut",
    direction: "toSlave",
    match: { type: MsgType.kMetaSync, code: StatusCode.kOk },
    how: "half-open",
    times: 1,
  });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await c.closedWithin(1);
  assert.equal(c.responses(MsgType.kMetaSync)[0]?.code, StatusCode.kOk);
  await clock.during(5);
  assert.equal(node.master.slaves.get(KEY)?.conn.conn.closed, false);
  // The slave comes back on a new connection: the fault was used up, so it works.
  const b = await probe.register("B");
  assert.equal(b.closed, false);
});

test("silence: new connections are accepted and never answered; removing it lets new ones through", async (t) => {
  const { clock, node, proxy, probe } = await throughProxy(t);
  const name = await proxy.add({ kind: "silence", port: "repl" });
  const c = await probe.connect("A");
  c.send(probe.metaSync());
  await clock.during(5);
  assert.deepEqual([c.received.length, c.closed, node.master.slaves.size], [0, false, 0]);
  assert.equal(proxy.connections[0]?.state, "silenced");
  assert.ok(proxy.trace.events.some((e) => /kMetaSync .*\[discarded: silenced\]/.test(e.summary)));
  await proxy.remove(name);
  await probe.register("B");
  c.send(probe.metaSync());
  await clock.during(2);
  assert.equal(c.received.length, 0, "a silenced connection stays silent");
});

test("refuse for 20 s: connects fail with ECONNREFUSED, open connections go on, then it listens again", async (t) => {
  const { clock, proxy, probe } = await throughProxy(t);
  const before = await probe.connect("A");
  await proxy.add({ kind: "refuse", port: "repl", forMs: 20_000 });
  await assert.rejects(connect(clock, proxy.replPort), /ECONNREFUSED/);
  await probe.register("A");
  assert.equal(before.closed, false);
  await clock.during(19);
  await assert.rejects(connect(clock, proxy.replPort), /ECONNREFUSED/);
  await clock.during(1);
  assert.equal(proxy.faults.length, 0);
  await probe.register("B");
});

test("latency with jitter on both directions delays the MetaSync round trip by 2 × (300 ± 100) ms", async (t) => {
  const rtts: number[] = [];
  for (const seed of [1, 1, 2]) {
    const { clock, proxy, probe } = await throughProxy(t, seed);
    for (const direction of ["toMaster", "toSlave"] as const)
      await proxy.add({ kind: "latency", direction, port: "repl", ms: 300, jitterMs: 100 });
    const c = await probe.connect("A");
    const sent = clock.now();
    c.send(probe.metaSync());
    await c.reply(MsgType.kMetaSync, 1);
    const [reply] = c.received;
    assert.ok(reply, "the MetaSync reply was received");
    rtts.push(reply.at - sent);
  }
  for (const rtt of rtts) assert.ok(rtt >= 400 && rtt <= 800, `rtt ${rtt}`);
  assert.equal(rtts[0], rtts[1], "same seed, same delay");
});

test("bandwidth: 5000 bytes at 1000 B/s take 5 s one way", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  await proxy.add({ kind: "bandwidth", direction: "toMaster", port: "redis", bytesPerSecond: 1000 });
  const c = await client(t, clock, proxy.port);
  const data = Buffer.from(new Rng(3).hex(5000));
  const start = clock.now();
  c.socket.write(data);
  await clock.within(10, () => c.bytes.length === data.length);
  assert.equal(clock.now() - start, 5000);
  assert.deepEqual(c.bytes, data);
});

test("faults added and removed while a connection runs lose and reorder nothing they do not touch", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  const c = await client(t, clock, proxy.replPort);
  const faults: Fault[] = [
    { kind: "latency", direction: "toMaster", ms: 40, jitterMs: 30 },
    { kind: "drop", direction: "toSlave", match: { type: MsgType.kDBSync } },
    { kind: "bandwidth", direction: "toSlave", bytesPerSecond: 20_000 },
    { kind: "delay", direction: "toMaster", match: { conn: 99 }, ms: 1000 },
  ];
  const sent: Buffer[] = [];
  const names: string[] = [];
  for (let i = 0; i < 40; i++) {
    const f = frameOf(encodeRequest(req.binlogSync(SLAVE, "db0", i, false)));
    sent.push(f);
    c.socket.write(f.subarray(0, 5));
    c.socket.write(f.subarray(5));
    if (i % 10 === 3) {
      const fault = faults[names.length % faults.length];
      assert.ok(fault, "a fault to add");
      names.push(await proxy.add(fault));
    }
    if (i % 10 === 7) {
      const name = names.shift();
      assert.ok(name !== undefined, "a fault to remove");
      await proxy.remove(name);
    }
    await clock.during(0.01);
  }
  const all = Buffer.concat(sent);
  await clock.within(10, () => c.bytes.length >= all.length);
  assert.deepEqual(c.bytes, all);
  assert.equal(proxy.framesOf("toMaster").length, 40);
});

test("close() leaves no socket, listener or timer behind", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await WireProxy.start(clock, master.port);
  await proxy.add({ kind: "delay", direction: "toSlave", ms: 60_000 });
  await proxy.add({ kind: "latency", direction: "toMaster", port: "redis", ms: 60_000 });
  await proxy.add({ kind: "silence", port: "rsync", forMs: 60_000 });
  const held = await client(t, clock, proxy.replPort);
  held.socket.write(metaSyncFrame);
  const slow = await client(t, clock, proxy.port);
  slow.socket.write("queued for a minute");
  const silent = await client(t, clock, proxy.rsyncPort);
  const half = await client(t, clock, proxy.replPort);
  await clock.settle();
  proxy.cut({ conn: 4 }, "half-open");
  await proxy.add({ kind: "refuse", port: "redis" });
  await clock.settle();
  assert.ok(clock.pendingTimers > 0);
  await proxy.close();
  await clock.settle();
  assert.equal(clock.pendingTimers, 0);
  assert.ok(proxy.connections.every((c) => c.state === "closed"));
  await clock.within(
    1,
    () => [held, slow, silent, half].every((p) => p.closed) && master.accepted.every((p) => p.closed),
  );
  for (const port of [proxy.port, proxy.replPort, proxy.rsyncPort])
    await assert.rejects(connect(clock, port), /ECONNREFUSED/);
  await proxy.close(); // twice is fine
});

test("a fault name is unique, and removing an unknown one says which exist", async (t) => {
  const clock = newClock();
  const master = await echoMaster(t, clock);
  const proxy = await startProxy(t, clock, master.port);
  assert.equal(await proxy.add({ kind: "drop", direction: "toSlave", name: "x" }), "x");
  await assert.rejects(
    proxy.add({ kind: "drop", direction: "toSlave", name: "x" }),
    /already has a fault named "x"/,
  );
  await assert.rejects(proxy.remove("y"), /no fault named "y" \(active: x\)/);
  await assert.rejects(proxy.add({ kind: "delay", direction: "toSlave", ms: -5 }), /ms must be/);
});
