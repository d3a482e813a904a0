/**
 * The reference node's Redis protocol (harness/reference/resp.ts): request parsing at every
 * split point, inline commands, length errors, and every reply kind.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encodeReply, RespParser } from "../harness/reference/resp";

const b = (s: string) => Buffer.from(s);

/** Parses `chunks` with one parser and returns every command. */
function parse(...chunks: (string | Buffer)[]): string[][] {
  const p = new RespParser();
  return chunks.flatMap((c) => p.push(typeof c === "string" ? b(c) : c));
}

const INFO_REPL = "*2\r\n$4\r\nINFO\r\n$11\r\nreplication\r\n";
const CONFIG_SET = "*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$11\r\nrequirepass\r\n$6\r\npa:s s\r\n";
const AUTH_UTF8 = "*2\r\n$4\r\nAUTH\r\n$6\r\np€ss\r\n"; // € is three bytes

describe("RespParser: RESP arrays", () => {
  test("one command", () => {
    assert.deepEqual(parse(INFO_REPL), [["INFO", "replication"]]);
  });

  test("split at every byte boundary, and one byte at a time", () => {
    const stream = b(INFO_REPL + CONFIG_SET + AUTH_UTF8);
    const want = [
      ["INFO", "replication"],
      ["CONFIG", "SET", "requirepass", "pa:s s"],
      ["AUTH", "p€ss"],
    ];
    for (let i = 0; i <= stream.length; i++)
      assert.deepEqual(parse(stream.subarray(0, i), stream.subarray(i)), want, `split at ${i}`);
    assert.deepEqual(parse(...Array.from(stream, (_, i) => stream.subarray(i, i + 1))), want);
  });

  test("a partial command stays pending and returns nothing", () => {
    const p = new RespParser();
    assert.deepEqual(p.push(b("*2\r\n$4\r\nINFO\r\n$11\r\nrepli")), []);
    assert.deepEqual(p.push(b("cation\r\n")), [["INFO", "replication"]]);
  });

  test("bulk strings are taken by length: CRLF and binary-looking bytes inside are data", () => {
    assert.deepEqual(parse("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n"), [["ECHO", "a\r\nb"]]);
    assert.deepEqual(parse("*1\r\n$0\r\n\r\n"), [[""]]);
  });

  test("an empty array is an empty command", () => {
    assert.deepEqual(parse("*0\r\n"), [[]]);
  });

  test("several commands in one chunk, pipelined", () => {
    assert.deepEqual(parse(`${INFO_REPL}${INFO_REPL}PING\r\n`), [
      ["INFO", "replication"],
      ["INFO", "replication"],
      ["PING"],
    ]);
  });
});

describe("RespParser: inline commands", () => {
  test("words separated by any whitespace", () => {
    assert.deepEqual(parse("PING\r\n"), [["PING"]]);
    assert.deepEqual(parse("  config   get\trequirepass  \r\n"), [["config", "get", "requirepass"]]);
  });

  test("a blank line is an empty command", () => {
    assert.deepEqual(parse("\r\n"), [[]]);
  });

  test("split at every byte boundary", () => {
    const s = b("AUTH secret\r\nINFO replication\r\n");
    for (let i = 0; i <= s.length; i++)
      assert.deepEqual(parse(s.subarray(0, i), s.subarray(i)), [
        ["AUTH", "secret"],
        ["INFO", "replication"],
      ]);
  });
});

describe("RespParser: errors", () => {
  const cases: [string, RegExp][] = [
    ["*abc\r\n", /invalid multibulk length/],
    ["*-1\r\n", /invalid multibulk length/],
    ["*1.5\r\n", /invalid multibulk length/],
    [`*${1024 * 1024 + 1}\r\n`, /invalid multibulk length/],
    ["*1\r\n:5\r\n", /expected '\$'/],
    ["*1\r\nPING\r\n", /expected '\$'/],
    ["*1\r\n$-1\r\n", /invalid bulk length/],
    ["*1\r\n$x\r\n", /invalid bulk length/],
    ["*1\r\n$2.5\r\n", /invalid bulk length/],
    [`*1\r\n$${512 * 1024 * 1024 + 1}\r\n`, /invalid bulk length/],
  ];
  for (const [input, want] of cases)
    test(`${JSON.stringify(input)} is a protocol error`, () => {
      assert.throws(() => parse(input), want);
    });

  test("the largest multibulk and bulk lengths are accepted (and wait for data)", () => {
    assert.deepEqual(parse(`*${1024 * 1024}\r\n`), []);
    assert.deepEqual(parse(`*1\r\n$${512 * 1024 * 1024}\r\n`), []);
  });

  test("an error is raised only once its line is complete", () => {
    const p = new RespParser();
    assert.deepEqual(p.push(b("*ab")), []);
    assert.throws(() => p.push(b("c\r\n")), /invalid multibulk length/);
  });

  test("more than 64 MiB without a complete command is refused", () => {
    const p = new RespParser();
    const head = b(`*1\r\n$${RespParser.MAX_BUFFER}\r\n`);
    assert.deepEqual(p.push(head), []);
    assert.deepEqual(p.push(Buffer.alloc(RespParser.MAX_BUFFER - head.length, 0x61)), []);
    assert.throws(() => p.push(b("a")), /request too large/);
  });
});

describe("encodeReply", () => {
  test("every kind", () => {
    assert.equal(encodeReply({ simple: "OK" }), "+OK\r\n");
    assert.equal(encodeReply({ error: "ERR unknown command 'foo'" }), "-ERR unknown command 'foo'\r\n");
    assert.equal(encodeReply({ int: 42 }), ":42\r\n");
    assert.equal(encodeReply({ int: -1 }), ":-1\r\n");
    assert.equal(encodeReply({ bulk: "PONG" }), "$4\r\nPONG\r\n");
    assert.equal(encodeReply({ bulk: "" }), "$0\r\n\r\n");
    assert.equal(encodeReply({ bulk: null }), "$-1\r\n");
    assert.equal(encodeReply({ bulk: "€" }), "$3\r\n€\r\n", "a bulk length counts bytes, not characters");
    assert.equal(encodeReply({ bulk: "a\r\nb" }), "$4\r\na\r\nb\r\n");
    assert.equal(encodeReply({ array: [] }), "*0\r\n");
    assert.equal(encodeReply({ array: ["requirepass", ""] }), "*2\r\n$11\r\nrequirepass\r\n$0\r\n\r\n");
  });

  test("an array reply parses back as the same strings", () => {
    const words = ["CONFIG", "GET", "p€ss", "a\r\nb", ""];
    assert.deepEqual(parse(encodeReply({ array: words })), [words]);
  });
});
