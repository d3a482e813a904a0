/**
 * The reference node's binlog: one per database, in memory, with Pika's offsets.
 *
 * An item is what Pika's binlog transverter encodes (docs/PROTOCOL.md §5.4): a 34-byte
 * little-endian header (type 1, exec_time, term_id, logic_id, and the producer position before
 * the item: filenum and offset), the content length, then the command as a RESP multibulk.
 * Positions follow Pika's physical file format (src/pika_binlog.cc Produce, EmitPhysicalRecord):
 * 64 KiB blocks; each physical record is an 8-byte header (length: 3 bytes LE, unix time:
 * 4 bytes LE, record type: 1 byte) and a fragment of the item; fewer than 8 bytes left in a
 * block are zero-filled and the record starts in the next block; an item larger than the room
 * left is split into first, middle and last fragments. So the end offset of an item here is
 * what a real Pika computes when it appends the same item at the same position, which is what
 * its ack carries back. A new file, write2file<N+1>, is begun before an append once the current
 * one is larger than binlog-file-size.
 *
 * The bytes of a file are not kept, only its items and their positions; `fileBytes` renders a
 * file as Pika would have written it.
 */
import { RespParser } from "./resp";

export const BLOCK_SIZE = 64 * 1024;
/** A physical record's header: 3 bytes of length, 4 of unix time, 1 of record type. */
export const RECORD_HEADER_SIZE = 8;
/** Pika's BINLOG_ITEM_HEADER_SIZE (BINLOG_ENCODE_LEN). */
export const ITEM_HEADER_SIZE = 34;
/** The only item type Pika writes (TypeFirst). */
export const ITEM_TYPE = 1;
/** Pika's physical record types. */
export const RecordType = { full: 1, first: 2, middle: 3, last: 4 } as const;
export const BINLOG_PREFIX = "write2file";

/** The header fields of an item. */
export interface ItemHeader {
  /** Unix seconds when the item was written. */
  execTime: number;
  termId: number;
  /** The previous item's logic id plus one. */
  logicId: number;
  /** The producer position before this item. */
  filenum: number;
  offset: number;
}

export interface DecodedItem extends ItemHeader {
  type: number;
  /** The content_length field, as written (a Pika slave does not check it). */
  contentLength: number;
  /** Everything after the header. */
  content: Buffer;
}

export class BinlogItemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BinlogItemError";
  }
}

/** One command as a RESP multibulk, as Pika's binlog content carries it. */
export function encodeCommand(argv: readonly string[]): Buffer {
  const parts = [`*${argv.length}\r\n`];
  for (const a of argv) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(""));
}

/** The one command of an item's content; throws BinlogItemError unless it is exactly one multibulk. */
export function decodeCommand(content: Buffer): string[] {
  if (content[0] !== 0x2a) throw new BinlogItemError("binlog content is not a RESP multibulk");
  let cmds: string[][];
  try {
    cmds = new RespParser().push(content);
  } catch (err) {
    throw new BinlogItemError(`binlog content: ${(err as Error).message}`);
  }
  const [cmd] = cmds;
  if (cmds.length !== 1 || cmd === undefined || cmd.length === 0)
    throw new BinlogItemError(`binlog content holds ${cmds.length} complete commands, not one`);
  if (encodeCommand(cmd).length !== content.length)
    throw new BinlogItemError("binlog content has bytes after its command");
  return cmd;
}

/** An item's bytes: the 34-byte header, then the content. */
export function encodeItem(h: ItemHeader, content: Buffer): Buffer {
  const b = Buffer.alloc(ITEM_HEADER_SIZE + content.length);
  b.writeUInt16LE(ITEM_TYPE, 0);
  b.writeUInt32LE(h.execTime >>> 0, 2);
  b.writeUInt32LE(h.termId >>> 0, 6);
  b.writeBigUInt64LE(BigInt(h.logicId), 10);
  b.writeUInt32LE(h.filenum >>> 0, 18);
  b.writeBigUInt64LE(BigInt(h.offset), 22);
  b.writeUInt32LE(content.length, 30);
  content.copy(b, ITEM_HEADER_SIZE);
  return b;
}

/** An item's header and content; throws BinlogItemError when it is short or not of type 1. */
export function decodeItem(b: Buffer): DecodedItem {
  if (b.length < ITEM_HEADER_SIZE)
    throw new BinlogItemError(
      `binlog item of ${b.length} bytes, shorter than its ${ITEM_HEADER_SIZE}-byte header`,
    );
  const type = b.readUInt16LE(0);
  if (type !== ITEM_TYPE) throw new BinlogItemError(`binlog item type ${type}, expected ${ITEM_TYPE}`);
  return {
    type,
    execTime: b.readUInt32LE(2),
    termId: b.readUInt32LE(6),
    logicId: Number(b.readBigUInt64LE(10)),
    filenum: b.readUInt32LE(18),
    offset: Number(b.readBigUInt64LE(22)),
    contentLength: b.readUInt32LE(30),
    content: b.subarray(ITEM_HEADER_SIZE),
  };
}

/** One physical record of an item: where its 8-byte header starts, its type and fragment length. */
export interface Fragment {
  at: number;
  type: number;
  length: number;
}

/** Where an item of `length` bytes lands when appended at file offset `start`. */
export interface Placement {
  /** Zero bytes written before the first record (fewer than 8 were left in the block). */
  padding: number;
  fragments: Fragment[];
  /** The producer offset after the item. */
  end: number;
}

/** Pika's Produce: the records an item of `length` bytes takes when appended at `start`. */
export function place(start: number, length: number): Placement {
  let pos = start;
  let left = length;
  let padding = 0;
  const fragments: Fragment[] = [];
  do {
    const leftover = BLOCK_SIZE - (pos % BLOCK_SIZE);
    if (leftover < RECORD_HEADER_SIZE) {
      pos += leftover;
      padding += leftover;
    }
    const avail = BLOCK_SIZE - (pos % BLOCK_SIZE) - RECORD_HEADER_SIZE;
    const n = Math.min(left, avail);
    const first = fragments.length === 0;
    const last = n === left;
    const type =
      first && last ? RecordType.full : first ? RecordType.first : last ? RecordType.last : RecordType.middle;
    fragments.push({ at: pos, type, length: n });
    pos += RECORD_HEADER_SIZE + n;
    left -= n;
  } while (left > 0);
  return { padding, fragments, end: pos };
}

/** An item as the binlog holds it. */
export interface StoredItem {
  filenum: number;
  /** The producer offset before the item (its header's offset). */
  start: number;
  /** The producer offset after it: a chip's binlog_offset, and what an ack names. */
  end: number;
  termId: number;
  logicId: number;
  /** Unix seconds of the append: every record header of the item carries it. */
  writtenAt: number;
  /** The encoded item (header and content). */
  bytes: Buffer;
}

/** A producer or reader position: (filenum, offset), with the term and logic id of the item before it. */
export interface Position {
  filenum: number;
  offset: number;
  term: number;
  index: number;
}

/** What TrySync's offset check finds for a slave's position (§5.1). */
export type SyncPoint = "ok" | "larger" | "purged" | "not-start";

export interface BinlogOptions {
  /** binlog-file-size: a new file is begun once the current one is larger than this. */
  fileSize: number;
  /** Unix seconds now (the node's clock). */
  now(): number;
}

interface BinlogFile {
  items: StoredItem[];
  /** Item index by start offset, and by where its first record begins after any padding. */
  starts: Map<number, number>;
  size: number;
  /** Where a file begun by a full sync starts (resetTo): no items before it. */
  base?: number;
}

export class Binlog {
  private readonly files = new Map<number, BinlogFile>();
  private filenum = 0;
  private term = 0;
  private logicId = 0;

  constructor(private readonly options: BinlogOptions) {
    this.files.set(0, newFile());
  }

  /** The producer position: where the next item goes. */
  producer(): Position {
    return { filenum: this.filenum, offset: this.current().size, term: this.term, index: this.logicId };
  }

  /** The numbers of the files held, oldest first. */
  fileNums(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b);
  }

  hasFile(filenum: number): boolean {
    return this.files.has(filenum);
  }

  /** Appends one command's content as Pika's Binlog::Put does: a new header, the next logic id. */
  /** Where append writes the next item, as its header will say: a full file rolls over first. */
  nextItemAt(): { filenum: number; offset: number } {
    const size = this.current().size;
    return size > this.options.fileSize
      ? { filenum: this.filenum + 1, offset: 0 }
      : { filenum: this.filenum, offset: size };
  }

  append(content: Buffer): StoredItem {
    if (this.current().size > this.options.fileSize) {
      this.filenum++;
      this.files.set(this.filenum, newFile());
    }
    const file = this.current();
    const start = file.size;
    const writtenAt = Math.floor(this.options.now());
    const logicId = this.logicId + 1;
    const bytes = encodeItem(
      { execTime: writtenAt, termId: this.term, logicId, filenum: this.filenum, offset: start },
      content,
    );
    const p = place(start, bytes.length);
    const item: StoredItem = {
      filenum: this.filenum,
      start,
      end: p.end,
      termId: this.term,
      logicId,
      writtenAt,
      bytes,
    };
    const index = file.items.push(item) - 1;
    file.starts.set(start, index);
    file.starts.set(p.fragments[0]?.at ?? start, index);
    file.size = p.end;
    this.logicId = logicId;
    return item;
  }

  /** TrySync's offset check for a slave at (filenum, offset) (§5.1, in Pika's order). */
  syncPoint(filenum: number, offset: number): SyncPoint {
    const pro = this.producer();
    if (filenum > pro.filenum || (filenum === pro.filenum && offset > pro.offset)) return "larger";
    const file = this.files.get(filenum);
    if (!file) return "purged";
    return this.isStart(filenum, offset) ? "ok" : "not-start";
  }

  /** True when (filenum, offset) is where an item begins, or the end of that file's last item. */
  isStart(filenum: number, offset: number): boolean {
    const file = this.files.get(filenum);
    if (!file) return false;
    return offset === file.size || file.starts.has(offset);
  }

  /**
   * Up to `max` items from `from` on, continuing into the next files. `from` must be a start
   * (isStart); undefined when it is not, or when its file is gone.
   */
  read(from: { filenum: number; offset: number }, max: number): StoredItem[] | undefined {
    if (!this.isStart(from.filenum, from.offset)) return undefined;
    const out: StoredItem[] = [];
    let filenum = from.filenum;
    let file = this.files.get(filenum);
    let i = file?.starts.get(from.offset) ?? file?.items.length ?? 0;
    while (file && out.length < max) {
      const item = file.items[i++];
      if (item) {
        out.push(item);
        continue;
      }
      filenum++;
      file = this.files.get(filenum);
      i = 0;
    }
    return out;
  }

  /**
   * Deletes files oldest first: every file numbered `to` or lower (PURGELOGSTO write2file<to>),
   * never the current one. `mayPurge` can refuse a file (one a slave still reads); purging
   * stops at the first refusal, as in Pika. Returns the files deleted.
   */
  purgeTo(to: number, mayPurge: (filenum: number) => boolean = () => true): number[] {
    const gone: number[] = [];
    for (const n of this.fileNums()) {
      if (n > to || n === this.filenum || !mayPurge(n)) break;
      this.files.delete(n);
      gone.push(n);
    }
    return gone;
  }

  /** expire-logs-nums: deletes the oldest files until at most `keep` remain. */
  expire(keep: number, mayPurge?: (filenum: number) => boolean): number[] {
    const nums = this.fileNums();
    const excess = nums.length - Math.max(1, keep);
    if (excess <= 0) return [];
    return this.purgeTo(nums[excess - 1] ?? -1, mayPurge);
  }

  /** A file's bytes as Pika writes them: padding, record headers (with each item's time) and fragments. */
  fileBytes(filenum: number): Buffer | undefined {
    const file = this.files.get(filenum);
    if (!file) return undefined;
    const out = Buffer.alloc(file.size);
    for (const item of file.items) {
      let taken = 0;
      for (const f of place(item.start, item.bytes.length).fragments) {
        out.writeUIntLE(f.length, f.at, 3);
        out.writeUInt32LE(item.writtenAt >>> 0, f.at + 3);
        out.writeUInt8(f.type, f.at + 7);
        item.bytes.copy(out, f.at + RECORD_HEADER_SIZE, taken, taken + f.length);
        taken += f.length;
      }
    }
    return out;
  }

  /**
   * After a full sync: every file goes, and the binlog goes on from the snapshot's position, as
   * Pika's slave sets its producer to the dump's (filenum, offset): the next item is written at
   * that offset of write2file<filenum>, with the next logic id after `index`.
   */
  resetTo(p: Position): void {
    this.files.clear();
    this.filenum = p.filenum;
    this.term = p.term;
    this.logicId = p.index;
    this.files.set(p.filenum, { ...newFile(), size: p.offset, base: p.offset });
  }

  /** Everything the binlog holds, as plain data (what a restart of the node reads back). */
  save(): SavedBinlog {
    return {
      filenum: this.filenum,
      term: this.term,
      logicId: this.logicId,
      files: this.fileNums().map((n) => ({
        filenum: n,
        ...(this.files.get(n)?.base ? { base: this.files.get(n)?.base } : {}),
        items: (this.files.get(n)?.items ?? []).map((i) => ({ ...i, bytes: i.bytes.toString("base64") })),
      })),
    };
  }

  /** A binlog as `save` left it. */
  static load(options: BinlogOptions, saved: SavedBinlog): Binlog {
    const b = new Binlog(options);
    b.files.clear();
    for (const f of saved.files) {
      const file = newFile();
      if (f.base) {
        file.size = f.base;
        file.base = f.base;
      }
      for (const i of f.items) {
        const item: StoredItem = { ...i, bytes: Buffer.from(i.bytes, "base64") };
        const index = file.items.push(item) - 1;
        file.starts.set(item.start, index);
        file.starts.set(place(item.start, item.bytes.length).fragments[0]?.at ?? item.start, index);
        file.size = item.end;
      }
      b.files.set(f.filenum, file);
    }
    b.filenum = saved.filenum;
    b.term = saved.term;
    b.logicId = saved.logicId;
    if (!b.files.has(b.filenum)) b.files.set(b.filenum, newFile());
    return b;
  }

  private current(): BinlogFile {
    const f = this.files.get(this.filenum);
    if (!f) throw new Error(`binlog: the current file write2file${this.filenum} is missing`);
    return f;
  }
}

/** A binlog as plain JSON-able data: its files and items (bytes in base64) and its counters. */
export interface SavedBinlog {
  filenum: number;
  term: number;
  logicId: number;
  files: { filenum: number; base?: number; items: (Omit<StoredItem, "bytes"> & { bytes: string })[] }[];
}

function newFile(): BinlogFile {
  return { items: [], starts: new Map(), size: 0 };
}

/** pika.conf's binlog-file-size as Pika reads it: 100 MiB unless set within [1 KiB, 1 GiB]. */
export function binlogFileSize(value: number | undefined): number {
  const fallback = 100 * 1024 * 1024;
  if (value === undefined || value < 1024 || value > 1024 * 1024 * 1024) return fallback;
  return value;
}

/** pika.conf's expire-logs-nums as Pika reads it: at least 10 files are kept. */
export function expireLogsNums(value: number | undefined): number {
  return value === undefined || value <= 10 ? 10 : value;
}
