/**
 * Node port allocation (harness/net.ts PortAllocator): P, P+2000 and P+10001 free, all below
 * the ephemeral range, claimed across processes, and no port handed out twice in a row.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import {
  claimPort,
  LOOPBACK,
  PIKA_CI_PORTS,
  PortAllocator,
  REPL_SHIFT,
  RSYNC_SHIFT,
  releasePort,
} from "../harness/net";
import { ownerId } from "../harness/owner";

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

const tmpClaims = () => fs.mkdtempSync(path.join(os.tmpdir(), "pika-port-claims-test-"));

describe("PortAllocator", () => {
  test("P, P+2000 and P+10001 are free, and P+10001 is below the ephemeral range", async () => {
    const a = new PortAllocator(tmpClaims());
    for (let i = 0; i < 5; i++) {
      const p = await a.allocate();
      assert.ok(p >= 10_000 && p < 12_000, `P=${p} in the node range`);
      assert.ok(p + RSYNC_SHIFT < EPHEMERAL_START, `P+10001=${p + RSYNC_SHIFT}`);
      assert.ok(await nodePortsFree(p), `node ports of ${p} are free`);
    }
  });

  test("never the same P twice in a row, even when it is released at once", async () => {
    const a = new PortAllocator(tmpClaims());
    let last = await a.allocate();
    for (let i = 0; i < 20; i++) {
      a.release(last);
      const p = await a.allocate();
      assert.notEqual(p, last);
      last = p;
    }
  });

  test("two allocators sharing the claims never hand out the same P, from the same start", async () => {
    const dir = tmpClaims();
    // Two live processes as far as the claims know: this one and pid 1.
    const a = new PortAllocator(dir, 10_000, ownerId());
    const b = new PortAllocator(dir, 10_000, ownerId(1));
    const got = [];
    for (let i = 0; i < 10; i++) got.push(await a.allocate(), await b.allocate());
    assert.equal(new Set(got).size, got.length, `a port was handed out twice: ${got.join(", ")}`);
  });

  test("a released port can be claimed by another process; a dead owner's claim is taken over", async () => {
    const dir = tmpClaims();
    assert.ok(claimPort(10_500, dir, ownerId()));
    assert.ok(!claimPort(10_500, dir, "999999 1"), "a live owner's claim is not taken");
    releasePort(10_500, dir, ownerId());
    assert.ok(claimPort(10_500, dir, "999999 1"), "a released port is free to claim");
    assert.ok(
      claimPort(10_500, dir, ownerId()),
      "the claim of a process that is gone (pid 999999) is taken over",
    );
    assert.equal(fs.readFileSync(path.join(dir, "10500"), "utf8"), ownerId());
  });

  test("a claim being written (an empty file) is not taken for an abandoned one; an old empty one is", () => {
    const dir = tmpClaims();
    fs.writeFileSync(path.join(dir, "10600"), "");
    assert.ok(!claimPort(10_600, dir, ownerId()), "a fresh empty claim is another process's, half written");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(dir, "10600"), old, old);
    assert.ok(claimPort(10_600, dir, ownerId()), "an empty claim a minute old was left by a dead writer");
    assert.equal(fs.readFileSync(path.join(dir, "10600"), "utf8"), ownerId());
  });

  test("processes claiming the same ports at once never both get one", { timeout: 60_000 }, async () => {
    const dir = tmpClaims();
    // Each claims what it can, says which, and stays alive (its claims with it) until told to go.
    const script = `const { claimPort } = require(${JSON.stringify(path.join(__dirname, "../harness/net"))});
      const won = [];
      for (let p = 10000; p < 10400; p++) if (claimPort(p, ${JSON.stringify(dir)})) won.push(p);
      process.stdout.write(JSON.stringify(won) + "\\n");
      process.stdin.on("data", () => {}).on("end", () => process.exit(0));`;
    const children = Array.from({ length: 6 }, () =>
      spawn(process.execPath, ["--require", "ts-node/register", "-e", script], {
        cwd: path.join(__dirname, ".."),
        stdio: ["pipe", "pipe", "inherit"],
      }),
    );
    try {
      const results = await Promise.all(
        children.map(
          (c) =>
            new Promise<number[]>((resolve, reject) => {
              let out = "";
              c.stdout?.on("data", (d) => {
                out += d;
                if (out.endsWith("\n")) resolve(JSON.parse(out) as number[]);
              });
              c.on("close", (code) =>
                reject(new Error(`a claimer exited (${code}) before saying what it won`)),
              );
            }),
        ),
      );
      const won = results.flat();
      assert.equal(won.length, 400, "every port went to some process");
      assert.equal(new Set(won).size, won.length, "no port went to two processes");
    } finally {
      for (const c of children) c.stdin?.end();
    }
  });

  for (const [what, shift] of [
    ["P", 0],
    ["P+2000", REPL_SHIFT],
    ["P+10001", RSYNC_SHIFT],
  ] as const) {
    test(`skips a P whose ${what} is taken, and leaves it unclaimed`, async () => {
      const dir = tmpClaims();
      const first = await new PortAllocator(dir, 11_000).allocate();
      const blocker = await occupy(first + 1 + shift);
      assert.ok(blocker, `could bind ${first + 1 + shift} to block it`);
      try {
        const p = await new PortAllocator(dir, first + 1).allocate();
        assert.ok(p > first + 1, `${p} comes after the blocked ${first + 1}`);
        assert.ok(!fs.existsSync(path.join(dir, String(first + 1))), "the blocked P is not left claimed");
      } finally {
        await close(blocker);
      }
    });
  }

  test("never hands out a P whose P, P+2000 or P+10001 is one of Pika's CI ports", async () => {
    const a = new PortAllocator(tmpClaims(), 11_260);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await a.allocate());
    for (const p of got)
      for (const q of [p, p + REPL_SHIFT, p + RSYNC_SHIFT])
        assert.ok(
          !PIKA_CI_PORTS.some((c) => [c, c + REPL_SHIFT, c + RSYNC_SHIFT].includes(q)),
          `${q} of P=${p}`,
        );
    assert.deepEqual(
      got.slice(1),
      [11_282, 11_283],
      `after 11260, 11261-11281 are skipped: ${got.join(", ")}`,
    );
  });

  test("wraps around the node range", async () => {
    const a = new PortAllocator(tmpClaims(), 11_998);
    const seen = [await a.allocate(), await a.allocate(), await a.allocate()];
    assert.ok(
      seen.some((p) => p < 11_000),
      `came back to the start of the range: ${seen.join(", ")}`,
    );
  });

  test("a scope releases what it allocated", async () => {
    const dir = tmpClaims();
    const a = new PortAllocator(dir);
    const scope = a.scope();
    const p = await scope.allocate();
    assert.ok(fs.existsSync(path.join(dir, String(p))));
    scope.releaseAll();
    assert.ok(!fs.existsSync(path.join(dir, String(p))));
  });
});
