/**
 * An SVG plot of MetaSync attempts per slave over time after a fault: one panel per case and
 * column, one row per slave, a dot per attempt, a bar up to the recovery (green) or to the end
 * of the observation (red), the fault marked at 0 s, ticks at round seconds, and a legend.
 */
import type { Recovery } from "../pair";

export interface Panel {
  title: string;
  recoveries: Recovery[];
  horizonS: number;
}

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

/** Ticks at 1, 2 or 5 times a power of ten, about `count` of them from 0 to at least `span`. */
export function roundTicks(span: number, count = 6): number[] {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = 0; t <= span + step / 2; t += step) ticks.push(Number(t.toFixed(6)));
  return ticks;
}

/** The key, in a row at height y. */
const legend = (y: number) =>
  `<g class="legend"><circle cx="16" cy="${y}" r="3.5" fill="#1c7ed6"/>` +
  `<text x="24" y="${y + 4}" font-size="11">MetaSync attempt</text>` +
  `<rect x="140" y="${y - 2}" width="22" height="4" fill="#2f9e44" opacity="0.5"/>` +
  `<text x="168" y="${y + 4}" font-size="11">until recovery (first BinlogSync)</text>` +
  `<rect x="370" y="${y - 2}" width="22" height="4" fill="#e03131" opacity="0.5"/>` +
  `<text x="398" y="${y + 4}" font-size="11">not recovered when the observation ended</text>` +
  `<line x1="660" y1="${y - 6}" x2="660" y2="${y + 6}" stroke="#868e96" stroke-dasharray="3 2"/>` +
  `<text x="666" y="${y + 4}" font-size="11">the fault (0 s)</text></g>`;

export function timelineSvg(panels: Panel[]): string {
  const width = 900;
  const left = 90;
  const plotW = width - left - 40;
  const row = 14;
  let y = 10;
  const parts: string[] = [];
  for (const p of panels) {
    const span = Math.max(
      1,
      ...p.recoveries.map((r) => r.recoveredS ?? p.horizonS),
      ...p.recoveries.flatMap((r) => r.timeline),
    );
    const ticks = roundTicks(span);
    const x = (s: number) => left + (s / (ticks[ticks.length - 1] ?? span)) * plotW;
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(p.title)}</text>`);
    y += 20;
    const top = y;
    for (const r of p.recoveries) {
      const end = r.recoveredS ?? p.horizonS;
      const colour = r.recoveredS === undefined ? "#e03131" : "#2f9e44";
      parts.push(`<text x="10" y="${y + 10}" font-size="11">${esc(r.slave)}</text>`);
      parts.push(
        `<rect x="${left}" y="${y + 4}" width="${Math.max(1, x(end) - left).toFixed(1)}" height="4" fill="${colour}" opacity="0.5"/>`,
      );
      for (const t of r.timeline)
        parts.push(
          `<circle cx="${x(t).toFixed(1)}" cy="${y + 6}" r="3.5" fill="#1c7ed6"><title>MetaSync at ${t.toFixed(3)} s</title></circle>`,
        );
      y += row;
    }
    parts.push(
      `<line class="fault" x1="${left}" y1="${top}" x2="${left}" y2="${y + 2}" stroke="#868e96" stroke-dasharray="3 2"><title>the fault</title></line>`,
    );
    for (const s of ticks)
      parts.push(
        `<text class="tick" x="${x(s).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">${Number.isInteger(s) ? s : s.toFixed(1)} s</text>`,
      );
    y += 28;
  }
  parts.push(legend(y + 4));
  y += 20;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${parts.join("\n")}
</svg>
`;
}
