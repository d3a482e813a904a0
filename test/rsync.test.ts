/**
 * The rsync schema (harness/wire/rsync.ts) against a Pika build's rsync_service.proto, its
 * checked codec, the server's answers as a pure function (chunks within Pika's 16 MiB reader
 * block), the snapshot's info file as a Pika slave reads it, and the binlog after a full sync.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import * as protobuf from "protobufjs";
import { Binlog, encodeCommand } from "../harness/reference/binlog";
import type { SavedEntry } from "../harness/reference/keyspace";
import { RSYNC, rsyncAnswer, rsyncParallel, rsyncTimeoutMs } from "../harness/reference/rsync";
import {
  INFO_FILE,
  layoutOf,
  parseInfo,
  readSnapshot,
  SnapshotError,
  takeSnapshot,
} from "../harness/reference/snapshot";
import {
  decodeRsyncRequest,
  decodeRsyncResponse,
  encodeRsyncRequest,
  encodeRsyncResponse,
  RSYNC_ENUMS,
  RSYNC_PROTO_FILE,
  RsyncMessageError,
  RsyncStatus,
  RsyncType,
  rsyncReq,
} from "../harness/wire";
import { schemaDrift, schemaOf } from "../harness/wire/drift";

/** The real builds' folder: PIKA_BUILDS (as .ci/run exports it), else shared/pika beside the kit. */
const BUILDS = process.env.PIKA_BUILDS || path.resolve(__dirname, "..", "..", "shared", "pika");
const PIKA_PROTOS = ["v4.0.1", "unstable-218b68bb"].map((b) =>
  path.join(BUILDS, b, "proto", "rsync_service.proto"),
);

test("the kit's rsync schema is field for field that of the Pika builds at hand", (t) => {
  const kit = schemaOf(RSYNC_PROTO_FILE);
  assert.equal(kit.get("RsyncService.RsyncResponse.snapshotUuid"), "required string = 3");
  const present = PIKA_PROTOS.filter((f) => fs.existsSync(f));
  if (present.length === 0) t.skip(`no Pika rsync_service.proto in ${BUILDS} (set PIKA_BUILDS)`);
  for (const f of present) assert.deepEqual(schemaDrift(kit, schemaOf(f)), [], f);
});

test("the runtime enums are the schema's", () => {
  const root = protobuf.parse(fs.readFileSync(RSYNC_PROTO_FILE, "utf8")).root;
  for (const { schema, values } of Object.values(RSYNC_ENUMS)) {
    const e = root.lookupEnum(schema);
    const runtime = Object.fromEntries(Object.entries(values).filter(([k]) => Number.isNaN(Number(k))));
    assert.deepEqual(runtime, { ...e.values }, schema);
  }
});

test("the codec round-trips, and refuses missing required fields and undefined enum values", () => {
  const r = rsyncReq.file("db0", 2, "0/keys.json", 4096, RSYNC.bytesPerRequest);
  assert.deepEqual(decodeRsyncRequest(encodeRsyncRequest(r)), r);
  // Pika's serialisation of a meta request: type 1, reader 0, db "db0", slot 0.
  assert.equal(encodeRsyncRequest(rsyncReq.meta("db0")).toString("hex"), "080110001a036462302000");
  assert.throws(() => encodeRsyncRequest({ ...r, dbName: undefined } as never), RsyncMessageError);
  assert.throws(() => decodeRsyncRequest(Buffer.from("0801", "hex")), /missing required 'readerIndex'/);
  assert.throws(() => decodeRsyncRequest(Buffer.from("080310001a00", "hex")), RsyncMessageError);
  const resp = {
    type: RsyncType.kRsyncFile,
    readerIndex: 1,
    snapshotUuid: "u",
    dbName: "db0",
    slotId: 0,
    code: RsyncStatus.kOk,
    fileResp: { eof: 1, count: 3, offset: 0, data: Buffer.from("abc"), checksum: "", filename: "info" },
  };
  assert.deepEqual(decodeRsyncResponse(encodeRsyncResponse(resp)), resp);
  assert.throws(
    () => encodeRsyncResponse({ ...resp, code: 3 as RsyncStatus }),
    /not defined in enum StatusCode/,
  );
});

test("a file reply never crosses the end of the 16 MiB reader block its offset is in", () => {
  const big = Buffer.alloc(RSYNC.readerBlock + 100, 7);
  const snap = takeSnapshot(
    "db0",
    [],
    { filenum: 0, offset: 0, term: 0, index: 0 },
    {
      host: "127.0.0.1",
      port: 1,
      instances: 1,
      layout: "instances",
    },
  );
  snap.files.set("0/big", big);
  const ask = (offset: number, count: number) =>
    rsyncAnswer(rsyncReq.file("db0", 0, "0/big", offset, count), snap)?.fileResp;
  const nearEnd = ask(RSYNC.readerBlock - 10, RSYNC.bytesPerRequest);
  assert.equal(nearEnd?.count, 10);
  assert.equal(nearEnd?.eof, 0);
  const last = ask(RSYNC.readerBlock, RSYNC.bytesPerRequest);
  assert.equal(last?.count, 100);
  assert.equal(last?.eof, 1);
  assert.equal(ask(0, RSYNC.bytesPerRequest)?.count, RSYNC.bytesPerRequest);
  assert.equal(rsyncAnswer(rsyncReq.file("db0", 4, "0/big", 0, 1), snap)?.code, RsyncStatus.kErr, "reader 4");
  assert.equal(rsyncAnswer({ ...rsyncReq.meta("db0"), type: 9 as RsyncType }, snap), undefined);
});

test("the info file: Pika's layout, read as Pika's slave reads it", () => {
  const snap = takeSnapshot(
    "db0",
    [
      ["a", "1", null, null],
      ["l", "", null, ["x", "y"]],
    ],
    { filenum: 3, offset: 1234, term: 0, index: 77 },
    { host: "127.0.0.1", port: 9221, instances: 3, layout: "instances" },
  );
  assert.equal(snap.files.get(INFO_FILE)?.toString(), "0s\n127.0.0.1\n9221\n3\n1234\n0\n77\n");
  const back = readSnapshot(snap.files, "instances");
  assert.deepEqual(back.info, { ip: "127.0.0.1", port: 9221, filenum: 3, offset: 1234, term: 0, index: 77 });
  assert.deepEqual(back.keys.sort(), [
    ["a", "1", null, null],
    ["l", "", null, ["x", "y"]],
  ]);
  // A v4.0.1 dump's info has five lines: no term, no index.
  assert.deepEqual(parseInfo("3s\n10.0.0.1\n9221\n2\n99\n"), {
    ip: "10.0.0.1",
    port: 9221,
    filenum: 2,
    offset: 99,
    term: 0,
    index: 0,
  });
  assert.throws(() => parseInfo("0s\nh\n9221\n-1\n0\n"), SnapshotError);
  assert.throws(() => parseInfo("0s\nh\n1\n2\n3\n4\n5\n6\n7\n"), SnapshotError);
  assert.throws(
    () => readSnapshot(new Map([["0/keys.json", Buffer.from("[]")]]), "instances"),
    /no info file/,
  );
});

test("a dump's layout follows the release, and a node reads only its own (PR-VERFULL)", () => {
  const keys: SavedEntry[] = [
    ["a", "1", null, null],
    ["l", "", null, ["x", "y"]],
  ];
  const at = { filenum: 0, offset: 10, term: 0, index: 0 };
  const where = { host: "127.0.0.1", port: 9221, instances: 3 };
  const v4 = takeSnapshot("db0", keys, at, { ...where, layout: layoutOf("4.0") });
  const v3 = takeSnapshot("db0", keys, at, { ...where, layout: layoutOf("3.5") });
  assert.deepEqual([...v4.files.keys()], ["0/keys.json", "1/keys.json", "2/keys.json", INFO_FILE]);
  assert.deepEqual(
    [...v3.files.keys()],
    [
      "strings/keys.json",
      "hashes/keys.json",
      "lists/keys.json",
      "sets/keys.json",
      "zsets/keys.json",
      INFO_FILE,
    ],
  );
  assert.deepEqual(JSON.parse(v3.files.get("lists/keys.json")?.toString() ?? ""), [keys[1]]);
  assert.deepEqual(readSnapshot(v3.files, "types").keys.sort(), keys);
  assert.deepEqual(readSnapshot(v4.files, "instances").keys.sort(), keys);
  assert.throws(
    () => readSnapshot(v4.files, "types"),
    /0\/keys\.json is not a file of a dump with one directory per data type/,
  );
  assert.throws(
    () => readSnapshot(v3.files, "instances"),
    /strings\/keys\.json is not a file of a dump with one directory per storage instance/,
  );
});

test("after a full sync the binlog goes on from the snapshot's position, also across a restart", () => {
  const options = { fileSize: 100 * 1024 * 1024, now: () => 1_700_000_000 };
  const b = new Binlog(options);
  b.append(encodeCommand(["set", "old", "1"]));
  b.resetTo({ filenum: 2, offset: 500, term: 0, index: 40 });
  assert.deepEqual(b.producer(), { filenum: 2, offset: 500, term: 0, index: 40 });
  assert.deepEqual(b.fileNums(), [2]);
  assert.equal(b.syncPoint(2, 500), "ok");
  assert.equal(b.syncPoint(0, 0), "purged");
  const item = b.append(encodeCommand(["set", "k", "v"]));
  assert.deepEqual([item.filenum, item.start, item.end, item.logicId], [2, 500, 569, 41]);
  const again = Binlog.load(options, JSON.parse(JSON.stringify(b.save())));
  assert.deepEqual(again.producer(), b.producer());
  assert.deepEqual(
    again.read({ filenum: 2, offset: 500 }, 10)?.map((i) => i.logicId),
    [41],
  );
});

test("max-rsync-parallel-num and rsync-timeout-ms as Pika reads them", () => {
  assert.deepEqual([undefined, 0, 1, 4, 5, -1].map(rsyncParallel), [4, 4, 1, 4, 4, 4]);
  assert.deepEqual([undefined, 0, -5, 250].map(rsyncTimeoutMs), [1000, 1000, 1000, 250]);
});
