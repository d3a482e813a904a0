/**
 * The conformance matrix: scenario × column (a target, a version, a variant), each cell a
 * verdict, as Markdown and as a self-contained HTML page. Besides the columns of runs, one column
 * per Pika release family (3.3, 3.4, 3.5, 4.0) shows what its newest release's ledger predicts:
 * from the ledger, not a run.
 */
import { compareVersions } from "../version";
import type { Ledger } from "./ledger";
import type { Verdict } from "./outcome";

/** One column: a run's verdicts (from the CLI's verdicts.json, or judged in process). */
export interface Column {
  label: string;
  judged: readonly { id?: string; name: string; verdict: Verdict }[];
  /** Where this column's traces are (<ID>.ndjson), as a link from the matrix's page. */
  traces?: string;
  /** The verdicts are a ledger's prediction, not a run's (ledgerColumn). */
  predicted?: boolean;
}

/** The release family of a release ledger's name ("3.5.5" is of 3.5); undefined for a branch build's. */
export const familyOf = (name: string) => /^(\d+\.\d+)\.\d+$/.exec(name)?.[1];

/** Each release family's newest release ledger, oldest family first (branch ledgers never stand in). */
export function familyLedgers(ledgers: readonly Ledger[]): { family: string; ledger: Ledger }[] {
  const newest = new Map<string, Ledger>();
  for (const l of ledgers) {
    const family = familyOf(l.name);
    const seen = family ? newest.get(family) : undefined;
    if (family && (!seen || compareVersions(l.name, seen.name) > 0)) newest.set(family, l);
  }
  return [...newest.entries()]
    .sort(([a], [b]) => compareVersions(`${a}.0`, `${b}.0`))
    .map(([family, ledger]) => ({ family, ledger }));
}

/**
 * The column a ledger predicts, not a run: expected-fail for each deviation, pass for each pass,
 * nothing ("-") for a scenario it does not account for. `names`: scenario ID to name.
 */
export function ledgerColumn(ledger: Ledger, family: string, names: ReadonlyMap<string, string>): Column {
  const cell = (id: string, verdict: Verdict) => ({ id, name: names.get(id) ?? id, verdict });
  return {
    label: `${family} (ledger ${ledger.name}${ledger.coverage === "complete" ? "" : `, ${ledger.coverage}`}): from the ledger, not a run`,
    judged: [
      ...[...ledger.deviations.keys()].map((id) => cell(id, "expected-fail")),
      ...[...ledger.passes.keys()].map((id) => cell(id, "pass")),
    ],
    predicted: true,
  };
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
const PREDICTED_LEGEND =
  "A column labelled \"from the ledger, not a run\" is what that release family's newest release's ledger " +
  "predicts: expected-fail for a listed deviation, pass for a listed pass, - for a scenario it does not account for";

const legend = (columns: Column[]) =>
  columns.some((c) => c.predicted) ? `${LEGEND}. ${PREDICTED_LEGEND}` : LEGEND;

const levelOf = (levels: Levels, id: string) => (levels.get(id) ?? "").toUpperCase();

export function matrixMarkdown(columns: Column[], levels: Levels = new Map()): string {
  const head = `| scenario | level | ${columns.map((c) => md(c.label)).join(" | ")} |`;
  const sep = `|---|---|${columns.map(() => "---").join("|")}|`;
  const body = rows(columns).map(
    (r) =>
      `| ${md(r.id)} ${md(r.name)} | ${levelOf(levels, r.id)} | ${r.cells.map((v) => (v ? SYMBOL[v] : "-")).join(" | ")} |`,
  );
  return `# Conformance matrix\n\n${legend(columns)}.\n\n${[head, sep, ...body].join("\n")}\n`;
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
          const style = `background:${COLOUR[v]}${columns[i]?.predicted ? ";font-style:italic" : ""}`;
          return `<td style="${style}">${text}</td>`;
        })
        .join("");
      return `<tr><td><b>${esc(r.id)}</b> ${esc(r.name)}</td><td>${esc(levelOf(levels, r.id))}</td>${tds}</tr>`;
    })
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Conformance matrix</title><style>
body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}
</style></head><body><h1>Conformance matrix</h1><p>${esc(legend(columns))}.</p><table><tr><th>scenario</th><th>level</th>${th}</tr>
${trs}
</table></body></html>
`;
}
