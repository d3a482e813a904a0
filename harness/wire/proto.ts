/**
 * The InnerMessage schema (fixtures/proto/inner_message.proto), loaded once, with checked
 * encode and decode. protobufjs alone accepts enum values a proto2 schema does not define, and
 * encodes hand-built objects without their required fields; Pika rejects both, so every enum
 * and required field is checked here, on decode and on encode.
 */
import * as protobuf from "protobufjs";
import { kitPath } from "../root";
import type { InnerMessage, Messages } from "./generated/inner_message";

export type { InnerMessage, Messages };

export const PROTO_FILE = kitPath("fixtures", "proto", "inner_message.proto");

const root = protobuf.loadSync(PROTO_FILE);
root.resolveAll();

/** A message type of the schema, with the generated interface its plain objects have. */
interface Schema<N extends keyof Messages> {
  readonly name: N;
  readonly type: protobuf.Type;
}
const schema = <N extends keyof Messages>(name: N): Schema<N> => ({ name, type: root.lookupType(name) });
const RequestType = schema("InnerMessage.InnerRequest");
const ResponseType = schema("InnerMessage.InnerResponse");

// The enums are kept by hand because a generated .d.ts has no values to give at run time; the
// generated interfaces use them (SCHEMA_ENUMS), and test/proto-schema.test.ts fails when their
// names or values and the .proto's differ.
export enum MsgType {
  kMetaSync = 1,
  kTrySync = 2,
  kDBSync = 3,
  kBinlogSync = 4,
  kHeatBeat = 5,
  kRemoveSlaveNode = 6,
}
/** The message types' names without their "k" (MetaSync, TrySync, ...), as the spec's text writes them. */
export const MSG_TYPE_NAMES: readonly string[] = Object.keys(MsgType)
  .filter((k) => Number.isNaN(Number(k)))
  .map((k) => k.slice(1));
export enum StatusCode {
  kOk = 1,
  kError = 2,
  kOther = 3,
}
export enum TrySyncReply {
  kOk = 1,
  kSyncPointBePurged = 2,
  kSyncPointLarger = 3,
  kError = 4,
}

/** Each runtime enum and the enum of the schema it stands for (read by harness/wire/typegen.ts). */
export const SCHEMA_ENUMS = {
  MsgType: { schema: "InnerMessage.Type", values: MsgType },
  StatusCode: { schema: "InnerMessage.StatusCode", values: StatusCode },
  TrySyncReply: { schema: "InnerMessage.InnerResponse.TrySync.ReplyCode", values: TrySyncReply },
} as const;

// The kit's names for the messages, generated from the .proto (harness/wire/generated/).
export type BinlogOffset = InnerMessage.BinlogOffset;
export type PNode = InnerMessage.Node;
export type Slot = InnerMessage.Slot;
export type InnerRequest = InnerMessage.InnerRequest;
export type DbInfo = InnerMessage.InnerResponse.MetaSync.DBInfo;
export type BinlogChip = InnerMessage.InnerResponse.BinlogSync;
export type InnerResponse = InnerMessage.InnerResponse;

/** A body that is not a valid message of the schema (bad wire data, missing field, bad enum). */
export class MessageError extends Error {
  constructor(
    message: string,
    readonly body?: Uint8Array,
  ) {
    super(message);
    this.name = "MessageError";
  }
}

/** Checks every enum value and required field of a decoded or plain message, recursively. */
function check(type: protobuf.Type, msg: Record<string, unknown>, where: string): void {
  for (const field of type.fieldsArray) {
    const value = msg[field.name];
    const missing = value === undefined || value === null || (Array.isArray(value) && value.length === 0);
    if (missing) {
      if (field.required) throw new MessageError(`missing required field ${where}${field.name}`);
      continue;
    }
    const values = field.repeated ? (value as unknown[]) : [value];
    values.forEach((v, i) => {
      const at = field.repeated ? `${where}${field.name}[${i}].` : `${where}${field.name}.`;
      if (field.resolvedType instanceof protobuf.Enum) {
        const known = Object.values(field.resolvedType.values);
        const n = typeof v === "string" ? field.resolvedType.values[v] : v;
        if (typeof n !== "number" || !known.includes(n)) {
          throw new MessageError(
            `value ${String(v)} is not defined in enum ${field.resolvedType.name} (${at.slice(0, -1)})`,
          );
        }
      } else if (field.resolvedType instanceof protobuf.Type) {
        if (typeof v !== "object") throw new MessageError(`field ${at.slice(0, -1)} is not a message`);
        check(field.resolvedType, v as Record<string, unknown>, at);
      }
    });
  }
}

const toObjectOptions: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  bytes: Buffer,
  defaults: false,
};

function decode<N extends keyof Messages>(schema: Schema<N>, body: Uint8Array): Messages[N] {
  const { type } = schema;
  let msg: protobuf.Message;
  try {
    // From a Buffer, protobufjs reads bytes fields as Buffers (from a bare Uint8Array, as
    // Uint8Arrays), which is what the generated types promise.
    msg = type.decode(
      Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    );
  } catch (err) {
    throw new MessageError(`cannot decode ${type.name}: ${(err as Error).message}`, body);
  }
  const obj = type.toObject(msg, toObjectOptions);
  try {
    check(type, obj, "");
  } catch (err) {
    throw new MessageError(`invalid ${type.name}: ${(err as Error).message}`, body);
  }
  // The one cast of a decoded message, and it is sound: Messages[N] is generated from the same
  // .proto `type` was looked up by (schema() ties N to it; test/proto-types.test.ts keeps the
  // file fresh), for exactly these toObject options (numbers for longs and enums, Buffers for
  // bytes, unset fields absent), and check() has just found every required field present and
  // every enum value defined, all the way down.
  return obj as Messages[N];
}

function encode<N extends keyof Messages>({ type }: Schema<N>, obj: Messages[N], checked: boolean): Buffer {
  if (!checked)
    return Buffer.from(writeAsGiven(type, obj as Record<string, unknown>, protobuf.Writer.create()).finish());
  check(type, obj as Record<string, unknown>, "");
  return Buffer.from(type.encode(type.fromObject(obj as Record<string, unknown>)).finish());
}

/**
 * Writes exactly the fields present in `obj`, in schema order, enum numbers as given. protobufjs
 * cannot do this for a message that breaks the schema: it writes an absent required scalar as 0,
 * throws a TypeError for an absent required sub-message, and replaces an enum value a proto2
 * enum lacks with the enum's first value (type 7 would go out as kMetaSync, code 4 as kOk).
 */
function writeAsGiven(
  type: protobuf.Type,
  obj: Record<string, unknown>,
  w: protobuf.Writer,
): protobuf.Writer {
  for (const field of type.fieldsArray) {
    const value = obj[field.name];
    if (value === undefined || value === null) continue;
    for (const v of field.repeated ? (value as unknown[]) : [value]) {
      const rt = field.resolvedType;
      if (rt instanceof protobuf.Type) {
        writeAsGiven(rt, v as Record<string, unknown>, w.uint32((field.id << 3) | 2).fork()).ldelim();
      } else if (rt instanceof protobuf.Enum) {
        const n = typeof v === "string" ? rt.values[v] : (v as number);
        if (n === undefined)
          throw new Error(`${type.name}.${field.name}: ${String(v)} is not a value of ${rt.name}`);
        w.uint32(field.id << 3).int32(n);
      } else {
        const wireType = (protobuf.types.basic as Record<string, number | undefined>)[field.type];
        const write = (w as unknown as Record<string, ((x: unknown) => void) | undefined>)[field.type];
        if (wireType === undefined || !write)
          throw new Error(`${type.name}.${field.name}: the kit cannot encode a field of type ${field.type}`);
        w.uint32((field.id << 3) | wireType);
        write.call(w, v);
      }
    }
  }
  return w;
}

export const decodeRequest = (body: Uint8Array): InnerRequest => decode(RequestType, body);
export const decodeResponse = (body: Uint8Array): InnerResponse => decode(ResponseType, body);

/**
 * Encodes a request after checking it. `checked: false` skips the check and writes the fields
 * present as they are, so a message may lack required fields or carry an enum value the schema
 * lacks (for malformed-frame scenarios).
 */
export const encodeRequest = (req: InnerRequest, checked = true): Buffer => encode(RequestType, req, checked);
export const encodeResponse = (res: InnerResponse, checked = true): Buffer =>
  encode(ResponseType, res, checked);
