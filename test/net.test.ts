/**
 * Node port allocation (harness/net.ts PortAllocator): P, P+2000 and P+10001 free, all below
 * the ephemeral range, a separate range per worker, and no port handed out twice in a row.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { describe, test } from "node:test";
import { LOOPBACK, PortAllocator, REPL_SHIFT, RSYNC_SHIFT } from "../harness/net";

const EPHEMERAL_START = 32768;

/** Listens on 127.0.0.1:port; resolves with the server, or undefined if the port is taken. */
function occupy(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(undefined));
    s.listen({ host: LOOPBACK, port, exclusive: true }, () => resolve(s));
  });
}

const close = (s: net.Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

/** True if all three node ports of P can be bound right now. */
async function nodePortsFree(p: number): Promise<boolean> {
  const held = await Promise.all([p, p + REPL_SHIFT, p + RSYNC_SHIFT].map(occupy));
  await Promise.all(held.map(close));
  return held.every((s) => s !== undefined);
}

describe("PortAllocator", () => {
  test("P, P+2000 and P+10001 are free, and P+10001 is below the ephemeral range", async () => {
    const a = new PortAllocator(0);
    for (let i = 0; i < 5; i++) {
      const p = await a.allocate();
      assert.ok(p >= 10_000 && p < 10_500, `P=${p} in worker 0's range`);
      assert.ok(p + RSYNC_SHIFT < EPHEMERAL_START, `P+10001=${p + RSYNC_SHIFT}`);
      assert.ok(p < EPHEMERAL_START - RSYNC_SHIFT);
      assert.ok(await nodePortsFree(p), `node ports of ${p} are free`);
    }
  });

  test("never the same P twice in a row, even when it is free again at once", async () => {
    const a = new PortAllocator(1);
    let last = await a.allocate();
    for (let i = 0; i < 20; i++) {
      const p = await a.allocate();
      assert.notEqual(p, last);
      last = p;
    }
  });

  test("each worker has its own range", async () => {
    const seen = new Map<number, number>();
    for (const w of [0, 1, 2, 3]) {
      const p = await new PortAllocator(w).allocate();
      assert.ok(p >= 10_000 + 500 * w && p < 10_500 + 500 * w, `worker ${w}: P=${p}`);
      seen.set(w, p);
    }
    assert.equal(new Set(seen.values()).size, 4);
    const p4 = await new PortAllocator(4).allocate();
    assert.ok(p4 >= 10_000 && p4 < 10_500, "worker 4 shares worker 0's range");
  });

  for (const [what, shift] of [
    ["P", 0],
    ["P+2000", REPL_SHIFT],
    ["P+10001", RSYNC_SHIFT],
  ] as const) {
    test(`skips a P whose ${what} is taken`, async () => {
      const first = await new PortAllocator(3).allocate();
      const blocker = await occupy(first + shift);
      assert.ok(blocker, `could bind ${first + shift} to block it`);
      try {
        const p = await new PortAllocator(3).allocate();
        assert.notEqual(p, first);
        assert.ok(p > first, `${p} comes after the blocked ${first}`);
      } finally {
        await close(blocker);
      }
    });
  }

  test("wraps around its range", async () => {
    const a = new PortAllocator(2);
    const first = await a.allocate();
    let p = first;
    let steps = 0;
    do {
      p = await a.allocate();
      steps++;
      assert.ok(p >= 11_000 && p < 11_500, `P=${p}`);
    } while (p !== first && steps < 600);
    assert.equal(p, first, "the allocator came back to its first port");
  });
});
