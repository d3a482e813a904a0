import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Mismatch } from "../harness/check";
import {
  attachAllTraces,
  DEFAULT_TRACE_DIR,
  TraceArtifacts,
  TraceWriter,
  traceDir,
  traceFileBase,
} from "../harness/trace/artifacts";
import { REDACTED, redactEvents, redactText, scrub, secretsOf } from "../harness/trace/redact";
import type { TraceEvent } from "../harness/trace/trace";
import { wrapStep } from "../steps/support";

const leaky: TraceEvent[] = [
  { t: 0, from: "kit", to: "master", conn: "P", kind: "command", summary: "AUTH s3cr3t -> OK" },
  {
    t: 5,
    from: "master",
    to: "probe-slave",
    conn: "A",
    kind: "frame",
    summary: 'kMetaSync kError "Auth with master error, Invalid masterauth s3cr3t-2 (s3cr3t)"',
    bytes: 60,
  },
  { t: 9, from: "slave", to: "probe-master", conn: "s3cr3t", kind: "close", summary: "closed" },
];

test("secretsOf collects requirepass and masterauth of every node, longest first, once each", () => {
  assert.deepEqual(
    secretsOf([
      { requirepass: "s3cr3t" },
      { masterauth: "s3cr3t-2", requirepass: "" },
      undefined,
      {},
      { requirepass: "s3cr3t", masterauth: "s3cr3t" },
    ]),
    ["s3cr3t-2", "s3cr3t"],
  );
  assert.deepEqual(secretsOf([]), []);
});

test("redactText replaces every occurrence; a secret containing another goes whole", () => {
  assert.equal(redactText("a s3cr3t-2 b s3cr3t c", ["s3cr3t", "s3cr3t-2"]), `a ${REDACTED} b ${REDACTED} c`);
  assert.equal(redactText("nothing here", ["s3cr3t"]), "nothing here");
  assert.equal(redactText("keep it", []), "keep it");
  assert.equal(redactText("keep it", [""]), "keep it", "an empty password is no secret");
});

test("redactText treats secrets as text, not as patterns", () => {
  assert.equal(
    redactText("p.ss p$ss (a|b) [x] ^*+?", ["p.ss", "(a|b)", "[x]", "^*+?"]),
    "<redacted> p$ss <redacted> <redacted> <redacted>",
  );
  assert.equal(redactText("axb", ["a.b"]), "axb");
  assert.equal(redactText('say "q\\uote"', ["q\\uote"]), `say "${REDACTED}"`);
});

test("redactEvents scrubs every text field and leaves the input untouched", () => {
  const before = JSON.stringify(leaky);
  const out = redactEvents(leaky, secretsOf([{ requirepass: "s3cr3t", masterauth: "s3cr3t-2" }]));
  assert.equal(JSON.stringify(leaky), before, "input not modified");
  assert.ok(!JSON.stringify(out).includes("s3cr3t"), JSON.stringify(out));
  assert.equal(out[0]?.summary, `AUTH ${REDACTED} -> OK`);
  assert.equal(
    out[1]?.summary,
    `kMetaSync kError "Auth with master error, Invalid masterauth ${REDACTED} (${REDACTED})"`,
  );
  assert.equal(out[2]?.conn, REDACTED);
  assert.equal(out[1]?.bytes, 60);
  assert.equal(out[1]?.t, 5);
});

test("TraceArtifacts: no form of the trace (ndjson, text, SVG) carries a secret", () => {
  // A secret with characters that JSON and XML escape must be caught before either escapes it.
  const secret = 'p<a>"ss&\\';
  const events: TraceEvent[] = [
    { t: 0, from: "a", to: "b", conn: "A", kind: "frame", summary: `x ${secret} y` },
  ];
  const a = new TraceArtifacts(events, secretsOf([{ requirepass: secret }]), `a title with ${secret}`);
  for (const form of [a.ndjson, a.text, a.svg]) {
    assert.ok(!form.includes(secret), form);
    assert.ok(!form.includes(JSON.stringify(secret).slice(1, -1)), form);
    assert.ok(!form.includes("p&lt;a&gt;"), form);
  }
  assert.equal(a.ndjson, `${JSON.stringify({ ...events[0], summary: `x ${REDACTED} y` })}\n`);
  assert.match(a.text, /x <redacted> y/);
  assert.match(a.svg, /x &lt;redacted&gt; y/);
});

test("trace file names: the scenario ID, or its name made safe", () => {
  assert.equal(traceFileBase("MS-DUP-02", "whatever"), "MS-DUP-02");
  assert.equal(
    traceFileBase(undefined, "The same ip:port on a new connection"),
    "The-same-ip-port-on-a-new-connection",
  );
  assert.equal(traceFileBase(undefined, "../../etc/passwd"), "etc-passwd");
  assert.equal(traceFileBase(undefined, "***"), "scenario");
  assert.ok(traceFileBase(undefined, "x".repeat(300)).length <= 80);
});

test("PIKA_TRACE_DIR and PIKA_TRACE=all", () => {
  assert.equal(traceDir({}), DEFAULT_TRACE_DIR);
  assert.equal(traceDir({ PIKA_TRACE_DIR: "/tmp/t" }), "/tmp/t");
  assert.equal(attachAllTraces({}), false);
  assert.equal(attachAllTraces({ PIKA_TRACE: "all" }), true);
});

test("TraceWriter writes <dir>/<stem>.ndjson and never overwrites a stem of the same run", async () => {
  const dir = await mkdtemp(join(tmpdir(), "pika-traces-"));
  try {
    const w = new TraceWriter(join(dir, "nested"));
    const first = await w.write("MS-DUP-02", "one\n");
    const second = await w.write("MS-DUP-02", "two\n");
    assert.equal(first, join(dir, "nested", "MS-DUP-02.ndjson"));
    assert.equal(second, join(dir, "nested", "MS-DUP-02-2.ndjson"));
    assert.equal(await readFile(first, "utf8"), "one\n");
    assert.equal(await readFile(second, "utf8"), "two\n");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe("scrub: the one point a step's error passes before the reports and the console", () => {
  test("redacts secrets and shows control characters as escapes, keeping newlines and tabs", () => {
    assert.equal(
      scrub("a s3cret\u001b[31m red\u0000\u0001\n\tend\u009b", ["s3cret"]),
      "a <redacted>\\x1b[31m red\\x00\\x01\n\tend\\x9b",
    );
  });

  test("a step whose system under test echoes the password fails with it nowhere in the error", async () => {
    const secret = "pw-7f3a";
    const world = {
      nodes: new Map([["master", { options: { requirepass: secret, masterauth: `${secret}-slave` } }]]),
      rule: undefined,
      scenarioId: "MS-AUTH-01",
      trace: { tail: () => `    0.000 s  A    master -> probe-slave  kMetaSync kOther "${secret}\u001b[2J"` },
    };
    const body = wrapStep(() => {
      throw new Mismatch("kOk", `kOther "wrong ${secret}-slave, want ${secret}\u0007"`);
    });
    await assert.rejects(Promise.resolve(body.call(world as never)), (err: Error) => {
      for (const text of [err.message, err.stack ?? ""]) {
        assert.ok(!text.includes(secret), text);
        assert.ok(![..."\u0000\u0007\u001b"].some((c) => text.includes(c)), JSON.stringify(text));
      }
      assert.match(err.message, /Actual: {3}kOther "wrong <redacted>, want <redacted>\\x07"/);
      assert.match(err.message, /kOther "<redacted>\\x1b\[2J"/);
      return true;
    });
  });
});
