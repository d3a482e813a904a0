/**
 * FrameConn (harness/conn.ts) on real loopback sockets: frames in, framing errors, close.
 */
import assert from "node:assert/strict";
import type * as net from "node:net";
import { test } from "node:test";
import { Rng, VirtualClock } from "../harness/clock";
import { FrameConn } from "../harness/conn";
import { connect, Listener } from "../harness/net";
import { encodeFrame, type FrameError, rawFrame } from "../harness/wire";

interface Served {
  frames: string[];
  errors: FrameError[];
  events: string[];
}

/** A listener whose accepted sockets are FrameConns that log what they see; and one client. */
async function pair(maxBody?: number) {
  const clock = new VirtualClock(new Rng(1));
  const served: Served = { frames: [], errors: [], events: [] };
  const listener = await Listener.open(clock, 0, (s) => {
    const c = new FrameConn(s, "server", maxBody);
    c.onFrame = (body) => {
      served.frames.push(body.toString("hex"));
      served.events.push(`frame ${body.toString("hex")}`);
    };
    c.onFrameError = (err) => {
      served.errors.push(err);
      served.events.push(`error ${err.kind}`);
    };
    c.onClose = () => served.events.push("close");
  });
  const { port } = listener.server.address() as net.AddressInfo;
  const client = await connect(clock, port);
  client.on("error", () => {});
  let clientClosed = false;
  client.on("close", () => {
    clientClosed = true;
  });
  return {
    clock,
    served,
    client,
    clientClosed: () => clientClosed,
    async dispose() {
      client.destroy();
      await listener.close();
    },
  };
}

test("frames split over several writes are delivered whole, in order", async () => {
  const p = await pair();
  try {
    const stream = Buffer.concat([
      encodeFrame(Buffer.from("0801", "hex")),
      encodeFrame(Buffer.from("0805", "hex")),
    ]);
    for (let i = 0; i < stream.length; i += 3) {
      p.client.write(stream.subarray(i, i + 3));
      await p.clock.settle();
    }
    assert.deepEqual(p.served.frames, ["0801", "0805"]);
    assert.deepEqual(p.served.errors, []);
  } finally {
    await p.dispose();
  }
});

test("the frames ahead of a bad header in the same write are handled, then the connection closes", async () => {
  const p = await pair();
  try {
    p.client.write(
      Buffer.concat([encodeFrame(Buffer.from("0801", "hex")), rawFrame(0, Buffer.from("08", "hex"))]),
    );
    await p.clock.within(1, () => p.clientClosed());
    assert.deepEqual(p.served.events, ["frame 0801", "error zero-length", "close"]);
    assert.equal(p.served.errors[0]?.hexPrefix, "08");
  } finally {
    await p.dispose();
  }
});

test("a length over the connection's limit closes it without delivering anything", async () => {
  const p = await pair(16);
  try {
    p.client.write(rawFrame(17, Buffer.alloc(17)));
    await p.clock.within(1, () => p.clientClosed());
    assert.deepEqual(p.served.events, ["error over-limit", "close"]);
    assert.equal(p.served.errors[0]?.limit, 16);
  } finally {
    await p.dispose();
  }
});

test("close() delivers every byte written before it, then the FIN", async () => {
  const clock = new VirtualClock(new Rng(2));
  let received = 0;
  let ended = false;
  const listener = await Listener.open(clock, 0, (s) => {
    s.on("data", (d: Buffer) => {
      received += d.length;
    });
    s.on("end", () => {
      ended = true;
    });
  });
  const { port } = listener.server.address() as net.AddressInfo;
  const conn = new FrameConn(await connect(clock, port), "client");
  try {
    const body = Buffer.alloc(1024 * 1024, 7);
    for (let i = 0; i < 8; i++) conn.send(body);
    conn.close();
    assert.ok(conn.closed, "nothing more is sent once close() is called");
    await clock.within(10, () => ended);
    assert.equal(received, 8 * (4 + body.length), "every frame arrived before the FIN");
  } finally {
    await listener.close();
  }
});
