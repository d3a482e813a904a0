/**
 * The last guard before a trace leaves the process: every configured secret (requirepass,
 * masterauth) is replaced by "<redacted>" wherever it occurs in an event, whatever produced it.
 * Summaries already redact MetaSync auth; this catches anything else (an error text that echoes
 * a password, a future summary that forgets to redact).
 */
import type { TraceEvent } from "./trace";

export const REDACTED = "<redacted>";

/** Options of a node that may carry secrets (a subset of NodeOptions). */
export interface SecretOptions {
  requirepass?: string;
  masterauth?: string;
}

/** The non-empty requirepass and masterauth values of some nodes, longest first, no duplicates. */
export function secretsOf(options: Iterable<SecretOptions | undefined>): string[] {
  const found = new Set<string>();
  for (const o of options) {
    for (const v of [o?.requirepass, o?.masterauth]) if (v) found.add(v);
  }
  // Longest first: a secret that contains another is replaced whole.
  return [...found].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** `text` with every occurrence of every secret replaced by "<redacted>". */
export function redactText(text: string, secrets: readonly string[]): string {
  const list = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (list.length === 0) return text;
  const pattern = new RegExp(list.map(escapeRegExp).join("|"), "g");
  return text.replace(pattern, REDACTED);
}

/** Copies of the events with every secret replaced in every text field. */
export function redactEvents(events: readonly TraceEvent[], secrets: readonly string[]): TraceEvent[] {
  if (!secrets.some((s) => s.length > 0)) return events.map((e) => ({ ...e }));
  return events.map((e) => ({
    ...e,
    from: redactText(e.from, secrets),
    to: redactText(e.to, secrets),
    conn: redactText(e.conn, secrets),
    kind: redactText(e.kind, secrets),
    summary: redactText(e.summary, secrets),
  }));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Text that leaves the process (an error the reports and the console show): every secret
 * redacted, and every control character but newline and tab shown as an escape (\x1b, \x00), so
 * nothing a system under test sends can recolour the terminal or break a report.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return redactText(text, secrets).replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters shown as escapes
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/** The error with its message and stack scrubbed (see scrub); the same object, for rethrowing. */
export function scrubError<E>(err: E, secrets: readonly string[]): E {
  if (err instanceof Error) {
    err.message = scrub(err.message, secrets);
    if (err.stack) err.stack = scrub(err.stack, secrets);
  }
  return err;
}
