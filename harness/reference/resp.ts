/**
 * The Redis protocol on port P for the reference node: a request parser (RESP arrays and
 * inline commands) and reply encoders.
 */

export type Reply =
  | { simple: string }
  | { error: string }
  | { bulk: string | null }
  /** A bigint for values past 2^53 (INCRBY near int64's ends). */
  | { int: number | bigint }
  | { array: string[] }
  /** An array of any replies: MGET's nils, SCAN's [cursor, keys]. */
  | { multi: Reply[] };

export function encodeReply(r: Reply): string {
  if ("simple" in r) return `+${r.simple}\r\n`;
  if ("error" in r) return `-${r.error}\r\n`;
  if ("int" in r) return `:${r.int}\r\n`;
  if ("array" in r) return `*${r.array.length}\r\n${r.array.map((i) => encodeReply({ bulk: i })).join("")}`;
  if ("multi" in r) return `*${r.multi.length}\r\n${r.multi.map(encodeReply).join("")}`;
  if (r.bulk === null) return "$-1\r\n";
  return `$${Buffer.byteLength(r.bulk)}\r\n${r.bulk}\r\n`;
}

/** The parser's limits; the defaults are Redis's, and the reference's own 64 MiB per command. */
export interface RespLimits {
  /** The longest line without its CRLF: an inline command, a `*` count or a `$` length. */
  inline: number;
  /** The largest `*` count. */
  multibulk: number;
  /** The largest `$` length. */
  bulk: number;
  /** The most bytes one command may take, all its lines and data counted. */
  command: number;
}

/**
 * A request the parser refuses. The connection must answer `-ERR <message>` and close. Carries
 * the commands completed before the refused bytes in the push that failed, so what a server
 * does with them does not depend on how the bytes were chunked.
 */
export class RespError extends Error {
  /** The complete commands ahead of the error in the push that raised it (empty when raised again). */
  commands: string[][] = [];

  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
}

/** How many bytes the parser has examined and copied: the linear-time tests read these. */
export interface RespWork {
  /** Bytes searched for a CRLF. */
  scanned: number;
  /** Bytes copied into the parser's own buffer. */
  copied: number;
}

const CRLF = Buffer.from("\r\n");
const EMPTY = Buffer.alloc(0);
/** A buffer kept between commands is given up once it is larger than this. */
const KEEP_BUFFER = 64 * 1024;
/**
 * A bulk string is decoded as it arrives once this much of it is pending. Pieces this large
 * go straight to V8's large-object space, where no scavenge copies them again and again.
 */
const STREAM_PIECE = 1024 * 1024;

type Phase = "begin" | "inline" | "count" | "length" | "data";

/**
 * Incremental parser; push bytes, get complete commands (arrays of strings). It works in time
 * linear in the bytes pushed however they are chunked: a line's CRLF search resumes where the
 * last one stopped, the parts of a command already parsed are not looked at again, pending
 * bytes live in one buffer that grows by doubling instead of being concatenated per chunk, and
 * a long bulk string is decoded piece by piece as it arrives. Whether a request is refused, and
 * with which message, depends only on the bytes, never on where the chunks split them. After
 * an error the parser stays failed.
 */
export class RespParser {
  static readonly MAX_BUFFER = 64 * 1024 * 1024;
  static readonly DEFAULT_LIMITS: Readonly<RespLimits> = {
    inline: 64 * 1024,
    multibulk: 1024 * 1024,
    bulk: 512 * 1024 * 1024,
    command: RespParser.MAX_BUFFER,
  };
  readonly limits: Readonly<RespLimits>;
  readonly work: RespWork = { scanned: 0, copied: 0 };
  /** The bytes being parsed: the chunk just pushed, or `own` once bytes are kept across pushes. */
  private data: Buffer = EMPTY;
  private own: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  /** Where the CRLF search of the current line resumes, counted from `start`. */
  private lineScan = 0;
  private phase: Phase = "begin";
  /** Bytes of the current command already consumed. */
  private commandBytes = 0;
  private args: string[] = [];
  private remaining = 0;
  private bulkLength = 0;
  /** The part of the current bulk string decoded so far, and how many of its bytes that took. */
  private bulkText = "";
  private bulkDecoded = 0;
  private failure: RespError | undefined;

  constructor(limits: Partial<RespLimits> = {}) {
    this.limits = { ...RespParser.DEFAULT_LIMITS, ...limits };
  }

  push(chunk: Buffer): string[][] {
    if (this.failure) {
      this.failure.commands = [];
      throw this.failure;
    }
    if (this.start === this.end) {
      // Nothing is kept: parse the chunk where it lies and copy only what is left of it.
      this.data = chunk;
      this.start = 0;
      this.end = chunk.length;
    } else this.append(chunk);
    const out: string[][] = [];
    try {
      this.parse(out);
    } catch (err) {
      if (!(err instanceof RespError)) throw err;
      err.commands = out;
      this.failure = err;
      this.data = this.own = EMPTY;
      this.start = this.end = 0;
      throw err;
    }
    if (this.start === this.end) {
      this.start = this.end = 0;
      this.data = EMPTY;
      if (this.own.length > KEEP_BUFFER) this.own = EMPTY;
    } else if (this.data !== this.own) {
      // What is left of a chunk parsed in place is copied, so the chunk itself is not kept.
      const rest = this.data.subarray(this.start, this.end);
      if (this.own.length < rest.length) this.own = Buffer.allocUnsafe(Math.max(2 * rest.length, 4096));
      this.data = this.own;
      rest.copy(this.data, 0);
      this.work.copied += rest.length;
      this.start = 0;
      this.end = rest.length;
    }
    return out;
  }

  /**
   * Appends a chunk to the kept bytes. When it does not fit after them, the kept bytes move to
   * the front if that leaves at least half the buffer free, or else to a buffer twice the size
   * needed: either way each move is paid for by the bytes appended since the last one.
   */
  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.own.length) {
      const live = this.end - this.start;
      const needed = live + chunk.length;
      const target = needed <= this.own.length / 2 ? this.own : Buffer.allocUnsafe(2 * needed);
      this.own.copy(target, 0, this.start, this.end);
      this.work.copied += live;
      this.own = this.data = target;
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.own, this.end);
    this.work.copied += chunk.length;
    this.end += chunk.length;
  }

  private parse(out: string[][]): void {
    for (;;) {
      if (this.phase === "begin") {
        if (this.start === this.end) return;
        this.phase = this.data[this.start] === 0x2a /* '*' */ ? "count" : "inline";
        this.commandBytes = 0;
      }
      if (this.phase === "data") {
        const left = this.bulkLength - this.bulkDecoded;
        const have = this.end - this.start;
        if (have < left + 2) {
          if (this.commandBytes + have > this.limits.command) throw new RespError("request too large");
          this.decodeSome(Math.min(have, left), have >= left);
          return;
        }
        const text = this.bulkText + this.data.toString("utf8", this.start, this.start + left);
        this.consumed(left + 2);
        this.args.push(text);
        this.bulkText = "";
        this.bulkDecoded = 0;
        if (--this.remaining > 0) this.phase = "length";
        else this.finish(out, this.args);
        continue;
      }
      const text = this.line();
      if (text === undefined) return;
      if (this.phase === "inline") {
        this.finish(out, text.trim().split(/\s+/).filter(Boolean));
      } else if (this.phase === "count") {
        const n = Number(text.slice(1));
        if (!Number.isInteger(n) || n < 0 || n > this.limits.multibulk)
          throw new RespError("Protocol error: invalid multibulk length");
        this.args = [];
        this.remaining = n;
        if (n === 0) this.finish(out, this.args);
        else this.phase = "length";
      } else {
        if (text[0] !== "$") throw new RespError("Protocol error: expected '$'");
        const len = Number(text.slice(1));
        if (!Number.isInteger(len) || len < 0 || len > this.limits.bulk)
          throw new RespError("Protocol error: invalid bulk length");
        this.bulkLength = len;
        this.phase = "data";
      }
    }
  }

  /**
   * Decodes the first `n` pending bytes of a long bulk string as they arrive, so that neither a
   * copy nor a decode of the whole string falls on one chunk. It stops at the last point where
   * UTF-8 decoding can be cut without changing the text: before a byte that is not a
   * continuation byte, after an ASCII byte, after three continuation bytes (no sequence is
   * longer than four), or at the string's end (`atEnd`). Short strings are decoded whole.
   */
  private decodeSome(n: number, atEnd: boolean): void {
    if (n < STREAM_PIECE) return;
    const d = this.data;
    const from = this.start;
    const to = from + n;
    const byte = (i: number) => d[i] ?? 0;
    const cont = (i: number) => (byte(i) & 0xc0) === 0x80;
    let cut = atEnd ? to : from;
    for (let p = to; cut === from && p > from && p > to - 4; p--) {
      if (
        byte(p - 1) < 0x80 ||
        (p < to && !cont(p)) ||
        (p - 3 >= from && cont(p - 1) && cont(p - 2) && cont(p - 3))
      )
        cut = p;
    }
    if (cut === from) return;
    this.bulkText += d.toString("utf8", from, cut);
    this.bulkDecoded += cut - from;
    this.consumed(cut - from);
  }

  private finish(out: string[][], cmd: string[]): void {
    out.push(cmd);
    this.args = [];
    this.phase = "begin";
  }

  /** Moves past `n` bytes of the current command. */
  private consumed(n: number): void {
    this.start += n;
    this.commandBytes += n;
    if (this.commandBytes > this.limits.command) throw new RespError("request too large");
  }

  /**
   * The next line of the current command without its CRLF, or undefined until its CRLF has
   * arrived. A line longer than the inline limit is refused as soon as that is certain: when
   * the bytes without a CRLF already exceed it (a final CR may yet be the start of the CRLF).
   */
  private line(): string | undefined {
    const from = this.start + this.lineScan;
    const at = this.data.subarray(from, this.end).indexOf(CRLF);
    if (at < 0) {
      this.work.scanned += this.end - from;
      const have = this.end - this.start;
      this.lineScan = Math.max(0, have - 1);
      const atLeast = this.data[this.end - 1] === 0x0d ? have - 1 : have;
      if (atLeast > this.limits.inline) throw new RespError(this.tooLong());
      return undefined;
    }
    this.work.scanned += at + 2;
    this.lineScan = 0;
    const length = from + at - this.start;
    if (length > this.limits.inline) throw new RespError(this.tooLong());
    const text = this.data.toString("utf8", this.start, this.start + length);
    this.consumed(length + 2);
    return text;
  }

  /** Redis's words for a line over the inline limit. */
  private tooLong(): string {
    if (this.phase === "inline") return "Protocol error: too big inline request";
    if (this.phase === "count") return "Protocol error: too big mbulk count string";
    return "Protocol error: too big bulk count string";
  }
}
