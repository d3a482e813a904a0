/**
 * The wire trace of a scenario: every frame the probes sent and received, with the scenario's
 * clock time, as ndjson. Summaries come from wire/messages.ts `summarize`, which redacts secrets.
 */
import type { Clock } from "../clock";

export interface TraceEvent {
  /** Milliseconds since the scenario started, on the scenario's clock. */
  t: number;
  /** Who sent it (e.g. "probe-slave", "master"). */
  from: string;
  to: string;
  /** Connection label (e.g. "A"). */
  conn: string;
  /** "frame" for a decoded frame; otherwise an event such as "connect", "close", "raw". */
  kind: string;
  summary: string;
  bytes?: number;
}

export class Trace {
  readonly events: TraceEvent[] = [];
  private readonly start: number;
  constructor(private readonly clock: Clock) {
    this.start = clock.now();
  }
  record(e: Omit<TraceEvent, "t">): TraceEvent {
    const event = { t: this.clock.now() - this.start, ...e };
    this.events.push(event);
    return event;
  }
  toNdjson(): string {
    return this.events.map((e) => JSON.stringify(e)).join("\n") + (this.events.length ? "\n" : "");
  }
  /** The last n events as readable lines, for error reports. */
  tail(n = 12): string {
    return this.events
      .slice(-n)
      .map(
        (e) =>
          `${(e.t / 1000).toFixed(3).padStart(9)} s  ${e.conn.padEnd(4)} ${e.from} -> ${e.to}  ${e.summary}`,
      )
      .join("\n");
  }
}
