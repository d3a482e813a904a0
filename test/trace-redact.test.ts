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
import { REDACTED, Redactor, secretsOf } from "../harness/trace/redact";
import type { TraceEvent } from "../harness/trace/trace";
import { guard } from "../steps/support";

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

test("secretsOf collects the non-empty requirepass and masterauth of every node", () => {
  assert.deepEqual(
    secretsOf([{ requirepass: "s3cr3t" }, { masterauth: "s3cr3t-2", requirepass: "" }, undefined, {}]),
    ["s3cr3t", "s3cr3t-2"],
  );
  assert.deepEqual(secretsOf([]), []);
});

describe("Redactor: the one point every text about a scenario passes on its way out", () => {
  test("replaces every occurrence; a secret containing another goes whole; no secret, no change", () => {
    const r = new Redactor(["s3cr3t", "s3cr3t-2", "s3cr3t"]);
    assert.equal(r.text("a s3cr3t-2 b s3cr3t c"), `a ${REDACTED} b ${REDACTED} c`);
    assert.equal(r.text("nothing here"), "nothing here");
    assert.equal(new Redactor([]).text("keep it"), "keep it");
    assert.equal(new Redactor(["", undefined]).text("keep it"), "keep it", "an empty password is no secret");
  });

  test("treats secrets as text, not as patterns", () => {
    const r = new Redactor(["p.ss", "(a|b)", "[x]", "^*+?", "a.b", "q\\uote"]);
    assert.equal(r.text("p.ss p$ss (a|b) [x] ^*+?"), "<redacted> p$ss <redacted> <redacted> <redacted>");
    assert.equal(r.text("axb"), "axb");
    assert.equal(r.text('say "q\\uote"'), `say "${REDACTED}"`);
  });

  test("catches a secret also as JSON and XML escape it", () => {
    const secret = 'p<a>"ss&\\';
    const r = new Redactor([secret]);
    for (const form of [
      JSON.stringify({ x: secret }),
      `<t a="${secret.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")}"/>`,
    ])
      assert.ok(
        !r.text(form).includes("p<a>") && !r.text(form).includes("p&lt;a") && r.text(form).includes(REDACTED),
        r.text(form),
      );
  });

  test("shows control characters as escapes, keeping newlines and tabs", () => {
    assert.equal(
      new Redactor(["s3cret"]).text("a s3cret\u001b[31m red\u0000\u0001\n\tend\u009b"),
      "a <redacted>\\x1b[31m red\\x00\\x01\n\tend\\x9b",
    );
  });

  test("events: every text field, the input left untouched", () => {
    const before = JSON.stringify(leaky);
    const out = new Redactor(["s3cr3t", "s3cr3t-2"]).events(leaky);
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

  test("attachments: strings and text bytes redacted, other bytes passed on as they are", () => {
    const r = new Redactor(["s3cr3t"]);
    assert.equal(r.attachment("log s3cr3t", "text/plain"), `log ${REDACTED}`);
    assert.deepEqual(
      r.attachment(Buffer.from("<svg>s3cr3t</svg>"), "image/svg+xml"),
      Buffer.from(`<svg>${REDACTED}</svg>`),
    );
    assert.deepEqual(
      r.attachment(Buffer.from('{"a":"s3cr3t"}'), "application/json"),
      Buffer.from(`{"a":"${REDACTED}"}`),
    );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x1b]);
    assert.deepEqual(r.attachment(png, "image/png"), png);
  });
});

test("TraceArtifacts: no form of the trace (ndjson, text, SVG) carries a secret", () => {
  // A secret with characters that JSON and XML escape must be caught before either escapes it.
  const secret = 'p<a>"ss&\\';
  const events: TraceEvent[] = [
    { t: 0, from: "a", to: "b", conn: "A", kind: "frame", summary: `x ${secret} y` },
  ];
  const a = new TraceArtifacts(events, new Redactor([secret]), `a title with ${secret}`);
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

describe("guard: where a step's or a hook's error leaves", () => {
  test("a step whose system under test echoes the password fails with it nowhere in the error", async () => {
    const secret = "pw-7f3a";
    const world = {
      redactor: new Redactor([secret, `${secret}-slave`]),
      rule: undefined,
      scenarioId: "MS-AUTH-01",
      trace: { tail: () => `    0.000 s  A    master -> probe-slave  kMetaSync kOther "${secret}\u001b[2J"` },
    };
    const body = guard(() => {
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
