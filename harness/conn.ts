/**
 * A framed replication connection: a socket, a FrameDecoder, and callbacks for complete frames,
 * framing errors and close. Used by both reference sides and by both probes.
 */
import type { Socket } from "node:net";
import { encodeFrame, FrameDecoder, FrameError, PIKA_MAX_BODY } from "./wire";

export class FrameConn {
  onFrame: (body: Buffer) => void = () => {};
  /** Called with a framing error; the connection is then destroyed. */
  onFrameError: (err: FrameError) => void = () => {};
  onClose: () => void = () => {};
  private readonly decoder: FrameDecoder;

  constructor(
    readonly socket: Socket,
    readonly id: string,
    maxBody = PIKA_MAX_BODY,
  ) {
    this.decoder = new FrameDecoder(maxBody);
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      let failure: FrameError | undefined;
      try {
        frames = this.decoder.push(chunk);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        // The frames ahead of the bad header are handled first, as Pika does.
        frames = err.frames;
        failure = err;
      }
      for (const f of frames) {
        if (socket.destroyed) return;
        this.onFrame(f);
      }
      if (failure) {
        this.onFrameError(failure);
        socket.destroy();
      }
    });
    socket.on("error", () => {}); // a reset peer is an ordinary close here
    socket.once("close", () => this.onClose());
  }

  /** Closed, or closing: nothing more is sent. */
  get closed(): boolean {
    return this.socket.destroyed || this.socket.writableEnded;
  }

  /** Sends one frame with this body. */
  send(body: Uint8Array): void {
    if (!this.closed) this.socket.write(encodeFrame(body));
  }

  /** Writes bytes as they are (malformed frames). */
  writeRaw(bytes: Uint8Array): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /**
   * Graceful close: a FIN after every byte already written, then the socket is gone. A peer that
   * never reads does not keep it open for more than 10 s.
   */
  close(): void {
    if (this.closed) return;
    const stuck = setTimeout(() => this.socket.destroy(), 10_000).unref();
    this.socket.end(() => {
      clearTimeout(stuck);
      this.socket.destroy();
    });
  }

  /** Abortive close (RST). */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}
