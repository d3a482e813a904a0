/**
 * The trace tells who closed a connection and why (issue 14, item 5): when the system under test
 * sends a frame header the probe refuses, the probe drops the connection itself; the trace says
 * so ("probe-slave closed the connection: frame length ... exceeds the limit"), never "master ->
 * probe-slave connection closed", and waiting for the master to close it fails.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Mismatch } from "../harness/check";
import { Rng, VirtualClock } from "../harness/clock";
import { Listener, ports, REPL_SHIFT } from "../harness/net";
import { ProbeSlave } from "../harness/probe/slave";
import { Trace } from "../harness/trace/trace";
import { rawFrame } from "../harness/wire";

test("a frame header the probe refuses is the probe's close in the trace, not the master's", async (t) => {
  const clock = new VirtualClock(new Rng(1));
  const trace = new Trace(clock);
  const port = await ports.allocate();
  // A "master" whose first bytes are a header announcing a 4 GiB frame.
  const master = await Listener.open(clock, port + REPL_SHIFT, (s) => {
    s.on("error", () => {});
    s.write(rawFrame(0xffffffff, Buffer.from("pika")));
  });
  t.after(() => master.close());
  const probe = new ProbeSlave(clock, trace, port + REPL_SHIFT, { ip: "127.0.0.1", port: 40000 });
  t.after(() => probe.close());
  const a = await probe.connect("A");
  await assert.rejects(a.closedWithin(1), (err: unknown) => {
    assert.ok(err instanceof Mismatch);
    assert.match(
      err.actual,
      /^the probe closed it, refusing a frame: frame length 4294967295 exceeds the limit/,
    );
    return true;
  });
  const dropped = trace.events.filter((e) => e.kind === "frame-error");
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]?.from, "probe-slave");
  assert.match(dropped[0]?.summary ?? "", /^probe-slave closed the connection: frame length 4294967295/);
  assert.ok(
    !trace.events.some((e) => e.kind === "close" && e.from === "master"),
    `the trace blames the master: ${JSON.stringify(trace.events)}`,
  );
});
