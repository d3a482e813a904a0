/**
 * The Redis protocol on port P for the reference node: a request parser (RESP arrays and
 * inline commands) and reply encoders.
 */

export type Reply =
  | { simple: string }
  | { error: string }
  | { bulk: string | null }
  | { int: number }
  | { array: string[] };

export function encodeReply(r: Reply): string {
  if ("simple" in r) return `+${r.simple}\r\n`;
  if ("error" in r) return `-${r.error}\r\n`;
  if ("int" in r) return `:${r.int}\r\n`;
  if ("array" in r) return `*${r.array.length}\r\n${r.array.map((i) => encodeReply({ bulk: i })).join("")}`;
  if (r.bulk === null) return "$-1\r\n";
  return `$${Buffer.byteLength(r.bulk)}\r\n${r.bulk}\r\n`;
}

/** Incremental parser; push bytes, get complete commands (arrays of strings). */
export class RespParser {
  private buf: Buffer = Buffer.alloc(0);
  static readonly MAX_BUFFER = 64 * 1024 * 1024;

  push(chunk: Buffer): string[][] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.buf.length > RespParser.MAX_BUFFER) throw new Error("request too large");
    const out: string[][] = [];
    for (;;) {
      const r = this.parseOne();
      if (!r) break;
      out.push(r.cmd);
      this.buf = this.buf.subarray(r.used);
    }
    return out;
  }

  private line(from: number): { text: string; next: number } | undefined {
    const end = this.buf.indexOf("\r\n", from);
    if (end < 0) return undefined;
    return { text: this.buf.toString("utf8", from, end), next: end + 2 };
  }

  private parseOne(): { cmd: string[]; used: number } | undefined {
    if (this.buf.length === 0) return undefined;
    if (this.buf[0] !== 0x2a /* '*' */) {
      const l = this.line(0);
      if (!l) return undefined;
      return { cmd: l.text.trim().split(/\s+/).filter(Boolean), used: l.next };
    }
    const head = this.line(0);
    if (!head) return undefined;
    const n = Number(head.text.slice(1));
    if (!Number.isInteger(n) || n < 0 || n > 1024)
      throw new Error("Protocol error: invalid multibulk length");
    let pos = head.next;
    const cmd: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = this.line(pos);
      if (!l) return undefined;
      if (l.text[0] !== "$") throw new Error("Protocol error: expected '$'");
      const len = Number(l.text.slice(1));
      if (!Number.isInteger(len) || len < 0 || len > 512 * 1024 * 1024)
        throw new Error("Protocol error: invalid bulk length");
      if (this.buf.length < l.next + len + 2) return undefined;
      cmd.push(this.buf.toString("utf8", l.next, l.next + len));
      pos = l.next + len + 2;
    }
    return { cmd, used: pos };
  }
}
