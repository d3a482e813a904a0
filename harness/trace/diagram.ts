/**
 * A wire trace as a sequence diagram: a self-contained SVG (no scripts, no external fonts or
 * images) with one lifeline per participant, in order of first appearance, and one row per
 * event: the scenario time and connection label on the left, then an arrow from sender to
 * receiver labelled with the frame's summary. Connects, closes and raw (malformed) bytes are
 * drawn in their own styles; proxy faults and events without a single receiver are notes.
 *
 * The output is deterministic (same events, same bytes) and bounded: a long trace keeps its
 * first and last events around a row that says how many were left out. Labels too long for the
 * row are cut with "…"; each row's <title> holds the full line (a tooltip in a browser).
 */
import type { TraceEvent } from "./trace";

export interface DiagramLimits {
  /** Traces longer than this are cut (default 400 events). */
  maxEvents: number;
  /** Events kept from the start of a cut trace (default 50). */
  head: number;
  /** Events kept from the end of a cut trace (default 300). */
  tail: number;
}

export const DEFAULT_LIMITS: DiagramLimits = { maxEvents: 400, head: 50, tail: 300 };

const WIDTH = 900;
const MARGIN = 8;
/** Left gutter: time (right-aligned at TIME_X), then the connection label. */
const TIME_X = 66;
const CONN_X = 74;
/** Room for an 8-character connection label ("repl#12", "rsync#3") left of the lanes. */
const LANES_LEFT = 134;
const LANES_RIGHT = WIDTH - 12;
const TOP = 34;
const BOX_H = 24;
const ROW = 30;
/** Advance of one character of the 11 px monospace font, a little generous. */
const CHAR_W = 6.7;
const FONT = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

/** Kinds with their own arrow style; other kinds with one receiver are drawn as "other". */
const ARROW_KINDS = new Set(["frame", "connect", "close", "raw", "command"]);
/** Kinds always drawn as a note over the lifelines (what the proxy did to the traffic). */
const NOTE_KINDS = new Set(["fault"]);
/** Legend entries: style, text. */
const LEGEND: [string, string][] = [
  ["frame", "frame"],
  ["connect", "connect"],
  ["close", "close"],
  ["raw", "raw bytes"],
  ["command", "command"],
  ["note", "fault/note"],
];
const KEY_CHAR_W = 6.1;
/** Key, gap, then the text and the gap to the next item. */
const LEGEND_ITEM = 22 + 7 + 14;
const LEGEND_WIDTH = LEGEND.reduce((w, [, text]) => w + LEGEND_ITEM + text.length * KEY_CHAR_W, 0) - 14;

type Row = { event: TraceEvent } | { omitted: number };

/** Renders events as an SVG sequence diagram about 900 px wide. */
export function sequenceSvg(
  events: readonly TraceEvent[],
  title?: string,
  limits: DiagramLimits = DEFAULT_LIMITS,
): string {
  const rows = boundedRows(events, limits);
  const kept = rows.flatMap((r) => ("event" in r ? [r.event] : []));
  const names = participants(kept);
  const lanes = names.length || 1;
  const spacing = (LANES_RIGHT - LANES_LEFT) / lanes;
  const laneXs = names.map((name, i) => ({ name, x: LANES_LEFT + spacing * (i + 0.5) }));
  const xOf = new Map(laneXs.map((l) => [l.name, l.x]));

  const rowsTop = TOP + BOX_H + 14;
  const rowsHeight = Math.max(rows.length, 1) * ROW;
  const bottomBoxY = rowsTop + rowsHeight + 6;
  const legendY = bottomBoxY + BOX_H + 10;
  const height = legendY + 20 + MARGIN;

  const out: string[] = [];
  const heading = title ?? "wire trace";
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${n(height)}" viewBox="0 0 ${WIDTH} ${n(height)}" role="img" aria-label="${esc(heading)}">`,
    `<title>${esc(heading)}</title>`,
    `<style>${STYLE}</style>`,
    DEFS,
    `<rect class="bg" x="0" y="0" width="${WIDTH}" height="${n(height)}"/>`,
    `<text class="title" x="${MARGIN}" y="18">${esc(fit(clean(heading), (WIDTH - 2 * MARGIN) / 8))}</text>`,
    legend(legendY),
  );

  // Row stripes first, so lifelines and arrows are drawn over them.
  rows.forEach((_, i) => {
    if (i % 2 === 1)
      out.push(`<rect class="stripe" x="0" y="${n(rowsTop + i * ROW)}" width="${WIDTH}" height="${ROW}"/>`);
  });
  out.push(`<text class="head" x="${TIME_X}" y="${n(TOP + 16)}" text-anchor="end">time s</text>`);
  out.push(`<text class="head" x="${CONN_X}" y="${n(TOP + 16)}">conn</text>`);
  for (const { x } of laneXs) {
    out.push(
      `<line class="lifeline" x1="${n(x)}" y1="${n(TOP + BOX_H)}" x2="${n(x)}" y2="${n(bottomBoxY)}"/>`,
    );
  }
  for (const [y, where] of [
    [TOP, "top"],
    [bottomBoxY, "bottom"],
  ] as const) {
    for (const { name, x } of laneXs) out.push(participantBox(name, x, y, spacing, where));
  }
  if (rows.length === 0)
    out.push(
      `<text class="omitted" x="${WIDTH / 2}" y="${n(rowsTop + 19)}" text-anchor="middle">no frames recorded</text>`,
    );

  rows.forEach((row, i) => {
    const y0 = rowsTop + i * ROW;
    if ("omitted" in row) {
      out.push(
        `<g class="gap"><rect class="gapband" x="0" y="${n(y0 + 3)}" width="${WIDTH}" height="${ROW - 6}"/>` +
          `<text class="omitted" x="${WIDTH / 2}" y="${n(y0 + 19)}" text-anchor="middle">… ${row.omitted} events omitted …</text></g>`,
      );
      return;
    }
    out.push(eventRow(row.event, y0, xOf));
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

/** The events as drawn: all of them, or the head and tail of a long trace around a gap. */
export function boundedRows(events: readonly TraceEvent[], limits: DiagramLimits = DEFAULT_LIMITS): Row[] {
  if (events.length <= limits.maxEvents) return events.map((event) => ({ event }));
  const head = events.slice(0, limits.head);
  const tail = events.slice(events.length - limits.tail);
  return [
    ...head.map((event) => ({ event })),
    { omitted: events.length - head.length - tail.length },
    ...tail.map((event) => ({ event })),
  ];
}

/** Participants in order of first appearance: each event's sender, then its receiver(s). */
export function participants(events: readonly TraceEvent[]): string[] {
  const seen = new Set<string>();
  for (const e of events) {
    seen.add(e.from);
    for (const r of receivers(e)) seen.add(r);
  }
  seen.delete("");
  return [...seen];
}

/** "master" → ["master"]; "slave+master" (both ends, said by the proxy) → both; "-" → none. */
function receivers(e: TraceEvent): string[] {
  return e.to.split("+").filter((p) => p !== "" && p !== "-");
}

/** Readable lines of a whole trace, in the format of `Trace.tail`, plus the kind and size. */
export function traceText(events: readonly TraceEvent[]): string {
  return events
    .map((e) => {
      const size = e.bytes === undefined ? "" : `  (${e.bytes} B)`;
      const kind = e.kind === "frame" ? "" : `[${e.kind}] `;
      return `${seconds(e.t).padStart(9)} s  ${e.conn.padEnd(4)} ${e.from} -> ${e.to}  ${kind}${e.summary}${size}`;
    })
    .join("\n");
}

function eventRow(e: TraceEvent, y0: number, xOf: Map<string, number>): string {
  // Every sender and receiver has a lane (participants() lists them all); 0 only if one had not.
  const tos = receivers(e).map((r) => xOf.get(r) ?? 0);
  const from = xOf.get(e.from) ?? 0;
  const arrow = !NOTE_KINDS.has(e.kind) && tos.length === 1 && tos[0] !== from;
  const kind = !arrow ? "note" : ARROW_KINDS.has(e.kind) ? e.kind : "other";
  const cls = /^[a-z]+$/.test(e.kind) ? ` k-${e.kind}` : "";
  const tooltip = `${seconds(e.t)} s ${e.conn} ${e.from} -> ${e.to} [${e.kind}] ${e.summary}${e.bytes === undefined ? "" : ` (${e.bytes} B)`}`;
  const parts = [
    `<g class="ev ${kind}${cls}"><title>${esc(clean(tooltip))}</title>`,
    `<text class="time" x="${TIME_X}" y="${n(y0 + 22)}" text-anchor="end">${esc(seconds(e.t))}</text>`,
    `<text class="conn" x="${CONN_X}" y="${n(y0 + 22)}">${esc(fit(clean(e.conn), 8))}</text>`,
  ];
  const label = clean(e.summary);
  const to = tos[0];
  if (arrow && to !== undefined) {
    const left = Math.min(from, to);
    const y = y0 + 19;
    // Stop the line short of the lifeline so the arrowhead's tip lands on it.
    const end = to > from ? to - 1 : to + 1;
    parts.push(
      `<line class="arrow" x1="${n(from)}" y1="${n(y)}" x2="${n(end)}" y2="${n(y)}" marker-end="url(#m-${kind})"/>`,
      `<text class="lbl" x="${n(left + 6)}" y="${n(y0 + 13)}">${esc(fit(kind === "other" ? `${clean(e.kind)}: ${label}` : label, (WIDTH - MARGIN - left - 6) / CHAR_W))}</text>`,
    );
  } else {
    // A note over the lifelines it concerns (the sender's alone when it names no single receiver).
    const xs = [from, ...tos];
    const lo = Math.min(...xs) - 40;
    const hi = Math.max(...xs) + 40;
    const maxChars = (WIDTH - MARGIN - LANES_LEFT - 12) / CHAR_W;
    const text = fit(`${e.kind === "frame" ? "" : `${clean(e.kind)}: `}${label}`, maxChars);
    const w = Math.max(hi - lo, [...text].length * CHAR_W + 12);
    const x = Math.max(LANES_LEFT - 8, Math.min(lo, WIDTH - MARGIN - w));
    parts.push(
      `<rect class="notebox" x="${n(x)}" y="${n(y0 + 4)}" width="${n(w)}" height="${ROW - 8}" rx="3"/>`,
      `<text class="lbl" x="${n(x + 6)}" y="${n(y0 + 19)}">${esc(text)}</text>`,
    );
  }
  parts.push("</g>");
  return parts.join("");
}

function participantBox(name: string, x: number, y: number, spacing: number, where: string): string {
  const maxW = Math.max(40, spacing - 10);
  const text = fit(clean(name), (maxW - 12) / 7.2);
  const w = Math.min(maxW, Math.max(90, [...text].length * 7.2 + 16));
  return (
    `<g class="participant ${where}" data-name="${esc(clean(name))}">` +
    `<rect class="pbox" x="${n(x - w / 2)}" y="${n(y)}" width="${n(w)}" height="${BOX_H}" rx="4"/>` +
    `<text class="pname" x="${n(x)}" y="${n(y + 16)}" text-anchor="middle">${esc(text)}</text></g>`
  );
}

/** The key to the styles, right-aligned in a row that starts at y. */
function legend(y: number): string {
  const out: string[] = ['<g class="legend">'];
  let x = WIDTH - MARGIN - LEGEND_WIDTH;
  for (const [kind, text] of LEGEND) {
    const key =
      kind === "note"
        ? `<rect class="notebox" x="${n(x + 3)}" y="${n(y + 1)}" width="16" height="12" rx="3"/>`
        : `<line class="arrow" x1="${n(x)}" y1="${n(y + 7)}" x2="${n(x + 21)}" y2="${n(y + 7)}" marker-end="url(#m-${kind})"/>`;
    out.push(
      `<g class="ev ${kind}">${key}<text class="key" x="${n(x + 29)}" y="${n(y + 11)}">${text}</text></g>`,
    );
    x += LEGEND_ITEM + text.length * KEY_CHAR_W;
  }
  out.push("</g>");
  return out.join("");
}

const STYLE = [
  `text{font-family:${FONT};font-size:11px;fill:#1f2328}`,
  ".bg{fill:#ffffff}",
  ".stripe{fill:#f3f5f8}",
  ".title{font-size:13px;font-weight:bold}",
  ".head{fill:#57606a;font-size:10px}",
  ".key{fill:#57606a;font-size:10px}",
  ".time{fill:#57606a}",
  ".conn{fill:#0550ae;font-weight:bold}",
  ".lifeline{stroke:#8c959f;stroke-width:1;stroke-dasharray:4 4}",
  ".pbox{fill:#ddf4ff;stroke:#0969da;stroke-width:1}",
  ".pname{font-weight:bold}",
  ".lbl{paint-order:stroke;stroke:#ffffff;stroke-width:3px;stroke-linejoin:round}",
  ".arrow{stroke-width:1.4}",
  ".frame .arrow{stroke:#1f2328}",
  ".connect .arrow{stroke:#1a7f37;stroke-dasharray:6 3}",
  ".connect .lbl{fill:#1a7f37}",
  ".close .arrow{stroke:#cf222e;stroke-dasharray:6 3}",
  ".close .lbl{fill:#cf222e}",
  ".raw .arrow{stroke:#bc4c00;stroke-width:2.4;stroke-dasharray:2 3}",
  ".raw .lbl{fill:#bc4c00;font-style:italic}",
  ".command .arrow{stroke:#8250df}",
  ".command .lbl{fill:#8250df}",
  ".other .arrow{stroke:#57606a;stroke-dasharray:3 3}",
  ".other .lbl{fill:#57606a}",
  ".notebox{fill:#fff8c5;stroke:#9a6700;stroke-width:1}",
  ".note .lbl{fill:#6c4400;stroke:#fff8c5}",
  ".gapband{fill:#eaeef2}",
  ".omitted{fill:#57606a;font-style:italic}",
].join("");

/** Arrowheads in user space, so a thicker line does not mean a bigger head. */
function marker(id: string, body: string, refX = 9): string {
  return `<marker id="m-${id}" viewBox="0 0 10 10" refX="${refX}" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">${body}</marker>`;
}

const DEFS =
  "<defs>" +
  marker("frame", '<path d="M0,0L10,5L0,10z" fill="#1f2328"/>', 10) +
  marker("connect", '<path d="M1,1L9,5L1,9" fill="none" stroke="#1a7f37" stroke-width="1.6"/>') +
  marker("close", '<path d="M1,1L9,9M9,1L1,9" stroke="#cf222e" stroke-width="2"/>', 5) +
  marker("raw", '<path d="M1,1L9,5L1,9z" fill="#ffffff" stroke="#bc4c00" stroke-width="1.6"/>') +
  marker("command", '<path d="M0,0L10,5L0,10z" fill="#8250df"/>', 10) +
  marker("other", '<path d="M1,1L9,5L1,9" fill="none" stroke="#57606a" stroke-width="1.6"/>') +
  "</defs>";

/** Seconds with 3 decimals: 1234 ms → "1.234". */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Coordinates with at most one decimal, so output does not depend on float noise. */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** One line of text: line breaks become spaces, characters XML 1.0 forbids (controls, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD. */
function clean(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x09 || c === 0x0a || c === 0x0d) out += " ";
    else if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff)
      out += "\ufffd";
    else out += ch;
  }
  return out;
}

/** At most `max` characters (whole code points), ending in "…" when cut. */
function fit(s: string, max: number): string {
  const chars = [...s];
  const limit = Math.max(1, Math.floor(max));
  return chars.length <= limit ? s : `${chars.slice(0, limit - 1).join("")}…`;
}

/** Escapes text and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
