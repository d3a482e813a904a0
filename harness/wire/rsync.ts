/**
 * The rsync schema of Pika's full sync (port P+10001, package RsyncService, proto2, since
 * v3.5.0), with checked encode and decode as harness/wire/proto.ts has them for InnerMessage:
 * protobufjs alone would accept enum values the schema lacks and encode objects without their
 * required fields, which Pika refuses. Frames on that port are the replication port's (a 4-byte
 * big-endian length, then one message: frame.ts). The schema text is the kit's own, written from
 * the field facts of the team's notes (docs/PROTOCOL.md §2.6): field numbers, types and labels
 * as Pika v4.0.1 has them; test/rsync.test.ts compares it with a Pika build's
 * rsync_service.proto when one is at hand.
 */
import * as fs from "node:fs";
import * as protobuf from "protobufjs";
import { kitPath } from "../root";

/** The kit's rsync schema (its own text; bin/proto-drift.ts compares it with a build's). */
export const RSYNC_PROTO_FILE = kitPath("fixtures", "proto", "rsync_service.proto");

export enum RsyncType {
  kRsyncMeta = 1,
  kRsyncFile = 2,
}
export enum RsyncStatus {
  kOk = 1,
  kErr = 2,
}

export interface FileRequest {
  filename: string;
  count: number;
  offset: number;
}
export interface RsyncRequest {
  type: RsyncType;
  readerIndex: number;
  dbName: string;
  slotId: number;
  fileReq?: FileRequest;
}
export interface FileResponse {
  eof: number;
  count: number;
  offset: number;
  data: Buffer;
  checksum: string;
  filename: string;
}
export interface RsyncResponse {
  type: RsyncType;
  readerIndex: number;
  snapshotUuid: string;
  dbName: string;
  slotId: number;
  code: RsyncStatus;
  metaResp?: { filenames?: string[] };
  fileResp?: FileResponse;
}

const root = protobuf.parse(fs.readFileSync(RSYNC_PROTO_FILE, "utf8")).root;
root.resolveAll();
const RequestType = root.lookupType("RsyncService.RsyncRequest");
const ResponseType = root.lookupType("RsyncService.RsyncResponse");

/** The runtime enums and the schema's, compared by test/rsync.test.ts. */
export const RSYNC_ENUMS = {
  RsyncType: { schema: "RsyncService.Type", values: RsyncType },
  RsyncStatus: { schema: "RsyncService.StatusCode", values: RsyncStatus },
} as const;

/** A body that is not a valid rsync message (bad wire data, missing field, undefined enum value). */
export class RsyncMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RsyncMessageError";
  }
}

/** Every required field present and every enum value defined, all the way down. */
function verify(type: protobuf.Type, msg: Record<string, unknown>, at: string): void {
  for (const field of type.fieldsArray) {
    const value = msg[field.name];
    if (value === undefined || value === null) {
      if (field.required) throw new RsyncMessageError(`missing required field ${at}${field.name}`);
      continue;
    }
    const rt = field.resolvedType;
    for (const v of field.repeated ? (value as unknown[]) : [value]) {
      if (rt instanceof protobuf.Enum) {
        if (typeof v !== "number" || !Object.values(rt.values).includes(v))
          throw new RsyncMessageError(
            `value ${String(v)} is not defined in enum ${rt.name} (${at}${field.name})`,
          );
      } else if (rt instanceof protobuf.Type) {
        verify(rt, v as Record<string, unknown>, `${at}${field.name}.`);
      }
    }
  }
}

const objectOptions: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: false,
};

function decode<T>(type: protobuf.Type, body: Uint8Array): T {
  let obj: Record<string, unknown>;
  try {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    obj = type.toObject(type.decode(buf), objectOptions);
  } catch (err) {
    throw new RsyncMessageError(`cannot decode ${type.name}: ${(err as Error).message}`);
  }
  verify(type, obj, "");
  // Sound for the same reasons as proto.ts's one cast: the interfaces above mirror the schema
  // for these conversion options, and verify() has found every required field and enum value.
  return obj as T;
}

function encode(type: protobuf.Type, obj: object): Buffer {
  verify(type, obj as Record<string, unknown>, "");
  return Buffer.from(type.encode(type.fromObject(obj as Record<string, unknown>)).finish());
}

export const decodeRsyncRequest = (body: Uint8Array): RsyncRequest => decode(RequestType, body);
export const decodeRsyncResponse = (body: Uint8Array): RsyncResponse => decode(ResponseType, body);
export const encodeRsyncRequest = (m: RsyncRequest): Buffer => encode(RequestType, m);
export const encodeRsyncResponse = (m: RsyncResponse): Buffer => encode(ResponseType, m);

/** Builders: what a Pika slave sends (slot_id is always 0, reader_index the worker's). */
export const rsyncReq = {
  meta: (dbName: string): RsyncRequest => ({
    type: RsyncType.kRsyncMeta,
    readerIndex: 0,
    dbName,
    slotId: 0,
  }),
  file: (
    dbName: string,
    readerIndex: number,
    filename: string,
    offset: number,
    count: number,
  ): RsyncRequest => ({
    type: RsyncType.kRsyncFile,
    readerIndex,
    dbName,
    slotId: 0,
    fileReq: { filename, offset, count },
  }),
};

/** One line for traces and errors. */
export function summarizeRsync(m: RsyncRequest | RsyncResponse): string {
  const type = RsyncType[m.type] ?? String(m.type);
  if ("code" in m) {
    const code = RsyncStatus[m.code] ?? String(m.code);
    const what = m.fileResp
      ? ` ${m.fileResp.filename}@${m.fileResp.offset}+${m.fileResp.count}${m.fileResp.eof ? " eof" : ""}`
      : m.metaResp
        ? ` files=[${(m.metaResp.filenames ?? []).join(",")}]`
        : "";
    return `${type} ${code} db=${m.dbName} reader=${m.readerIndex} uuid=${m.snapshotUuid || "none"}${what}`;
  }
  const f = m.fileReq ? ` ${m.fileReq.filename}@${m.fileReq.offset}+${m.fileReq.count}` : "";
  return `${type} db=${m.dbName} reader=${m.readerIndex}${f}`;
}
