/**
 * The one redaction point. Every text about a scenario that leaves the process passes the
 * scenario's Redactor: step and hook errors (the console, both JUnit files, the messages stream,
 * the HTML report), every attachment (node logs, the trace as ndjson, text and SVG, recovery
 * figures) and the trace files. Its secrets are the configured requirepass and masterauth of the
 * scenario's nodes, and the passwords an external target was given; each is replaced by
 * "<redacted>" as it is, JSON-escaped and XML-escaped (the forms it takes inside the ndjson and
 * the SVG). Control characters but newline and tab are shown as escapes (\x1b, \x00), and so are
 * the characters XML cannot carry (\ufffe, a lone surrogate) and the end of a CDATA section
 * ("]]\x3e"), so nothing a system under test sends can recolour the terminal or break a report.
 */
import type { TraceEvent } from "./trace";

export const REDACTED = "<redacted>";

/** Options of a node that may carry secrets (a subset of NodeOptions). */
export interface SecretOptions {
  requirepass?: string;
  masterauth?: string;
}

/** The non-empty requirepass and masterauth values of some nodes. */
export function secretsOf(options: Iterable<SecretOptions | undefined>): string[] {
  const found: string[] = [];
  for (const o of options) for (const v of [o?.requirepass, o?.masterauth]) if (v) found.push(v);
  return found;
}

const xmlEscaped = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Controls but newline and tab, and what XML cannot carry (lone surrogates, U+FFFE, U+FFFF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters shown as escapes
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|\p{Cs}/gu;
const escaped = (c: string) => {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
};
/** Attachments whose bytes are text (and so are redacted); anything else is passed on as it is. */
const TEXT_MEDIA = /^text\/|[+/](xml|json|x-ndjson)$/;

export class Redactor {
  private readonly pattern: RegExp | undefined;

  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (!s) continue; // an empty password is no secret
      for (const f of [s, JSON.stringify(s).slice(1, -1), xmlEscaped(s)]) forms.add(f);
    }
    // Longest first: a secret that contains another is replaced whole.
    const list = [...forms].sort((a, b) => b.length - a.length);
    this.pattern = list.length ? new RegExp(list.map(escapeRegExp).join("|"), "g") : undefined;
  }

  /** `text` with every secret replaced and control characters shown as escapes. */
  text(text: string): string {
    const redacted = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    // "]]>" too: cucumber's JUnit writer puts messages in CDATA and splits only the first one.
    return redacted.replace(UNSAFE, escaped).replace(/\]\]>/g, "]]\\x3e");
  }

  /** The error with its message and stack redacted; the same object, for rethrowing. */
  error<E>(err: E): E {
    if (err instanceof Error) {
      err.message = this.text(err.message);
      if (err.stack) err.stack = this.text(err.stack);
    }
    return err;
  }

  /** Copies of trace events with every text field redacted, before they are cut or rendered. */
  events(events: readonly TraceEvent[]): TraceEvent[] {
    return events.map((e) => ({
      ...e,
      from: this.text(e.from),
      to: this.text(e.to),
      conn: this.text(e.conn),
      kind: this.text(e.kind),
      summary: this.text(e.summary),
    }));
  }

  /** An attachment's content: text redacted, as a string or as bytes like it came. */
  attachment(data: string | Buffer, mediaType: string): string | Buffer {
    if (typeof data === "string") return this.text(data);
    return TEXT_MEDIA.test(mediaType) ? Buffer.from(this.text(data.toString("utf8"))) : data;
  }
}
