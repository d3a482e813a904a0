import assert from "node:assert/strict";
import { test } from "node:test";
import { boundedRows, participants, sequenceSvg, traceText } from "../harness/trace/diagram";
import type { TraceEvent } from "../harness/trace/trace";

function ev(t: number, from: string, to: string, summary: string, kind = "frame", conn = "A"): TraceEvent {
  return { t, from, to, conn, kind, summary };
}

/** The MS-DUP-02 exchange as the probe slave records it. */
const HANDSHAKE: TraceEvent[] = [
  ev(0, "probe-slave", "master", "connected to 12000", "connect"),
  ev(1, "probe-slave", "master", "kMetaSync node=127.0.0.1:40000 auth=none"),
  {
    ...ev(2, "master", "probe-slave", "kMetaSync kOk dbs=[db0/3] run_id=5557ccb5… repl_id=d89b"),
    bytes: 117,
  },
  ev(3, "probe-slave", "master", "connected to 12000", "connect", "B"),
  ev(1234, "probe-slave", "master", "kMetaSync node=127.0.0.1:40000 auth=none", "frame", "B"),
  ev(1235, "master", "probe-slave", 'kMetaSync kOther "Slave AlreadyExist"', "frame", "B"),
  ev(4000, "master", "probe-slave", "connection closed", "close"),
  ev(4100, "probe-slave", "master", "length 0xFFFFFFF0, then nothing", "raw", "C"),
  ev(4200, "proxy", "slave+master", "drop kMetaSync toSlave", "fault", "C"),
];

/**
 * A small well-formedness check: every tag closes in order, attributes are quoted, and text
 * holds no bare "<" or an "&" that does not start an entity. Returns the element names in
 * document order.
 */
function wellFormed(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<\?xml[^>]*\?>|([^<]+)|(<)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < xml.length) {
    token.lastIndex = at;
    m = token.exec(xml);
    assert.ok(m, `unparsable XML at ${at}: ${xml.slice(at, at + 60)}`);
    at = token.lastIndex;
    if (m[6]) assert.fail(`bare "<" at ${at}: ${xml.slice(at - 10, at + 50)}`);
    if (m[5] !== undefined) {
      assert.doesNotMatch(m[5], /&(?!(?:amp|lt|gt|quot|#39|#\d+);)/, `bare "&" in text: ${m[5]}`);
      continue;
    }
    if (!m[2]) continue;
    const attributes = m[3];
    assert.ok(attributes !== undefined, `<${m[2]}> matched without its attribute group`);
    for (const [attribute, value] of attributes.matchAll(/="([^"]*)"/g)) {
      assert.ok(value !== undefined, `attribute without a quoted value: ${attribute}`);
      assert.doesNotMatch(value, /&(?!(?:amp|lt|gt|quot|#39|#\d+);)/, `bare "&" in attribute: ${value}`);
    }
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else {
      names.push(m[2]);
      if (!m[4]) stack.push(m[2]);
    }
  }
  assert.deepEqual(stack, [], "unclosed elements");
  return names;
}

test("the diagram is one well-formed <svg> document about 900 px wide", () => {
  const svg = sequenceSvg(HANDSHAKE, "MS-DUP-02: the same ip:port on a new connection");
  assert.match(
    svg,
    /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="900" height="\d+(\.\d)?" viewBox="0 0 900 /,
  );
  const names = wellFormed(svg);
  assert.equal(names[0], "svg");
  assert.equal(names.filter((n) => n === "svg").length, 1);
  assert.ok(
    !/<script|href=|@import|url\(http/i.test(svg),
    "self-contained: no scripts or external references",
  );
});

test("each event is a row with its time in seconds (3 decimals), connection and summary", () => {
  const svg = sequenceSvg(HANDSHAKE);
  assert.equal(svg.match(/<g class="ev [a-z]+ k-/g)?.length, HANDSHAKE.length);
  assert.match(svg, />1\.234<\/text><text class="conn"[^>]*>B<\/text>/);
  assert.match(svg, />0\.000<\/text>/);
  assert.match(svg, /kMetaSync node=127\.0\.0\.1:40000 auth=none/);
  assert.match(svg, /kMetaSync kOther &quot;Slave AlreadyExist&quot;/);
});

test("connects, closes, raw bytes and faults have their own styles", () => {
  const svg = sequenceSvg(HANDSHAKE);
  assert.match(svg, /<g class="ev connect k-connect">.*marker-end="url\(#m-connect\)"/);
  assert.match(svg, /<g class="ev close k-close">.*marker-end="url\(#m-close\)"/);
  assert.match(svg, /<g class="ev raw k-raw">.*marker-end="url\(#m-raw\)"/);
  assert.match(svg, /<g class="ev frame k-frame">.*marker-end="url\(#m-frame\)"/);
  // A proxy fault is a note over the two ends, not an arrow.
  assert.match(
    svg,
    /<g class="ev note k-fault">(?:(?!<\/g>).)*<rect class="notebox"(?:(?!<\/g>).)*fault: drop kMetaSync/,
  );
  for (const id of ["frame", "connect", "close", "raw"])
    assert.match(svg, new RegExp(`<marker id="m-${id}"`));
});

test("participants appear in order of first appearance, senders before receivers", () => {
  assert.deepEqual(participants(HANDSHAKE), ["probe-slave", "master", "proxy", "slave"]);
  const slaveSide = [
    ev(0, "kit", "slave", "SLAVEOF 127.0.0.1 10059 -> OK", "command", "P"),
    ev(1, "slave", "probe-master", "slave connected", "connect", "C1"),
    ev(2, "probe-master", "slave", "kMetaSync kOk", "frame", "C1"),
    ev(3, "proxy", "-", "error: ECONNRESET", "fault", "-"),
  ];
  assert.deepEqual(participants(slaveSide), ["kit", "slave", "probe-master", "proxy"]);
  const svg = sequenceSvg(slaveSide);
  const top = [...svg.matchAll(/<g class="participant top" data-name="([^"]*)">/g)].map((m) => m[1]);
  assert.deepEqual(top, ["kit", "slave", "probe-master", "proxy"]);
  const xs = [...svg.matchAll(/<line class="lifeline" x1="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    xs,
    [...xs].sort((a, b) => a - b),
    "lifelines left to right in participant order",
  );
  assert.ok(xs.every((x) => x > 100 && x < 900));
});

test("all text is XML-escaped: summaries, names, connection labels and the title", () => {
  const nasty = "a<b>&c\"d'e </svg><script>x</script>";
  const events = [
    { t: 0, from: "probe<1>", to: 'm&"x', conn: "<&>", kind: "frame", summary: nasty, bytes: 3 },
    { t: 1, from: "probe<1>", to: "-", conn: "&", kind: "odd<kind>", summary: nasty },
    {
      t: 2,
      from: "probe<1>",
      to: 'm&"x',
      conn: "A",
      kind: "frame",
      summary: "ctl\u0000\u0007\ud800 tab\tnl\n",
    },
  ];
  const svg = sequenceSvg(events, nasty);
  wellFormed(svg);
  assert.ok(!svg.includes("<script"), "no element from the text");
  assert.ok(!svg.includes("</svg><"), "no early close");
  assert.match(svg, /a&lt;b&gt;&amp;c&quot;d&#39;e &lt;\/svg&gt;&lt;script&gt;/);
  assert.match(svg, /data-name="probe&lt;1&gt;"/);
  assert.match(svg, /data-name="m&amp;&quot;x"/);
  // Characters XML 1.0 forbids never reach the document.
  const forbidden = [...svg].filter((ch) => {
    const c = ch.codePointAt(0);
    assert.ok(c !== undefined, "a character has a code point");
    return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0xd800 && c <= 0xdfff);
  });
  assert.deepEqual(forbidden, []);
  assert.match(svg, /ctl\ufffd\ufffd\ufffd tab nl /);
});

test("long labels are cut with an ellipsis; the row's <title> keeps the whole line", () => {
  const long = `kMetaSync kOk ${"x".repeat(300)} END`;
  const svg = sequenceSvg([ev(0, "probe-slave", "master", long)]);
  assert.doesNotMatch(svg, /<text[^>]*>[^<]*END<\/text>/);
  assert.match(svg, /<text class="lbl"[^>]*>kMetaSync kOk x+…<\/text>/);
  assert.match(svg, /<title>0\.000 s A probe-slave -&gt; master \[frame\] kMetaSync kOk x+ END<\/title>/);
});

test("the output is deterministic", () => {
  assert.equal(
    sequenceSvg(HANDSHAKE, "t"),
    sequenceSvg(
      HANDSHAKE.map((e) => ({ ...e })),
      "t",
    ),
  );
});

test("an empty trace still renders, saying so", () => {
  const svg = sequenceSvg([], "nothing");
  wellFormed(svg);
  assert.match(svg, /no frames recorded/);
});

test("a trace over 400 events keeps the first 50 and the last 300 around an omission row", () => {
  const many = Array.from({ length: 1000 }, (_, i) =>
    ev(i * 10, i % 2 ? "master" : "probe-slave", i % 2 ? "probe-slave" : "master", `frame #${i}`),
  );
  const svg = sequenceSvg(many);
  wellFormed(svg);
  assert.equal(svg.match(/<g class="ev frame k-frame">/g)?.length, 350);
  assert.match(svg, /… 650 events omitted …/);
  assert.match(svg, />frame #49</);
  assert.doesNotMatch(svg, />frame #50</);
  assert.doesNotMatch(svg, />frame #699</);
  assert.match(svg, />frame #700</);
  assert.match(svg, />frame #999</);
  assert.ok(svg.length < 250_000, `bounded size, got ${svg.length} bytes`);
  const gap = svg.indexOf("events omitted");
  assert.ok(svg.indexOf(">frame #49<") < gap && gap < svg.indexOf(">frame #700<"), "the gap sits between");
});

test("exactly 400 events are drawn whole; the limits can be changed", () => {
  const rows = (count: number) => Array.from({ length: count }, (_, i) => ev(i, "a", "b", `#${i}`));
  assert.equal(boundedRows(rows(400)).length, 400);
  assert.deepEqual(
    boundedRows(rows(401))
      .map((r) => ("omitted" in r ? `gap ${r.omitted}` : r.event.summary))
      .slice(49, 52),
    ["#49", "gap 51", "#101"],
  );
  const cut = boundedRows(rows(10), { maxEvents: 5, head: 1, tail: 2 });
  assert.deepEqual(
    cut.map((r) => ("omitted" in r ? `gap ${r.omitted}` : r.event.summary)),
    ["#0", "gap 7", "#8", "#9"],
  );
});

test("traceText lists every event like Trace.tail, with kind and size", () => {
  const text = traceText(HANDSHAKE.slice(0, 3));
  assert.equal(
    text,
    [
      "    0.000 s  A    probe-slave -> master  [connect] connected to 12000",
      "    0.001 s  A    probe-slave -> master  kMetaSync node=127.0.0.1:40000 auth=none",
      "    0.002 s  A    master -> probe-slave  kMetaSync kOk dbs=[db0/3] run_id=5557ccb5… repl_id=d89b  (117 B)",
    ].join("\n"),
  );
  assert.equal(traceText([]), "");
});

test("connection labels of the proxy are shown whole, so the old and the new connection differ", () => {
  const svg = sequenceSvg([
    ev(0, "slave", "master", "kMetaSync", "frame", "repl#1"),
    ev(1, "slave", "master", "kMetaSync", "frame", "repl#12"),
  ]);
  assert.match(svg, /<text class="conn"[^>]*>repl#1<\/text>/);
  assert.match(svg, /<text class="conn"[^>]*>repl#12<\/text>/);
});
