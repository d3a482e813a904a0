/**
 * An SVG plot of MetaSync attempts per slave over time after a fault: one panel per case and
 * column, one row per slave, a dot per attempt, a bar up to the recovery (green) or to the end
 * of the observation (red).
 */
import type { Recovery } from "../pair";

export interface Panel {
  title: string;
  recoveries: Recovery[];
  horizonS: number;
}

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);

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
    const x = (s: number) => left + (s / span) * plotW;
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${esc(p.title)}</text>`);
    y += 20;
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
    const ticks = 6;
    for (let i = 0; i <= ticks; i++) {
      const s = (span * i) / ticks;
      parts.push(
        `<text x="${x(s).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">${s.toFixed(s < 10 ? 1 : 0)} s</text>`,
      );
    }
    y += 28;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${parts.join("\n")}
</svg>
`;
}
