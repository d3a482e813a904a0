/**
 * The conformance matrix: scenario × column (a target, a version, a variant), each cell a
 * verdict, as Markdown and as a self-contained HTML page.
 */
import type { Verdict } from "./outcome";

/** One column: a run's verdicts (from the CLI's verdicts.json, or judged in process). */
export interface Column {
  label: string;
  judged: readonly { id?: string; name: string; verdict: Verdict }[];
  /** Where this column's traces are (<ID>.ndjson), as a link from the matrix's page. */
  traces?: string;
}

/** What the matrix shows beside each scenario: its level (MUST, SHOULD). */
export type Levels = ReadonlyMap<string, string>;

const SYMBOL: Record<Verdict, string> = {
  pass: "pass",
  fail: "FAIL",
  "expected-fail": "expected-fail",
  stale: "STALE",
  "non-strict": "non-strict",
  skipped: "skipped",
};

interface Row {
  id: string;
  name: string;
  cells: (Verdict | undefined)[];
}

function rows(columns: Column[]): Row[] {
  const byId = new Map<string, Row>();
  columns.forEach((c, i) => {
    for (const j of c.judged) {
      const id = j.id ?? j.name;
      const row = byId.get(id) ?? { id, name: j.name, cells: columns.map(() => undefined) };
      row.cells[i] = j.verdict;
      byId.set(id, row);
    }
  });
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

const esc = (s: string) =>
  s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);
const md = (s: string) => s.replace(/\|/g, "\\|");

/** The scenarios on which two columns disagree, with both verdicts ("-": not run there). */
export function columnDifferences(a: Column, b: Column): { id: string; a: string; b: string }[] {
  return rows([a, b])
    .filter((r) => r.cells[0] !== r.cells[1])
    .map((r) => ({ id: r.id, a: r.cells[0] ?? "-", b: r.cells[1] ?? "-" }));
}

const LEGEND =
  "pass: passed; FAIL: failed, not as the column's ledger expects; expected-fail: failed as the ledger " +
  "lists; STALE: the ledger lists it, and it passed; non-strict: a SHOULD scenario failed; skipped: not run there. " +
  "level: MUST or SHOULD (the rule's). A verdict links to that scenario's wire trace in that column's run, where there is one";

const levelOf = (levels: Levels, id: string) => (levels.get(id) ?? "").toUpperCase();

export function matrixMarkdown(columns: Column[], levels: Levels = new Map()): string {
  const head = `| scenario | level | ${columns.map((c) => md(c.label)).join(" | ")} |`;
  const sep = `|---|---|${columns.map(() => "---").join("|")}|`;
  const body = rows(columns).map(
    (r) =>
      `| ${md(r.id)} ${md(r.name)} | ${levelOf(levels, r.id)} | ${r.cells.map((v) => (v ? SYMBOL[v] : "-")).join(" | ")} |`,
  );
  return `# Conformance matrix\n\n${LEGEND}.\n\n${[head, sep, ...body].join("\n")}\n`;
}

const COLOUR: Record<Verdict, string> = {
  pass: "#d8f3dc",
  fail: "#ffb3b3",
  "expected-fail": "#ffe8a3",
  stale: "#ff7b7b",
  "non-strict": "#fff3c4",
  skipped: "#e9ecef",
};

/** The page; a cell of a column with traces links to that scenario's trace there. */
export function matrixHtml(columns: Column[], levels: Levels = new Map()): string {
  const th = columns.map((c) => `<th>${esc(c.label)}</th>`).join("");
  const trs = rows(columns)
    .map((r) => {
      const tds = r.cells
        .map((v, i) => {
          if (!v) return "<td>-</td>";
          const traces = columns[i]?.traces;
          const text = traces
            ? `<a href="${esc(`${traces}/${encodeURIComponent(r.id)}.ndjson`)}" title="the wire trace">${SYMBOL[v]}</a>`
            : SYMBOL[v];
          return `<td style="background:${COLOUR[v]}">${text}</td>`;
        })
        .join("");
      return `<tr><td><b>${esc(r.id)}</b> ${esc(r.name)}</td><td>${esc(levelOf(levels, r.id))}</td>${tds}</tr>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Conformance matrix</title><style>
body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
</style></head><body><h1>Conformance matrix</h1><p>${esc(LEGEND)}.</p><table><tr><th>scenario</th><th>level</th>${th}</tr>
${trs}
</table></body></html>
`;
}
