/**
 * Readiness and PING (harness/targets/readiness.ts, admin.ts pingProblem): a probe is PING on P
 * through the kit's Redis-protocol client, after AUTH when there is a password, then a connect to
 * P+2000, both within the probe's timeout; waitReady repeats it until the budget, and gives up at
 * once when the node goes away. The node here is a scripted RESP server, so every way a node can
 * answer badly is one line.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, describe, test } from "node:test";
import { LOOPBACK, ports, REPL_SHIFT } from "../harness/net";
import { encodeReply, type Reply, RespParser } from "../harness/reference/resp";
import { Admin, pingProblem } from "../harness/targets/admin";
import { probeOnce, waitReady } from "../harness/targets/readiness";

const scope = ports.scope();
const servers: net.Server[] = [];
after(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  scope.releaseAll();
});

/** What a scripted node answers to a command; undefined: it never answers. */
type Script = (argv: string[]) => Reply | undefined;

/** Pika's answers, with requirepass `password` when given. */
const pika =
  (password?: string): Script =>
  ([name = "", ...args]) => {
    switch (name.toLowerCase()) {
      case "auth":
        return args[0] === password ? { simple: "OK" } : { error: "ERR invalid password" };
      case "ping":
        return { simple: "PONG" };
      case "info":
        return { bulk: "# Server\r\npika_version:4.0.1\r\n" };
      default:
        return { error: `ERR unknown command '${name}'` };
    }
  };

interface Node {
  port: number;
  /** The commands it received, in order, connection after connection. */
  seen: string[][];
}

function listen(port: number, onSocket: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer(onSocket);
    server.once("error", reject);
    server.listen({ host: LOOPBACK, port }, () => resolve(server));
    servers.push(server);
  });
}

/** A scripted node on P (a fresh one unless given); with `repl`, also a listener on P+2000. */
async function scripted(script: Script, { repl = true, port = 0 } = {}): Promise<Node> {
  const node: Node = { port: port || (await scope.allocate()), seen: [] };
  await listen(node.port, (s) => {
    const parser = new RespParser();
    s.on("error", () => {});
    s.on("data", (d: Buffer) => {
      for (const argv of parser.push(d)) {
        node.seen.push(argv);
        const reply = script(argv);
        if (reply) s.write(encodeReply(reply));
      }
    });
  });
  if (repl) await listen(node.port + REPL_SHIFT, (s) => s.destroy());
  return node;
}

const pings = (n: Node) => n.seen.filter(([c]) => c?.toLowerCase() === "ping").length;

describe("one readiness probe", () => {
  test("a node that answers PONG after AUTH and accepts on P+2000 is ready", async () => {
    const n = await scripted(pika("pw"));
    assert.equal(await probeOnce(n.port, "pw"), undefined);
    const auth = n.seen.findIndex(([c]) => c?.toLowerCase() === "auth");
    const ping = n.seen.findIndex(([c]) => c?.toLowerCase() === "ping");
    assert.ok(auth >= 0 && auth < ping, `AUTH, then PING: ${JSON.stringify(n.seen)}`);
    assert.equal(pings(n), 1);
  });

  test("each way of not being ready says what went wrong", async () => {
    const noRepl = await scripted(pika(), { repl: false });
    assert.match(
      (await probeOnce(noRepl.port)) ?? "",
      new RegExp(`^P\\+2000=${noRepl.port + REPL_SHIFT}: connect ECONNREFUSED`),
    );
    const wrongPassword = await scripted(pika("pw"));
    assert.match(
      (await probeOnce(wrongPassword.port, "nope")) ?? "",
      /^P does not answer: .*invalid password/,
    );
    const loading = await scripted((argv) =>
      argv[0]?.toLowerCase() === "ping" ? { error: "LOADING Pika is loading" } : pika()(argv),
    );
    assert.match((await probeOnce(loading.port)) ?? "", /^PING answered .*LOADING Pika is loading/);
    const closed = await scope.allocate(); // nothing listens on it
    assert.match(
      (await probeOnce(closed)) ?? "",
      new RegExp(`^P does not answer: cannot reach 127\\.0\\.0\\.1:${closed} .*ECONNREFUSED`),
    );
  });

  test("a node that accepts and never answers fails the probe within its timeout", async () => {
    const silent = await scripted(() => undefined);
    const start = Date.now();
    assert.match((await probeOnce(silent.port, undefined, 300)) ?? "", /no answer in 300 ms|PING in 300 ms/);
    const took = Date.now() - start;
    assert.ok(took >= 250 && took < 1500, `took ${took} ms`);
  });
});

describe("pingProblem: the one way the kit PINGs a node", () => {
  test("PONG is no problem; anything else is, and the connection is closed either way", async () => {
    const n = await scripted(pika());
    const opened: Admin[] = [];
    const open = async () => {
      const a = await Admin.open(n.port);
      opened.push(a);
      return a;
    };
    assert.equal(await pingProblem(open), undefined);
    const other = await scripted((argv) =>
      argv[0]?.toLowerCase() === "ping" ? { simple: "PANG" } : pika()(argv),
    );
    assert.equal(await pingProblem(() => Admin.open(other.port)), "PING answered PANG");
    const failing = () => Promise.reject(new Error("no route"));
    assert.equal(await pingProblem(failing), "P does not answer: no route");
    assert.equal(opened.length, 1);
    await assert.rejects(opened[0]?.call("ping") ?? Promise.reject(new Error("not opened")), /closed/i);
  });
});

describe("waiting until a node is ready", () => {
  test("probes again until the node answers", async () => {
    const port = await scope.allocate();
    const start = Date.now();
    const late = new Promise<Node>((resolve) => setTimeout(() => resolve(scripted(pika(), { port })), 300));
    await waitReady({ port, budgetMs: 10_000, what: "node late" });
    assert.ok(Date.now() - start >= 300, "not ready before its P opened");
    assert.equal(pings(await late), 1);
  });

  test("gives up at once when the node goes away, saying why", async () => {
    const port = await scope.allocate(); // never opens
    const start = Date.now();
    const gone = new Promise<string>((resolve) => setTimeout(() => resolve("exited with status 3"), 100));
    await assert.rejects(
      waitReady({ port, budgetMs: 30_000, gone, what: "node master" }),
      /^Error: node master exited before answering PING: exited with status 3$/,
    );
    assert.ok(Date.now() - start < 2000, "it did not wait out the budget");
  });

  test("gives up at the budget with the last problem", async () => {
    const port = await scope.allocate();
    await assert.rejects(waitReady({ port, budgetMs: 300, what: "node master" }), (e: Error) => {
      const want = `node master did not answer PING within 0.3 s (last: P does not answer: cannot reach 127.0.0.1:${port} `;
      assert.ok(e.message.startsWith(want), e.message);
      return true;
    });
  });
});
