/**
 * What a scenario's trace becomes after the scenario: ndjson (one event per line) in the trace
 * directory for every scenario, and, for the report, the same ndjson, a readable text table and
 * the SVG sequence diagram. The scenario's Redactor has gone over the events before any of them
 * is produced (a secret cut short in a diagram label would no longer be recognised).
 *
 * Settings (environment): PIKA_TRACE_DIR, where the ndjson files go (default reports/traces);
 * PIKA_TRACE=all, attach trace and diagram to the report for passing scenarios too.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sequenceSvg, traceText } from "./diagram";
import type { Redactor } from "./redact";
import type { TraceEvent } from "./trace";

export const DEFAULT_TRACE_DIR = join("reports", "traces");

export function traceDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIKA_TRACE_DIR || DEFAULT_TRACE_DIR;
}

/** Whether traces are attached to the report for every scenario, not only failed ones. */
export function attachAllTraces(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.PIKA_TRACE === "all";
}

export function toNdjson(events: readonly TraceEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join("");
}

/** A scenario's trace with its secrets redacted, in the forms reports need. */
export class TraceArtifacts {
  readonly events: TraceEvent[];
  readonly title: string;
  constructor(events: readonly TraceEvent[], redactor: Redactor, title: string) {
    this.events = redactor.events(events);
    this.title = redactor.text(title);
  }
  get ndjson(): string {
    return toNdjson(this.events);
  }
  get text(): string {
    return traceText(this.events);
  }
  get svg(): string {
    return sequenceSvg(this.events, this.title);
  }
}

/** The file name stem of a scenario's trace: its ID (MS-DUP-02) or else its name, made safe. */
export function traceFileBase(scenarioId: string | undefined, name: string): string {
  if (scenarioId && /^[A-Za-z0-9._-]+$/.test(scenarioId)) return scenarioId;
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return safe || "scenario";
}

/** Writes trace files into one directory; a stem used twice in a run gets "-2", "-3", ... */
export class TraceWriter {
  private readonly used = new Map<string, number>();
  constructor(readonly dir: string) {}

  /** Writes `<dir>/<stem>.ndjson` and returns its path. */
  async write(stem: string, ndjson: string): Promise<string> {
    const count = (this.used.get(stem) ?? 0) + 1;
    this.used.set(stem, count);
    const path = join(this.dir, `${count === 1 ? stem : `${stem}-${count}`}.ndjson`);
    await mkdir(this.dir, { recursive: true });
    await writeFile(path, ndjson);
    return path;
  }
}
