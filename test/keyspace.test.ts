/**
 * The reference node's keyspace: each string command with Pika's replies, expiry on a virtual
 * clock, SCAN's cursors, the read-only slave, the write seam, and the commands over the real
 * Redis port.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import Redis from "ioredis";
import { RealClock, Rng, VirtualClock } from "../harness/clock";
import { ports } from "../harness/net";
import { PikaConf } from "../harness/reference/conf";
import { globMatch, Keyspace, READ_ONLY, type Session, type Write } from "../harness/reference/keyspace";
import { ReferenceNode } from "../harness/reference/node";
import { encodeReply, type Reply } from "../harness/reference/resp";

const OK = { simple: "OK" };
const NIL = { bulk: null };
const NOT_INT = { error: "ERR value is not an integer or out of range" };
const OVERFLOW = { error: "ERR increment or decrement would overflow" };
const arity = (name: string) => ({ error: `ERR wrong number of arguments for '${name}' command` });

/** A keyspace on a virtual clock, with a command runner on one session and the writes it reported. */
function fixture(databases = 1, pksetexatInt32Ms = false) {
  const clock = new VirtualClock(new Rng(1));
  const writes: Write[] = [];
  const state = { slave: false };
  const ks = new Keyspace(clock, {
    databases,
    readOnly: () => state.slave,
    onWrite: (w) => writes.push(w),
    pksetexatInt32Ms,
  });
  const session: Session = { db: 0 };
  const run = (line: string, s: Session = session): Reply | undefined => {
    const [name = "", ...args] = line.split(" ");
    return ks.execute(name, args, s);
  };
  return { clock, ks, run, writes, state, session };
}

describe("keyspace: SET and GET", () => {
  test("SET stores, GET reads, a missing key is nil", () => {
    const { run } = fixture();
    assert.deepEqual(run("get k"), NIL);
    assert.deepEqual(run("set k v"), OK);
    assert.deepEqual(run("get k"), { bulk: "v" });
    assert.deepEqual(run("set k w"), OK);
    assert.deepEqual(run("get k"), { bulk: "w" });
  });

  test("wrong arity names the command", () => {
    const { run } = fixture();
    assert.deepEqual(run("set k"), arity("set"));
    assert.deepEqual(run("get"), arity("get"));
    assert.deepEqual(run("get a b"), arity("get"));
  });

  test("NX sets only a missing key, XX only an existing one; a refusal is nil", () => {
    const { run } = fixture();
    assert.deepEqual(run("set k v XX"), NIL);
    assert.deepEqual(run("get k"), NIL);
    assert.deepEqual(run("set k v NX"), OK);
    assert.deepEqual(run("set k w nx"), NIL);
    assert.deepEqual(run("get k"), { bulk: "v" });
    assert.deepEqual(run("set k w xx"), OK);
    assert.deepEqual(run("get k"), { bulk: "w" });
  });

  test("bad options: syntax error, a non-integer TTL, and Pika's WRONGTYPE for EX 0", () => {
    const { run } = fixture();
    assert.deepEqual(run("set k v EX"), { error: "ERR syntax error" });
    assert.deepEqual(run("set k v FOO"), { error: "ERR syntax error" });
    assert.deepEqual(run("set k v EX ten"), NOT_INT);
    assert.deepEqual(run("set k v PX 1.5"), NOT_INT);
    assert.deepEqual(run("set k v EX 0"), {
      error: "WRONGTYPE Operation against a key holding the wrong kind of value",
    });
    assert.deepEqual(run("get k"), NIL, "no option error stores the key");
  });

  test("EX and PX expire on the node's clock", async () => {
    const { clock, run } = fixture();
    run("set s v EX 10");
    run("set p v PX 1500");
    assert.deepEqual(run("ttl s"), { int: 10 });
    await clock.during(1.5);
    assert.deepEqual(run("get p"), NIL, "PX 1500 is gone after 1.5 s");
    assert.deepEqual(run("get s"), { bulk: "v" });
    assert.deepEqual(run("ttl s"), { int: 8 }, "8.5 s left, rounded down");
    await clock.during(8.5);
    assert.deepEqual(run("get s"), NIL);
    assert.deepEqual(run("ttl s"), { int: -2 });
  });

  test("a plain SET drops a TTL; SET NX on an expired key succeeds", async () => {
    const { clock, run } = fixture();
    run("set k v EX 5");
    run("set k w");
    assert.deepEqual(run("ttl k"), { int: -1 });
    run("set e v PX 100");
    await clock.during(0.1);
    assert.deepEqual(run("set e w NX"), OK);
    assert.deepEqual(run("get e"), { bulk: "w" });
  });
});

describe("keyspace: DEL, EXISTS, MSET, MGET", () => {
  test("DEL counts the keys it removed; EXISTS counts each argument", () => {
    const { run } = fixture();
    run("mset a 1 b 2 c 3");
    assert.deepEqual(run("exists a b z a"), { int: 3 });
    assert.deepEqual(run("del a b z a"), { int: 2 });
    assert.deepEqual(run("exists a b c"), { int: 1 });
    assert.deepEqual(run("del"), arity("del"));
    assert.deepEqual(run("exists"), arity("exists"));
  });

  test("MSET needs pairs; MGET answers nil for a missing key", () => {
    const { run } = fixture();
    assert.deepEqual(run("mset a 1 b"), arity("mset"));
    assert.deepEqual(run("mset a"), arity("mset"));
    assert.deepEqual(run("mset a 1 b 2"), OK);
    const reply = run("mget a z b");
    assert.deepEqual(reply, { multi: [{ bulk: "1" }, NIL, { bulk: "2" }] });
    assert.ok(reply);
    assert.equal(encodeReply(reply), "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n");
    assert.deepEqual(run("mget"), arity("mget"));
  });
});

describe("keyspace: INCR and its kin", () => {
  test("INCR, INCRBY, DECR, DECRBY from a missing key and on", () => {
    const { run } = fixture();
    assert.deepEqual(run("incr n"), { int: 1 });
    assert.deepEqual(run("incrby n 10"), { int: 11 });
    assert.deepEqual(run("decr n"), { int: 10 });
    assert.deepEqual(run("decrby n 15"), { int: -5 });
    assert.deepEqual(run("decrby m -3"), { int: 3 });
    assert.deepEqual(run("get n"), { bulk: "-5" });
  });

  test("a non-integer value or increment; wrong arity", () => {
    const { run } = fixture();
    run("set s abc");
    assert.deepEqual(run("incr s"), NOT_INT);
    assert.deepEqual(run("incrby n x"), NOT_INT);
    assert.deepEqual(run("incrby n 1.5"), NOT_INT);
    assert.deepEqual(run("incrby n 9223372036854775808"), NOT_INT, "past int64");
    assert.deepEqual(run("incr"), arity("incr"));
    assert.deepEqual(run("incrby n"), arity("incrby"));
    assert.deepEqual(run("decrby n 1 2"), arity("decrby"));
  });

  test("overflow at either end of int64 is refused and leaves the value", () => {
    const { run } = fixture();
    run("set max 9223372036854775806");
    assert.deepEqual(run("incr max"), { int: 9223372036854775807n });
    assert.deepEqual(run("incr max"), OVERFLOW);
    assert.deepEqual(run("get max"), { bulk: "9223372036854775807" });
    run("set min -9223372036854775808");
    assert.deepEqual(run("decr min"), OVERFLOW);
    assert.deepEqual(run("decrby z -9223372036854775808"), OVERFLOW, "negating int64's minimum overflows");
    const big = run("incrby max -1");
    assert.ok(big);
    assert.equal(encodeReply(big), ":9223372036854775806\r\n", "no precision lost on the wire");
  });

  test("INCR keeps the key's TTL", async () => {
    const { clock, run } = fixture();
    run("set n 1 EX 10");
    assert.deepEqual(run("incr n"), { int: 2 });
    assert.deepEqual(run("ttl n"), { int: 10 });
    await clock.during(10);
    assert.deepEqual(run("get n"), NIL);
    assert.deepEqual(run("incr n"), { int: 1 }, "an expired key counts from 0");
  });
});

describe("keyspace: EXPIRE and TTL", () => {
  test("EXPIRE sets a TTL on an existing key only; TTL is -1 without one and -2 for none", async () => {
    const { clock, run } = fixture();
    assert.deepEqual(run("expire k 5"), { int: 0 });
    run("set k v");
    assert.deepEqual(run("ttl k"), { int: -1 });
    assert.deepEqual(run("expire k 5"), { int: 1 });
    assert.deepEqual(run("ttl k"), { int: 5 });
    await clock.during(4.9);
    assert.deepEqual(run("ttl k"), { int: 0 });
    await clock.during(0.1);
    assert.deepEqual(run("exists k"), { int: 0 });
    assert.deepEqual(run("ttl k"), { int: -2 });
  });

  test("EXPIRE 0 deletes the key at once; a bad TTL or arity is refused", () => {
    const { run } = fixture();
    run("set k v");
    assert.deepEqual(run("expire k 0"), { int: 1 });
    assert.deepEqual(run("get k"), NIL);
    assert.deepEqual(run("expire k soon"), NOT_INT);
    assert.deepEqual(run("expire k"), arity("expire"));
    assert.deepEqual(run("ttl"), arity("ttl"));
  });
});

describe("keyspace: DBSIZE, FLUSHDB, SELECT", () => {
  test("DBSIZE counts live keys only", async () => {
    const { clock, run } = fixture();
    run("mset a 1 b 2");
    run("set c 3 PX 500");
    assert.deepEqual(run("dbsize"), { int: 3 });
    await clock.during(0.5);
    assert.deepEqual(run("dbsize"), { int: 2 });
    assert.deepEqual(run("dbsize x"), arity("dbsize"));
  });

  test("FLUSHDB empties the selected database only; it takes no argument", () => {
    const { run } = fixture(2);
    const other: Session = { db: 1 };
    run("set a 1");
    run("set b 2", other);
    assert.deepEqual(run("flushdb x"), { error: "ERR Invalid Argument" });
    assert.deepEqual(run("flushdb"), OK);
    assert.deepEqual(run("dbsize"), { int: 0 });
    assert.deepEqual(run("get b", other), { bulk: "2" });
  });

  test("SELECT switches this session's database within pika.conf's databases", () => {
    const { run, session } = fixture(3);
    run("set k zero");
    assert.deepEqual(run("select 2"), OK);
    assert.equal(session.db, 2);
    assert.deepEqual(run("get k"), NIL, "each database is its own keyspace");
    run("set k two");
    assert.deepEqual(run("select 0"), OK);
    assert.deepEqual(run("get k"), { bulk: "zero" });
  });

  test("SELECT refuses an index out of range, or not written canonically", () => {
    const { run, session } = fixture(3);
    const range = { error: "ERR invalid DB index for 'select DB index is out of range'" };
    const invalid = { error: "ERR invalid DB index for 'select'" };
    assert.deepEqual(run("select 3"), range);
    assert.deepEqual(run("select -1"), range);
    assert.deepEqual(run("select 01"), invalid);
    assert.deepEqual(run("select one"), invalid);
    assert.deepEqual(run("select"), arity("select"));
    assert.equal(session.db, 0);
  });
});

describe("keyspace: SCAN", () => {
  /** Every key SCAN returns, cursor by cursor, until the cursor is 0 again. */
  function scanAll(
    run: (line: string) => Reply | undefined,
    extra = "",
    from = "0",
  ): { keys: string[]; calls: number } {
    const keys: string[] = [];
    let cursor = from;
    let calls = 0;
    do {
      const r = run(`scan ${cursor}${extra}`);
      assert.ok(r && "multi" in r, "SCAN answers [cursor, keys]");
      const [c, list] = r.multi;
      assert.ok(c && "bulk" in c && typeof c.bulk === "string");
      assert.ok(list && "array" in list);
      cursor = c.bulk;
      keys.push(...list.array);
      calls++;
      assert.ok(calls < 1000, "SCAN terminates");
    } while (cursor !== "0");
    return { keys, calls };
  }

  test("visits every key exactly once across cursors", () => {
    const { run } = fixture();
    const all = Array.from({ length: 57 }, (_, i) => `key:${i}`);
    for (const k of all) run(`set ${k} v`);
    const { keys, calls } = scanAll(run, " COUNT 5");
    assert.equal(calls, 12, "57 keys, 5 per call");
    assert.equal(new Set(keys).size, keys.length, "no key twice");
    assert.deepEqual([...keys].sort(), [...all].sort());
  });

  test("a key present throughout is seen even when others come and go mid-scan", () => {
    const { run } = fixture();
    for (let i = 0; i < 30; i++) run(`set k${String(i).padStart(2, "0")} v`);
    const first = run("scan 0 COUNT 10");
    assert.ok(first && "multi" in first);
    const [cursor, keys] = first.multi;
    assert.ok(cursor && "bulk" in cursor && cursor.bulk !== null && cursor.bulk !== "0");
    assert.ok(keys && "array" in keys);
    run("del k05 k15");
    run("set k99 v");
    const seen = [...keys.array, ...scanAll(run, " COUNT 10", cursor.bulk).keys];
    for (let i = 0; i < 30; i++) {
      const k = `k${String(i).padStart(2, "0")}`;
      if (k !== "k05" && k !== "k15") assert.ok(seen.includes(k), `${k} seen`);
    }
    assert.equal(new Set(seen).size, seen.length, "no key twice");
  });

  test("MATCH filters; expired keys are not listed; bad options are refused", async () => {
    const { clock, run } = fixture();
    run("mset user:1 a user:2 b order:1 c");
    run("set user:3 d PX 10");
    await clock.during(0.01);
    assert.deepEqual(scanAll(run, " MATCH user:*").keys.sort(), ["user:1", "user:2"]);
    assert.deepEqual(scanAll(run, " MATCH *:[12] COUNT 100").keys.sort(), ["order:1", "user:1", "user:2"]);
    assert.deepEqual(run("scan x"), NOT_INT);
    assert.deepEqual(run("scan 0 COUNT 0"), NOT_INT);
    assert.deepEqual(run("scan 0 MATCH"), { error: "ERR syntax error" });
    assert.deepEqual(run("scan 0 LIMIT 3"), { error: "ERR syntax error" });
    assert.deepEqual(run("scan"), arity("scan"));
  });

  test("glob patterns as Redis and Pika match them", () => {
    assert.ok(globMatch("h?llo", "hello"));
    assert.ok(!globMatch("h?llo", "hllo"));
    assert.ok(globMatch("h*o", "ho"));
    assert.ok(globMatch("h[ae]llo", "hallo"));
    assert.ok(!globMatch("h[^e]llo", "hello"));
    assert.ok(globMatch("h[a-c]llo", "hbllo"));
    assert.ok(globMatch("a\\*b", "a*b"));
    assert.ok(!globMatch("a\\*b", "axb"));
  });
});

describe("keyspace: lists (RPUSH, LLEN, LRANGE) and TYPE", () => {
  const WRONGTYPE = { error: "WRONGTYPE Operation against a key holding the wrong kind of value" };

  test("RPUSH appends and answers the length; LRANGE counts from either end", () => {
    const { run, writes } = fixture();
    assert.deepEqual(run("llen l"), { int: 0 });
    assert.deepEqual(run("rpush l a b"), { int: 2 });
    assert.deepEqual(run("rpush l c"), { int: 3 });
    assert.deepEqual(run("llen l"), { int: 3 });
    assert.deepEqual(run("lrange l 0 -1"), { array: ["a", "b", "c"] });
    assert.deepEqual(run("lrange l 1 1"), { array: ["b"] });
    assert.deepEqual(run("lrange l -2 10"), { array: ["b", "c"] });
    assert.deepEqual(run("lrange l 2 1"), { array: [] });
    assert.deepEqual(run("lrange nothing 0 -1"), { array: [] });
    // Pika logs RPUSH as it came: applied twice, the entry is there twice.
    assert.deepEqual(
      writes.map((w) => w.log),
      [[["rpush", "l", "a", "b"]], [["rpush", "l", "c"]]],
    );
  });

  test("a list is not a string and back (Pika's WRONGTYPE); TYPE, MGET and SCAN TYPE tell them apart", () => {
    const { run } = fixture();
    run("rpush l a");
    run("set s v");
    for (const line of ["get l", "incr l", "rpush s x", "llen s", "lrange s 0 -1"])
      assert.deepEqual(run(line), WRONGTYPE, line);
    assert.deepEqual(run("type l"), { simple: "list" });
    assert.deepEqual(run("type s"), { simple: "string" });
    assert.deepEqual(run("type none"), { simple: "none" });
    assert.deepEqual(run("mget l s"), { multi: [NIL, { bulk: "v" }] });
    assert.deepEqual(run("scan 0 type list"), { multi: [{ bulk: "0" }, { array: ["l"] }] });
    assert.deepEqual(run("scan 0 type string"), { multi: [{ bulk: "0" }, { array: ["s"] }] });
    assert.deepEqual(run("set l v"), OK, "SET replaces a list");
    assert.deepEqual(run("get l"), { bulk: "v" });
  });

  test("a saved keyspace loads back with its lists", () => {
    const a = fixture();
    a.run("rpush l x y");
    a.run("set s v");
    const b = fixture();
    b.ks.load(JSON.parse(JSON.stringify(a.ks.save())));
    assert.deepEqual(b.run("lrange l 0 -1"), { array: ["x", "y"] });
    assert.deepEqual(b.run("get s"), { bulk: "v" });
  });
});

describe("keyspace: a slave is read-only; writes are reported", () => {
  test("every write command is refused on a slave, after its arguments are checked; reads work", () => {
    const { run, state } = fixture();
    run("set k v");
    state.slave = true;
    for (const line of [
      "set k w",
      "del k",
      "incr n",
      "incrby n 2",
      "decr n",
      "decrby n 2",
      "mset a 1",
      "expire k 5",
      "flushdb",
    ])
      assert.deepEqual(run(line), READ_ONLY, line);
    assert.equal(READ_ONLY.error, "ERR READONLY You can't write against a read only replica.");
    assert.deepEqual(run("set k"), arity("set"), "arity comes first, as in Pika");
    assert.deepEqual(run("incrby n x"), NOT_INT, "so do the arguments");
    assert.deepEqual(run("get k"), { bulk: "v" });
    assert.deepEqual(run("dbsize"), { int: 1 });
    assert.deepEqual(run("select 0"), OK);
  });

  test("the write seam reports applied writes only, with their database and time", async () => {
    const { clock, run, writes } = fixture(2);
    run("set k v");
    run("set k w NX");
    run("get k");
    run("del absent");
    await clock.during(3);
    run("select 1");
    run("incr n");
    assert.deepEqual(
      writes.map((w) => [w.db, w.argv.join(" ")]),
      [
        [0, "set k v"],
        [1, "incr n"],
      ],
    );
    assert.equal((writes[1]?.at ?? 0) - (writes[0]?.at ?? 0), 3000);
  });

  test("each write carries what Pika's binlog records for it", () => {
    const { clock, run, writes } = fixture();
    const now = Math.floor(clock.now() / 1000);
    run("set k v");
    run("set t v EX 10");
    run("set p v PX 2500");
    run("set n v NX EX 10");
    run("incr c");
    run("incrby t 0"); // t holds "v": refused, nothing logged
    run("set t 5 EX 10");
    run("incrby t 3");
    run("mset a 1 b 2");
    run("del a b absent");
    run("expire k 100");
    run("flushdb");
    assert.deepEqual(
      writes.map((w) => w.log.map((c) => c.join(" "))),
      [
        ["set k v"],
        [`pksetexat t ${now + 10} v`],
        [`pksetexat p ${now + 2} v`],
        ["set n v NX EX 10"],
        ["pksetexat c 0 1"],
        [`pksetexat t ${now + 10} 5`],
        [`pksetexat t ${now + 10} 8`],
        ["set a 1", "set b 2"],
        ["del a", "del b", "del absent"],
        [`expireat k ${now + 100}`],
        ["flushdb"],
      ],
    );
    assert.ok(writes.every((w) => !w.replicated));
  });

  test("PKSETEXAT and EXPIREAT, the binlog's forms, apply with absolute times", async () => {
    const { clock, run } = fixture();
    const now = Math.floor(clock.now() / 1000);
    assert.deepEqual(run(`pksetexat k ${now + 5} v`), OK);
    assert.deepEqual(run("ttl k"), { int: 5 }, "the clock is on a second boundary");
    assert.deepEqual(run("pksetexat n 0 v"), OK);
    assert.deepEqual(run("ttl n"), { int: -1 }, "0 is no expiry");
    assert.deepEqual(run("pksetexat gone -1 v"), OK);
    assert.deepEqual(run("get gone"), NIL, "a negative time is already past");
    assert.deepEqual(run("pksetexat k 2147483647 v"), NOT_INT);
    assert.deepEqual(run(`expireat n ${now + 60}`), { int: 1 });
    assert.deepEqual(run("ttl n"), { int: 60 });
    assert.deepEqual(run("expireat absent 1"), { int: 0 });
    assert.deepEqual(run(`expireat n ${now}`), { int: 1 });
    assert.deepEqual(run("get n"), NIL, "a time already past deletes the key");
    await clock.during(6);
    assert.deepEqual(run("get k"), NIL);
  });

  test("with pksetexatInt32Ms (Pika since #2857) PKSETEXAT wraps its milliseconds to 32 bits: the key is expired at once", () => {
    const { clock, run } = fixture(1, true);
    const now = Math.floor(clock.now() / 1000);
    assert.deepEqual(run(`pksetexat k ${now + 5} v`), OK);
    assert.deepEqual(run("get k"), NIL, "a date in 1970, or a negative one: past either way");
    assert.deepEqual(run("pksetexat n 0 v"), OK);
    assert.deepEqual(run("ttl n"), { int: -1 }, "0 still means no expiry");
    assert.deepEqual(run("set plain v ex 5"), OK);
    assert.deepEqual(run("ttl plain"), { int: 5 }, "only the binlog's form is wrong, not SET EX itself");
  });

  test("a replicated write passes the read-only check and is reported as replicated", () => {
    const { ks, state, writes, session } = fixture();
    state.slave = true;
    assert.deepEqual(ks.execute("set", ["k", "v"], session), READ_ONLY);
    assert.deepEqual(ks.execute("set", ["k", "v"], session, true), OK);
    assert.deepEqual(ks.execute("get", ["k"], session), { bulk: "v" });
    assert.deepEqual(
      writes.map((w) => [w.argv.join(" "), w.replicated]),
      [["set k v", true]],
    );
    assert.deepEqual(
      ks.execute("set", ["k", "w"], session),
      READ_ONLY,
      "the next client write is refused again",
    );
  });

  test("a command the keyspace does not know is left to the node", () => {
    const { run } = fixture();
    assert.equal(run("ping"), undefined);
  });
});

describe("keyspace: through the reference node's Redis port", () => {
  let cleanup: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function node(databases = 2): Promise<{ node: ReferenceNode; client: () => Redis }> {
    const port = await ports.allocate();
    const n = new ReferenceNode(
      new PikaConf(undefined, PikaConf.render({ port, databases })),
      new RealClock(new Rng(1)),
    );
    await n.start();
    cleanup.push(() => n.stop());
    const client = () => {
      const c = new Redis({ port, host: "127.0.0.1", lazyConnect: false, maxRetriesPerRequest: 0 });
      cleanup.push(() => c.disconnect());
      return c;
    };
    return { node: n, client };
  }

  test("SET, GET, INCR, MGET and SCAN over TCP", async () => {
    const { client } = await node();
    const c = client();
    assert.equal(await c.set("k", "v"), "OK");
    assert.equal(await c.get("k"), "v");
    assert.equal(await c.incr("n"), 1);
    assert.equal(await c.incrby("n", 41), 42);
    assert.deepEqual(await c.mget("k", "missing", "n"), ["v", null, "42"]);
    assert.deepEqual(await c.scan("0"), ["0", ["k", "n"]]);
    await assert.rejects(c.incr("k"), /ERR value is not an integer or out of range/);
    assert.equal(await c.ping(), "PONG", "the node's own commands still answer");
  });

  test("SELECT is per connection", async () => {
    const { client } = await node(2);
    const [a, b] = [client(), client()];
    assert.equal(await a.select(1), "OK");
    await a.set("k", "one");
    assert.equal(await b.get("k"), null, "the other connection is still on db0");
    assert.equal(await a.get("k"), "one");
  });

  test("after SLAVEOF the node refuses writes; SLAVEOF NO ONE lifts it", async () => {
    const { client } = await node();
    const c = client();
    await c.set("k", "v");
    // The master need not exist: Pika is read-only from SLAVEOF on, linked or not.
    assert.equal(await c.slaveof("127.0.0.1", String(await ports.allocate())), "OK");
    await assert.rejects(
      c.set("k", "w"),
      /^ReplyError: ERR READONLY You can't write against a read only replica\.$/,
    );
    assert.equal(await c.get("k"), "v");
    assert.equal(await c.slaveof("NO", "ONE"), "OK");
    assert.equal(await c.set("k", "w"), "OK");
  });
});
