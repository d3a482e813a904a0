/**
 * The clock seam (harness/clock.ts): the seeded RNG, the virtual clock's timers, `within` and
 * `during`, settling of real loopback I/O, and the real clock with short budgets.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { BudgetExceeded, IoTracker, RealClock, Rng, seedFrom, VirtualClock } from "../harness/clock";
import { connect, Listener, LOOPBACK } from "../harness/net";

const START = Date.UTC(2026, 0, 1);

/** Runs `f`, which must reject with BudgetExceeded; returns it. */
async function budgetExceeded(f: () => Promise<unknown>): Promise<BudgetExceeded> {
  try {
    await f();
  } catch (err) {
    assert.ok(err instanceof BudgetExceeded, `expected BudgetExceeded, got ${String(err)}`);
    return err;
  }
  assert.fail("no BudgetExceeded");
}

describe("Rng", () => {
  test("is mulberry32: known first values for seeds 0 and 1", () => {
    assert.equal(new Rng(1).next(), 0.6270739405881613);
    assert.equal(new Rng(0).next(), 0.26642920868471265);
  });

  test("the same seed gives the same sequence; another seed another one", () => {
    const a = new Rng(1234);
    const b = new Rng(1234);
    const c = new Rng(1235);
    const seq = (r: Rng) => Array.from({ length: 50 }, () => r.next());
    const sa = seq(a);
    assert.deepEqual(sa, seq(b));
    assert.notDeepEqual(sa, seq(c));
    assert.equal(new Rng(7).hex(50), new Rng(7).hex(50));
    assert.notEqual(new Rng(7).hex(50), new Rng(8).hex(50));
  });

  test("a seed is taken modulo 2^32", () => {
    assert.equal(new Rng(2 ** 32 + 5).next(), new Rng(5).next());
  });

  test("next is in [0, 1), int(n) in [0, n), hex(n) is n lowercase hex characters", () => {
    const r = new Rng(99);
    for (let i = 0; i < 2000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1, String(x));
      const k = r.int(7);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 7, String(k));
    }
    for (const n of [0, 1, 40, 50]) assert.match(new Rng(n).hex(n), new RegExp(`^[0-9a-f]{${n}}$`));
  });

  test("hex uses all sixteen digits", () => {
    assert.equal(new Set(new Rng(3).hex(400)).size, 16);
  });

  test("seedFrom takes a decimal seed from the environment, draws one when unset, refuses the rest", () => {
    assert.equal(seedFrom("12345"), 12345);
    assert.equal(seedFrom(String(2 ** 32 - 1)), 2 ** 32 - 1);
    for (const env of [undefined, ""]) {
      const s = seedFrom(env);
      assert.ok(Number.isInteger(s) && s >= 0 && s < 2 ** 32, `${env} -> ${s}`);
    }
    for (const env of ["abc", "-1", "1.5", String(2 ** 32), "12345678901"])
      assert.throws(
        () => seedFrom(env),
        /PIKA_SEED=".*" is not a seed: give a whole number from 0 to 4294967295/,
      );
  });
});

describe("VirtualClock: timers", () => {
  test("time stands still until a wait", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 0);
    assert.equal(clock.now(), START);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 1);
    await clock.during(0);
    assert.equal(fired, true);
    assert.equal(clock.now(), START);
  });

  test("timers fire in order of time, then of creation, each at its own time", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const fired: [string, number][] = [];
    const at = (name: string, ms: number) =>
      clock.setTimeout(() => fired.push([name, clock.now() - START]), ms);
    at("a", 30);
    at("b", 10);
    at("c", 10);
    at("d", 20);
    at("e", -5); // a negative delay is due now
    at("f", 0);
    await clock.during(1);
    assert.deepEqual(fired, [
      ["e", 0],
      ["f", 0],
      ["b", 10],
      ["c", 10],
      ["d", 20],
      ["a", 30],
    ]);
  });

  test("clearTimeout cancels a timer; clearing undefined or twice is harmless", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push("a"), 100);
    clock.setTimeout(() => fired.push("b"), 200);
    clock.clearTimeout(a);
    clock.clearTimeout(a);
    clock.clearTimeout(undefined);
    assert.equal(clock.pendingTimers, 1);
    await clock.during(1);
    assert.deepEqual(fired, ["b"]);
  });

  test("a timer set by a timer fires in the same window, at its own time", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const times: number[] = [];
    const tick = () => {
      times.push(clock.now() - START);
      clock.setTimeout(tick, 2000);
    };
    clock.setTimeout(tick, 2000);
    await clock.during(25);
    assert.deepEqual(
      times,
      Array.from({ length: 12 }, (_, i) => (i + 1) * 2000),
    );
    assert.equal(clock.now(), START + 25_000);
    assert.equal(clock.pendingTimers, 1);
  });

  test("during fires every timer in the window, including its last millisecond, and no later one", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const fired: number[] = [];
    for (const ms of [0, 1, 2999, 3000, 3001, 60_000])
      clock.setTimeout(() => fired.push(clock.now() - START), ms);
    await clock.during(3);
    assert.deepEqual(fired, [0, 1, 2999, 3000]);
    assert.equal(clock.now(), START + 3000);
    await clock.during(57);
    assert.deepEqual(fired, [0, 1, 2999, 3000, 3001, 60_000]);
    assert.equal(clock.now(), START + 60_000);
  });

  test("during with no timers moves time to the end of the window", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    await clock.during(30);
    assert.equal(clock.now(), START + 30_000);
  });
});

describe("VirtualClock: within", () => {
  test("returns the condition's value, at once when it already holds", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const value = { answer: 42 };
    assert.equal(await clock.within(5, () => value), value);
    assert.equal(clock.now(), START);
    assert.equal(await clock.within(5, async () => "async value"), "async value");
  });

  test("jumps straight to the next timer: a 180 s budget takes milliseconds of wall time", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    let done = false;
    clock.setTimeout(() => {
      done = true;
    }, 180_000);
    const wall = performance.now();
    let polls = 0;
    await clock.within(200, () => {
      polls++;
      return done;
    });
    assert.equal(clock.now(), START + 180_000);
    assert.equal(polls, 2, "one poll before the timer, one after");
    assert.ok(performance.now() - wall < 500, `took ${performance.now() - wall} ms of wall time`);
  });

  test("throws BudgetExceeded at the deadline, not before", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const seen: number[] = [];
    for (const ms of [1000, 9999]) clock.setTimeout(() => {}, ms);
    const e = await budgetExceeded(() =>
      clock.within(
        10,
        () => {
          seen.push(clock.now() - START);
          return false;
        },
        "the impossible",
      ),
    );
    assert.equal(e.seconds, 10);
    assert.equal(e.what, "the impossible");
    assert.match(e.message, /10 s: the impossible/);
    assert.equal(clock.now(), START + 10_000);
    assert.deepEqual(seen, [0, 1000, 9999, 10_000]);
  });

  test("a condition that comes true exactly at the deadline is met; one millisecond later is not", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    let ok = false;
    clock.setTimeout(() => {
      ok = true;
    }, 5000);
    assert.equal(await clock.within(5, () => ok), true);

    const late = new VirtualClock(new Rng(1), START);
    let lateOk = false;
    late.setTimeout(() => {
      lateOk = true;
    }, 5001);
    await budgetExceeded(() => late.within(5, () => lateOk));
    assert.equal(late.now(), START + 5000);
    assert.equal(lateOk, false, "the timer after the deadline has not fired");
    assert.equal(late.pendingTimers, 1);
  });

  test("a budget counts from the moment within is called", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    await clock.during(100);
    await budgetExceeded(() => clock.within(1, () => false));
    assert.equal(clock.now(), START + 101_000);
  });
});

/** A Listener on an ephemeral 127.0.0.1 port, with its port. */
async function listen(clock: VirtualClock, onSocket: (s: net.Socket) => void) {
  const listener = await Listener.open(clock, 0, onSocket);
  const { port } = listener.server.address() as net.AddressInfo;
  return { listener, port };
}

describe("VirtualClock: loopback I/O", () => {
  test("settle waits until an echo has come back", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const { listener, port } = await listen(clock, (s) => s.on("data", (d) => s.write(d)));
    const client = await connect(clock, port);
    const got: Buffer[] = [];
    client.on("data", (d) => got.push(d));
    try {
      client.write("hello over loopback");
      assert.equal(Buffer.concat(got).toString(), "", "nothing has arrived synchronously");
      await clock.settle();
      assert.equal(Buffer.concat(got).toString(), "hello over loopback");
      assert.equal(clock.io.busy(), undefined);
    } finally {
      client.destroy();
      await listener.close();
    }
  });

  test("settle waits through a conversation of several round trips", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    // The server answers n with n-1 until 0; the client answers likewise.
    const countdown = (s: net.Socket, log: number[]) =>
      s.on("data", (d) => {
        for (const n of d.toString().split(",").filter(Boolean).map(Number)) {
          log.push(n);
          if (n > 0) s.write(`${n - 1},`);
        }
      });
    const serverLog: number[] = [];
    const clientLog: number[] = [];
    const { listener, port } = await listen(clock, (s) => countdown(s, serverLog));
    const client = await connect(clock, port);
    countdown(client, clientLog);
    try {
      client.write("9,");
      await clock.settle();
      assert.deepEqual(serverLog, [9, 7, 5, 3, 1]);
      assert.deepEqual(clientLog, [8, 6, 4, 2, 0]);
    } finally {
      client.destroy();
      await listener.close();
    }
  });

  test("what a timer writes, and the peer's reply, are processed before within checks again", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const { listener, port } = await listen(clock, (s) => s.on("data", (d) => s.write(`re:${d}`)));
    const client = await connect(clock, port);
    let reply = "";
    client.on("data", (d) => {
      reply += d.toString();
    });
    try {
      clock.setTimeout(() => client.write("ping"), 5000);
      const got = await clock.within(60, () => reply === "re:ping" && reply);
      assert.equal(got, "re:ping");
      // Had the reply not been awaited, within would have jumped to its deadline.
      assert.equal(clock.now(), START + 5000);
    } finally {
      client.destroy();
      await listener.close();
    }
  });

  test("during lets a timer's conversation finish before the next timer fires", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const { listener, port } = await listen(clock, (s) => s.on("data", (d) => s.write(d)));
    const client = await connect(clock, port);
    const echoes: string[] = [];
    client.on("data", (d) => echoes.push(`${d}@${clock.now() - START}`));
    try {
      for (const ms of [1000, 2000, 3000]) clock.setTimeout(() => client.write(`t${ms}`), ms);
      await clock.during(10);
      assert.deepEqual(echoes, ["t1000@1000", "t2000@2000", "t3000@3000"]);
    } finally {
      client.destroy();
      await listener.close();
    }
  });

  test("IoTracker reports bytes in flight, then a pending close until the peer sees it", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    let server: net.Socket | undefined;
    let serverSawEnd = false;
    const { listener, port } = await listen(clock, (s) => {
      server = s;
      s.on("data", () => {});
      s.on("end", () => {
        serverSawEnd = true;
      });
    });
    const client = await connect(clock, port);
    try {
      await clock.settle();
      assert.ok(server, "the server accepted the connection");
      assert.equal(clock.io.busy(), undefined);
      client.write("12345");
      assert.match(clock.io.busy() ?? "", /5 byte\(s\) in flight/);
      await clock.settle();
      assert.equal(clock.io.busy(), undefined);
      client.end();
      assert.match(clock.io.busy() ?? "", /close of \d+ not yet seen by \d+/);
      assert.equal(serverSawEnd, false);
      await clock.settle();
      assert.equal(serverSawEnd, true);
      assert.equal(clock.io.busy(), undefined);
    } finally {
      client.destroy();
      await listener.close();
    }
  });

  test("IoTracker reports a connect in progress, and a socket whose peer it does not know", async () => {
    const io = new IoTracker();
    const server = net.createServer((s) => s.on("data", () => {}));
    await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
    const { port } = server.address() as net.AddressInfo;
    const socket = net.connect({ host: LOOPBACK, port });
    try {
      io.add(socket);
      assert.match(io.busy() ?? "", /connect to port .+ pending/);
      await new Promise((r) => socket.once("connect", r));
      // The accepted end was never added: the tracker cannot know the socket is quiet.
      assert.match(io.busy() ?? "", /has no peer yet/);
    } finally {
      socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  test("settle fails loudly when I/O never goes quiet", async () => {
    const clock = new VirtualClock(new Rng(1), START, 100);
    const server = net.createServer(() => {});
    await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
    const { port } = server.address() as net.AddressInfo;
    const client = await connect(clock, port); // its peer is not tracked
    try {
      await assert.rejects(clock.settle(), /did not go quiet in 100 ms \(socket .* has no peer yet\)/);
    } finally {
      client.destroy();
      server.close();
    }
  });

  test("a destroyed pair is forgotten", async () => {
    const clock = new VirtualClock(new Rng(1), START);
    const { listener, port } = await listen(clock, (s) => s.on("data", () => {}));
    const client = await connect(clock, port);
    client.destroy();
    await clock.settle();
    assert.equal(clock.io.busy(), undefined);
    await listener.close();
  });
});

describe("RealClock", () => {
  const rng = new Rng(1);

  test("now is wall time", () => {
    const c = new RealClock(rng);
    assert.ok(Math.abs(c.now() - Date.now()) < 50);
    assert.equal(c.kind, "real");
  });

  test("within returns the condition's value as soon as it holds", async () => {
    const c = new RealClock(rng, 5);
    let ready: string | undefined;
    setTimeout(() => {
      ready = "ready";
    }, 40);
    const t0 = performance.now();
    assert.equal(await c.within(1, () => ready), "ready");
    const took = performance.now() - t0;
    assert.ok(took >= 35 && took < 250, `took ${took} ms`);
  });

  test("within throws BudgetExceeded once its budget has passed, not before", async () => {
    const c = new RealClock(rng, 10);
    const t0 = performance.now();
    const e = await budgetExceeded(() => c.within(0.1, () => false, "never"));
    const took = performance.now() - t0;
    assert.equal(e.what, "never");
    assert.ok(took >= 99 && took < 300, `took ${took} ms`);
  });

  test("during lasts its window", async () => {
    const c = new RealClock(rng);
    const t0 = performance.now();
    await c.during(0.1);
    const took = performance.now() - t0;
    assert.ok(took >= 99 && took < 300, `took ${took} ms`);
  });

  test("timers fire in order; a cleared one never fires", async () => {
    const c = new RealClock(rng);
    const fired: string[] = [];
    const a = c.setTimeout(() => fired.push("a"), 10);
    c.setTimeout(() => fired.push("c"), 30);
    c.setTimeout(() => fired.push("b"), 20);
    c.clearTimeout(a);
    c.clearTimeout(undefined);
    await c.within(0.25, () => fired.length === 2);
    await c.during(0.02);
    assert.deepEqual(fired, ["b", "c"]);
  });

  test("settle resolves at once", async () => {
    const t0 = performance.now();
    await new RealClock(rng).settle();
    assert.ok(performance.now() - t0 < 50);
  });
});
