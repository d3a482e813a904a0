/**
 * The reference binlog: Pika's item encoding byte for byte, Pika's physical record positions
 * (blocks, padding, fragments), file rollover, purging, the TrySync offset check and reading.
 * The positions are cross-checked by reading the rendered file back with the rules of Pika's
 * binlog reader, written here independently of the writer.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Binlog,
  BinlogItemError,
  BLOCK_SIZE,
  binlogFileSize,
  decodeCommand,
  decodeItem,
  encodeCommand,
  encodeItem,
  expireLogsNums,
  ITEM_HEADER_SIZE,
  place,
  RecordType,
} from "../harness/reference/binlog";
import { PikaConf } from "../harness/reference/conf";

const T = 1_700_000_000;
const binlog = (fileSize = 100 * 1024 * 1024) => new Binlog({ fileSize, now: () => T });

/** A `set k <value>` content that makes an item of exactly `total` bytes. */
function contentOfItem(total: number): Buffer {
  // `set k <m bytes>` is 25 + digits(m) + m bytes of RESP.
  for (let d = 1; d < 10; d++) {
    const m = total - ITEM_HEADER_SIZE - 25 - d;
    if (m >= 0 && String(m).length === d) return encodeCommand(["set", "k", "x".repeat(m)]);
  }
  throw new Error(`no set item of ${total} bytes`);
}

/**
 * Reads a rendered file as Pika's PikaBinlogReader does: a record header is skipped as block
 * padding when 8 or fewer bytes are left in the block; first/middle/last fragments are joined.
 */
function readBack(file: Buffer): { item: Buffer; end: number }[] {
  const out: { item: Buffer; end: number }[] = [];
  let pos = 0;
  let parts: Buffer[] = [];
  while (pos < file.length) {
    const left = BLOCK_SIZE - (pos % BLOCK_SIZE);
    if (left <= 8) {
      // Zero padding, or a zero-length first fragment the writer put there.
      if (left === 8) assert.equal(file.readUIntLE(pos, 3), 0);
      pos += left;
      continue;
    }
    const length = file.readUIntLE(pos, 3);
    const type = file.readUInt8(pos + 7);
    assert.equal(file.readUInt32LE(pos + 3), T, "each record header carries the unix time");
    parts.push(file.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
    if (type === RecordType.full || type === RecordType.last) {
      out.push({ item: Buffer.concat(parts), end: pos });
      parts = [];
    } else assert.ok(type === RecordType.first || type === RecordType.middle, `record type ${type}`);
  }
  assert.equal(parts.length, 0, "no item left unfinished");
  return out;
}

describe("binlog item encoding (Pika's BinlogEncode)", () => {
  test("the worked example of §5.4: set k v at (0,0), logic id 1, exec_time 1700000000 is 61 bytes", () => {
    const content = encodeCommand(["set", "k", "v"]);
    assert.equal(content.toString(), "*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n");
    const item = encodeItem({ execTime: T, termId: 0, logicId: 1, filenum: 0, offset: 0 }, content);
    assert.equal(item.length, 61);
    const header = [
      "0100", // type 1 (TypeFirst), u16 LE
      "00f15365", // exec_time 1700000000 = 0x6553f100, u32 LE
      "00000000", // term_id 0
      "0100000000000000", // logic_id 1, u64 LE
      "00000000", // filenum 0
      "0000000000000000", // offset 0, u64 LE
      "1b000000", // content_length 27
    ].join("");
    assert.equal(item.subarray(0, ITEM_HEADER_SIZE).toString("hex"), header);
    assert.deepEqual(item.subarray(ITEM_HEADER_SIZE), content);
  });

  test("the binlog appends it the same way, and its end offset is 8 + 61", () => {
    const b = binlog();
    const item = b.append(encodeCommand(["set", "k", "v"]));
    assert.equal(item.bytes.length, 61);
    assert.equal(item.bytes.readUInt32LE(2), T);
    assert.equal(item.logicId, 1);
    assert.deepEqual([item.filenum, item.start, item.end], [0, 0, 69]);
    assert.deepEqual(b.producer(), { filenum: 0, offset: 69, term: 0, index: 1 });
    const second = b.append(encodeCommand(["set", "k", "w"]));
    const h = decodeItem(second.bytes);
    assert.deepEqual([h.logicId, h.filenum, h.offset], [2, 0, 69], "the header holds the position before it");
    assert.equal(second.end, 138);
  });

  test("decoding gives every field back; a bad type or a short item is refused", () => {
    const bytes = encodeItem(
      { execTime: 7, termId: 3, logicId: 2 ** 40, filenum: 12, offset: 2 ** 33 },
      encodeCommand(["del", "k"]),
    );
    const d = decodeItem(bytes);
    assert.deepEqual(
      [d.type, d.execTime, d.termId, d.logicId, d.filenum, d.offset, d.contentLength],
      [1, 7, 3, 2 ** 40, 12, 2 ** 33, d.content.length],
    );
    assert.deepEqual(decodeCommand(d.content), ["del", "k"]);
    const wrongType = Buffer.from(bytes);
    wrongType.writeUInt16LE(2, 0);
    assert.throws(() => decodeItem(wrongType), BinlogItemError);
    assert.throws(() => decodeItem(bytes.subarray(0, 33)), BinlogItemError);
  });

  test("content must be exactly one multibulk", () => {
    assert.deepEqual(decodeCommand(encodeCommand(["set", "ké", "v\r\n"])), ["set", "ké", "v\r\n"]);
    assert.throws(() => decodeCommand(Buffer.from("set k v\r\n")), BinlogItemError);
    assert.throws(() => decodeCommand(Buffer.from("*2\r\n$3\r\nset\r\n")), BinlogItemError);
    assert.throws(
      () => decodeCommand(Buffer.concat([encodeCommand(["del", "a"]), encodeCommand(["del", "b"])])),
      BinlogItemError,
    );
  });
});

describe("physical records (Pika's Produce)", () => {
  test("an item that fits is one full record: end = start + 8 + length", () => {
    assert.deepEqual(place(100, 61), { padding: 0, fragments: [{ at: 100, type: 1, length: 61 }], end: 169 });
  });

  test("an item that fills its block exactly ends on the block boundary", () => {
    const p = place(0, BLOCK_SIZE - 8);
    assert.deepEqual(p.fragments, [{ at: 0, type: RecordType.full, length: BLOCK_SIZE - 8 }]);
    assert.equal(p.end, BLOCK_SIZE);
    assert.deepEqual(place(BLOCK_SIZE, 61).fragments, [{ at: BLOCK_SIZE, type: 1, length: 61 }]);
  });

  test("fewer than 8 bytes left: they are zero padding, and the record starts in the next block", () => {
    const p = place(BLOCK_SIZE - 5, 61);
    assert.equal(p.padding, 5);
    assert.deepEqual(p.fragments, [{ at: BLOCK_SIZE, type: RecordType.full, length: 61 }]);
    assert.equal(p.end, BLOCK_SIZE + 69);
  });

  test("exactly 8 bytes left: a first fragment of length 0 there, the rest in the next block", () => {
    const p = place(BLOCK_SIZE - 8, 61);
    assert.deepEqual(p.fragments, [
      { at: BLOCK_SIZE - 8, type: RecordType.first, length: 0 },
      { at: BLOCK_SIZE, type: RecordType.last, length: 61 },
    ]);
    assert.equal(p.end, BLOCK_SIZE + 69);
  });

  test("a large item is split into first, middle and last fragments, 8 header bytes each", () => {
    const p = place(0, 200_000);
    const room = BLOCK_SIZE - 8;
    assert.deepEqual(p.fragments, [
      { at: 0, type: RecordType.first, length: room },
      { at: BLOCK_SIZE, type: RecordType.middle, length: room },
      { at: 2 * BLOCK_SIZE, type: RecordType.middle, length: room },
      { at: 3 * BLOCK_SIZE, type: RecordType.last, length: 200_000 - 3 * room },
    ]);
    assert.equal(p.end, 200_000 + 4 * 8);
  });

  test("a crossing item starts mid-block: first fragment takes the rest of the block", () => {
    const p = place(BLOCK_SIZE - 100, 500);
    assert.deepEqual(p.fragments, [
      { at: BLOCK_SIZE - 100, type: RecordType.first, length: 92 },
      { at: BLOCK_SIZE, type: RecordType.last, length: 408 },
    ]);
    assert.equal(p.end, BLOCK_SIZE + 416);
  });

  test("a file rendered from items of every boundary case reads back as Pika's reader reads it", () => {
    const b = binlog();
    const sizes = [61, BLOCK_SIZE - 8 - 69 - 5, 61, 300, 200_000, 61];
    // After 61 (end 69) and the second item, 5 bytes are left in block 0: padding.
    const items = sizes.map((n) => b.append(contentOfItem(n)));
    assert.equal(items[1]?.end, BLOCK_SIZE - 5);
    assert.equal(items[2]?.start, BLOCK_SIZE - 5, "the next header names the position before the padding");
    assert.equal(items[2]?.end, BLOCK_SIZE + 69);
    // Fill the current block up to 8 bytes before its end, to get a zero-length first fragment.
    const pos = b.producer().offset;
    const target = (Math.floor(pos / BLOCK_SIZE) + 2) * BLOCK_SIZE - 8;
    const fill = [1, 2, 3].map((k) => target - pos - 8 * k).find((n) => place(pos, n).end === target);
    assert.ok(fill !== undefined);
    items.push(b.append(contentOfItem(fill)));
    assert.equal(b.producer().offset, target);
    items.push(b.append(contentOfItem(61)));
    assert.equal(items.at(-1)?.end, target + 8 + 69);
    const file = b.fileBytes(0);
    assert.ok(file);
    assert.equal(file.length, b.producer().offset);
    const read = readBack(file);
    assert.deepEqual(
      read.map((r) => r.end),
      items.map((i) => i.end),
    );
    for (const [i, r] of read.entries()) assert.deepEqual(r.item, items[i]?.bytes);
    // Padding is zeros.
    assert.equal(file.subarray(BLOCK_SIZE - 5, BLOCK_SIZE).toString("hex"), "0000000000");
  });
});

describe("files, purging and the TrySync offset check", () => {
  test("a new file is begun once the current one is larger than binlog-file-size", () => {
    const b = binlog(1024);
    const ends: number[] = [];
    while (b.producer().filenum === 0 && ends.length < 100) {
      const before = b.producer();
      const item = b.append(contentOfItem(100));
      if (item.filenum === 0) ends.push(item.end);
      else {
        assert.ok(before.offset > 1024, `rolled at ${before.offset}`);
        assert.deepEqual([item.filenum, item.start, item.end], [1, 0, 108]);
        assert.deepEqual([decodeItem(item.bytes).filenum, decodeItem(item.bytes).offset], [1, 0]);
      }
    }
    assert.equal(ends.at(-1), 1080, "the file went past 1024 at its tenth item");
    assert.deepEqual(b.fileNums(), [0, 1]);
    assert.equal(b.producer().index, 11, "logic ids run on across files");
  });

  test("syncPoint: ok at starts and the producer, larger beyond it, not-start inside an item, purged", () => {
    const b = binlog(1024);
    for (let i = 0; i < 25; i++) b.append(contentOfItem(100));
    const pro = b.producer();
    assert.equal(pro.filenum, 2);
    assert.equal(b.syncPoint(0, 0), "ok");
    assert.equal(b.syncPoint(0, 108), "ok");
    assert.equal(b.syncPoint(0, 1080), "ok", "the end of an older file");
    assert.equal(b.syncPoint(0, 50), "not-start");
    assert.equal(b.syncPoint(pro.filenum, pro.offset), "ok");
    assert.equal(b.syncPoint(pro.filenum, pro.offset + 1), "larger");
    assert.equal(b.syncPoint(pro.filenum + 1, 0), "larger");
    assert.deepEqual(b.purgeTo(0), [0]);
    assert.equal(b.syncPoint(0, 0), "purged");
    assert.equal(b.syncPoint(1, 0), "ok");
  });

  test("a position after block padding is the same start as the one before it", () => {
    const b = binlog();
    b.append(contentOfItem(61));
    b.append(contentOfItem(BLOCK_SIZE - 8 - 69 - 5));
    const third = b.append(contentOfItem(61));
    assert.equal(b.isStart(0, BLOCK_SIZE - 5), true);
    assert.equal(b.isStart(0, BLOCK_SIZE), true);
    assert.equal(b.isStart(0, BLOCK_SIZE - 3), false);
    assert.deepEqual(b.read({ filenum: 0, offset: BLOCK_SIZE }, 10), [third]);
  });

  test("read: items from a start on, across files, at most max; undefined off a start", () => {
    const b = binlog(1024);
    const items = Array.from({ length: 25 }, () => b.append(contentOfItem(100)));
    assert.deepEqual(b.read({ filenum: 0, offset: 0 }, 100), items);
    assert.deepEqual(b.read({ filenum: 0, offset: 108 }, 3), items.slice(1, 4));
    assert.deepEqual(
      b.read({ filenum: 0, offset: 1080 }, 2),
      items.slice(10, 12),
      "from a file's end into the next",
    );
    assert.deepEqual(b.read(b.producer(), 10), []);
    assert.equal(b.read({ filenum: 0, offset: 7 }, 10), undefined);
  });

  test("purgeTo never deletes the current file and stops at the first refusal", () => {
    const b = binlog(1024);
    for (let i = 0; i < 45; i++) b.append(contentOfItem(100));
    assert.deepEqual(b.fileNums(), [0, 1, 2, 3, 4]);
    assert.deepEqual(
      b.purgeTo(3, (n) => n < 2),
      [0, 1],
    );
    assert.deepEqual(b.purgeTo(10), [2, 3], "the current file 4 stays");
    assert.deepEqual(b.fileNums(), [4]);
  });

  test("expire keeps the newest N files", () => {
    const b = binlog(1024);
    for (let i = 0; i < 45; i++) b.append(contentOfItem(100));
    assert.deepEqual(b.expire(10), []);
    assert.deepEqual(b.expire(2), [0, 1, 2]);
    assert.deepEqual(b.fileNums(), [3, 4]);
  });

  test("save and load give back the same files, positions and counters", () => {
    const b = binlog(1024);
    for (let i = 0; i < 25; i++) b.append(contentOfItem(100 + i));
    b.purgeTo(0);
    const copy = Binlog.load({ fileSize: 1024, now: () => T }, JSON.parse(JSON.stringify(b.save())));
    assert.deepEqual(copy.fileNums(), b.fileNums());
    assert.deepEqual(copy.producer(), b.producer());
    assert.deepEqual(copy.read({ filenum: 1, offset: 0 }, 100), b.read({ filenum: 1, offset: 0 }, 100));
    assert.deepEqual(copy.fileBytes(2), b.fileBytes(2));
    assert.deepEqual(copy.append(contentOfItem(61)), b.append(contentOfItem(61)));
  });

  test("pika.conf values as Pika reads them", () => {
    assert.equal(binlogFileSize(undefined), 104_857_600);
    assert.equal(binlogFileSize(1000), 104_857_600);
    assert.equal(binlogFileSize(4096), 4096);
    assert.equal(expireLogsNums(undefined), 10);
    assert.equal(expireLogsNums(3), 10);
    assert.equal(expireLogsNums(20), 20);
    const conf = new PikaConf(undefined, "a : 4096\nb : 100M\nc : 2k\nd : 1G\nbad : 10MB\n");
    assert.deepEqual(
      ["a", "b", "c", "d", "unset"].map((k) => conf.size(k)),
      [4096, 100 * 1024 * 1024, 2048, 1024 ** 3, undefined],
    );
    assert.throws(() => conf.size("bad"), /bad must be a size/);
  });
});

test("nextItemAt is where the next item goes, as its header says: a full file rolls over first", () => {
  const b = binlog(1024);
  assert.deepEqual(b.nextItemAt(), { filenum: 0, offset: 0 });
  while (b.producer().offset <= 1024) b.append(encodeCommand(["SET", "k", "v".repeat(50)]));
  assert.equal(b.producer().filenum, 0, "the file is past its size, not yet rolled");
  assert.deepEqual(b.nextItemAt(), { filenum: 1, offset: 0 });
  const item = decodeItem(b.append(encodeCommand(["SET", "next", "v"])).bytes);
  assert.deepEqual([item.filenum, item.offset], [1, 0]);
});
