/**
 * Frame codec of Pika's replication port (P+2000) and rsync port (P+10001):
 * a 4-byte big-endian body length N, then N bytes of one protobuf message.
 * This module imports nothing of the project.
 */

export const HEADER_LENGTH = 4;
/** Pika closes a connection when N + 4 reaches 512 MiB (kProtoMaxMessage). */
export const PIKA_MAX_MESSAGE = 536_870_912;
/** The largest body length Pika accepts: N + 4 < 512 MiB. */
export const PIKA_MAX_BODY = PIKA_MAX_MESSAGE - HEADER_LENGTH - 1;

export type FrameErrorKind = "zero-length" | "over-limit";

/** A frame header the decoder refuses. Carries the header and a hex prefix of what followed. */
export class FrameError extends Error {
  /**
   * The complete frames that came before the refused header in the push that failed, in order:
   * a reader handles them as Pika does (one frame per read event, the bad header only after
   * them), then gives up the connection. Empty when a failed decoder throws the error again.
   */
  frames: Buffer[] = [];

  constructor(
    readonly kind: FrameErrorKind,
    readonly length: number,
    readonly header: Buffer,
    readonly hexPrefix: string,
    readonly limit: number,
  ) {
    super(
      kind === "zero-length"
        ? `zero-length frame (header ${header.toString("hex")}, data ${hexPrefix || "none"})`
        : `frame length ${length} exceeds the limit of ${limit} bytes (header ${header.toString("hex")}, data ${hexPrefix || "none"})`,
    );
    this.name = "FrameError";
  }
}

export function encodeFrame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, HEADER_LENGTH);
  return out;
}

/** A frame header with an arbitrary length and body, for malformed-frame scenarios. */
export function rawFrame(length: number, body: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.allocUnsafe(HEADER_LENGTH);
  header.writeUInt32BE(length >>> 0, 0);
  return Buffer.concat([header, body]);
}

/**
 * Streaming decoder: push chunks as they arrive, get complete bodies back. Handles frames split
 * anywhere and many frames per chunk. A zero length, or a length above `maxBody`, throws a
 * FrameError as soon as the 4 header bytes are known and before any body buffer is allocated;
 * the frames completed earlier in the same push travel in the error's `frames`, so what a
 * reader sees does not depend on how the bytes were chunked. After an error the decoder stays
 * failed: the connection it served must be closed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failure: FrameError | undefined;

  constructor(readonly maxBody: number = PIKA_MAX_BODY) {}

  /** Bytes received but not yet returned as a frame. */
  get pending(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) {
      this.failure.frames = [];
      throw this.failure;
    }
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const frames: Buffer[] = [];
    while (this.buffered >= HEADER_LENGTH) {
      const header = this.peek(HEADER_LENGTH);
      const length = header.readUInt32BE(0);
      if (length === 0 || length > this.maxBody) {
        const prefix = this.peek(Math.min(this.buffered, HEADER_LENGTH + 16)).subarray(HEADER_LENGTH);
        this.failure = new FrameError(
          length === 0 ? "zero-length" : "over-limit",
          length,
          Buffer.from(header),
          prefix.toString("hex"),
          this.maxBody,
        );
        this.failure.frames = frames;
        throw this.failure;
      }
      if (this.buffered < HEADER_LENGTH + length) break;
      this.take(HEADER_LENGTH);
      frames.push(this.take(length));
    }
    return frames;
  }

  /** The first n buffered bytes, without consuming them (n <= buffered). */
  private peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (const c of this.chunks) {
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (filled === n) break;
    }
    return out;
  }

  /** Consume n buffered bytes (n <= buffered). */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      for (let c = this.chunks[0]; c && filled < n; c = this.chunks[0]) {
        const k = Math.min(c.length, n - filled);
        c.copy(out, filled, 0, k);
        filled += k;
        if (k === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(k);
      }
    }
    this.buffered -= n;
    return out;
  }
}
