/**
 * Splits a replication byte stream into frames for the proxy, with the wire's FrameDecoder. A
 * header the decoder refuses (zero length, over Pika's limit) cannot be framed past, so from
 * there on the stream is handed back raw, byte for byte: the proxy forwards it unchanged.
 */
import { FrameDecoder, FrameError, HEADER_LENGTH } from "../wire";

export interface Split {
  /** Bodies of the complete frames, in order. */
  frames: Buffer[];
  /** Bytes to forward as they are, after the frames (set once framing has failed). */
  raw?: Buffer;
  /** The framing error, on the push where it happened. */
  error?: FrameError;
}

export class FrameSplitter {
  private readonly decoder = new FrameDecoder();
  /** The bytes the decoder holds (an incomplete frame), to hand over raw if its header is bad. */
  private tail: Buffer[] = [];
  private tailLength = 0;
  private failed: FrameError | undefined;

  /** The framing error, once framing has stopped. */
  get error(): FrameError | undefined {
    return this.failed;
  }

  push(chunk: Buffer): Split {
    if (this.failed) return { frames: [], raw: chunk };
    this.tail.push(chunk);
    this.tailLength += chunk.length;
    try {
      const frames = this.decoder.push(chunk);
      this.keepTail(this.decoder.pending);
      return { frames };
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      this.failed = err;
      // Frames completed by this chunk before the bad header were lost with the throw: re-split them.
      const all = Buffer.concat(this.tail);
      const rawStart = all.length - this.decoder.pending;
      const frames: Buffer[] = [];
      for (let at = 0; at < rawStart; ) {
        const n = all.readUInt32BE(at);
        frames.push(all.subarray(at + HEADER_LENGTH, at + HEADER_LENGTH + n));
        at += HEADER_LENGTH + n;
      }
      this.tail = [];
      this.tailLength = 0;
      return { frames, raw: all.subarray(rawStart), error: err };
    }
  }

  /** Drops buffered copies from the front until `keep` bytes remain. */
  private keepTail(keep: number): void {
    for (let first = this.tail[0]; first && this.tailLength - first.length >= keep; first = this.tail[0]) {
      this.tailLength -= first.length;
      this.tail.shift();
    }
    const excess = this.tailLength - keep;
    const first = this.tail[0];
    if (excess > 0 && first) {
      this.tail[0] = first.subarray(excess);
      this.tailLength = keep;
    }
  }
}
