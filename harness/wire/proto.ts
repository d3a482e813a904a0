/**
 * The InnerMessage schema (fixtures/proto/inner_message.proto, Pika 4.0's), with checked encode
 * and decode, in the schema of a Pika release family: the 4.0 schema as the .proto has it, and
 * older ones derived from it by removing the fields those releases do not have (SCHEMA_VERSIONS;
 * docs/PROTOCOL.md §7.1). protobufjs alone accepts enum values a proto2 schema does not define,
 * and encodes hand-built objects without their required fields; Pika rejects both, so every enum
 * and required field is checked here, on decode and on encode.
 */
import * as protobuf from "protobufjs";
import { kitPath } from "../root";
import { parseVersion } from "../version";
import type { InnerMessage, Messages } from "./generated/inner_message";

export type { InnerMessage, Messages };

export const PROTO_FILE = kitPath("fixtures", "proto", "inner_message.proto");

/** A release family's wire schema: "4.0" (v4.0.0 on, the .proto), "3.5" (v3.5.x), "3.3" (v3.3.x and v3.4.x). */
export type SchemaVersion = "3.3" | "3.5" | "4.0";
/** The schema of a node whose version is not known: the .proto's. */
export const DEFAULT_SCHEMA: SchemaVersion = "4.0";

/**
 * Each schema as the fields of the .proto it lacks, by full name (the .proto spells the field's
 * last part in snake case): what was added since that release family (docs/PROTOCOL.md §7.1).
 * Every name is checked against the .proto when the schemas load. Field numbers were never
 * reused, so removing fields is all that tells the families apart.
 */
export const SCHEMA_VERSIONS: Readonly<
  Record<SchemaVersion, { lacks: readonly string[]; releases: string }>
> = {
  "4.0": { lacks: [], releases: "v4.0.0 and later" },
  "3.5": {
    // v4.0.0 (#2413) made it required; a 3.5.x master sends no such field.
    lacks: ["InnerMessage.InnerResponse.MetaSync.DBInfo.db_instance_num"],
    releases: "v3.5.0 to v3.5.5",
  },
  "3.3": {
    // run_id arrived in v3.5.0 as a required field, replication_id in v3.5.1 (optional); the
    // other differences of v3.3/v3.4's .proto are names only (Partition, table_name), not bytes.
    lacks: [
      "InnerMessage.InnerResponse.MetaSync.DBInfo.db_instance_num",
      "InnerMessage.InnerResponse.MetaSync.run_id",
      "InnerMessage.InnerResponse.MetaSync.replication_id",
    ],
    releases: "v3.3.0 to v3.4.1",
  },
};

/**
 * The schema of a Pika version string ("3.5.5", "v4.0.1", what pika_version reports): 3.5.x is
 * "3.5", older 3.x "3.3", anything else (4.x and later, a branch name, the reference's own) the
 * .proto's.
 */
export function schemaForVersion(version: string | undefined): SchemaVersion {
  const v = version === undefined ? undefined : parseVersion(version);
  if (!v || v[0] >= 4) return DEFAULT_SCHEMA;
  return v[0] === 3 && (v[1] ?? 0) >= 5 ? "3.5" : "3.3";
}

const camel = (name: string) => protobuf.util.camelCase(name);
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The .proto as one schema has it: loaded afresh, the fields that schema lacks removed. */
function loadSchema(version: SchemaVersion): protobuf.Root {
  const root = protobuf.loadSync(PROTO_FILE);
  for (const full of SCHEMA_VERSIONS[version].lacks) {
    const dot = full.lastIndexOf(".");
    const [typeName, fieldName] = [full.slice(0, dot), full.slice(dot + 1)];
    const field = root.lookupType(typeName).fields[camel(fieldName)];
    if (!field) throw new Error(`the ${version} schema lacks ${full}, which ${PROTO_FILE} does not have`);
    root.lookupType(typeName).remove(field);
  }
  root.resolveAll();
  return root;
}

const roots = Object.fromEntries(
  (Object.keys(SCHEMA_VERSIONS) as SchemaVersion[]).map((v) => [v, loadSchema(v)]),
) as Record<SchemaVersion, protobuf.Root>;

/** A message type of the schema, with the generated interface its plain objects have. */
interface Schema<N extends keyof Messages> {
  readonly name: N;
  /** The message type in each schema version. */
  readonly types: Record<SchemaVersion, protobuf.Type>;
}
const schema = <N extends keyof Messages>(name: N): Schema<N> => ({
  name,
  types: Object.fromEntries(Object.entries(roots).map(([v, root]) => [v, root.lookupType(name)])) as Record<
    SchemaVersion,
    protobuf.Type
  >,
});
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

/** The decoded and checked message, or the MessageError decoding `body` in one schema gives. */
function decodeIn<N extends keyof Messages>(
  schema: Schema<N>,
  version: SchemaVersion,
  body: Uint8Array,
): Messages[N] | MessageError {
  const type = schema.types[version];
  let msg: protobuf.Message;
  try {
    // From a Buffer, protobufjs reads bytes fields as Buffers (from a bare Uint8Array, as
    // Uint8Arrays), which is what the generated types promise.
    msg = type.decode(
      Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength),
    );
  } catch (err) {
    return new MessageError(`cannot decode ${type.name}: ${(err as Error).message}`, body);
  }
  const obj = type.toObject(msg, toObjectOptions);
  try {
    check(type, obj, "");
  } catch (err) {
    return new MessageError(`invalid ${type.name}: ${(err as Error).message}`, body);
  }
  // The one cast of a decoded message, and it is sound: Messages[N] is generated from the same
  // .proto `type` was looked up by (schema() ties N to it; test/proto-types.test.ts keeps the
  // file fresh), for exactly these toObject options (numbers for longs and enums, Buffers for
  // bytes, unset fields absent), and check() has just found every required field present and
  // every enum value defined, all the way down. A field some schema version lacks is optional
  // in Messages (typegen's `versioned`), so a message of that version is one too.
  return obj as Messages[N];
}

/**
 * Decodes in the schema `version`. A body that schema refuses and another accepts is refused
 * with a message that says so: "4.0 schema: missing required db_instance_num (valid in the 3.5
 * schema)".
 */
function decode<N extends keyof Messages>(
  schema: Schema<N>,
  body: Uint8Array,
  version: SchemaVersion,
): Messages[N] {
  const got = decodeIn(schema, version, body);
  if (!(got instanceof MessageError)) return got;
  const others = (Object.keys(SCHEMA_VERSIONS) as SchemaVersion[]).filter(
    (v) => v !== version && !(decodeIn(schema, v, body) instanceof MessageError),
  );
  if (others.length === 0) throw got;
  // protobufjs's decoder names a missing field without its path ("missing required 'x'"),
  // check() with it ("missing required field a.b[0].x").
  const missing = /missing required (?:field )?'?((?:[\w[\]]+\.)*)(\w+)'?$/.exec(got.message);
  const valid = `valid in the ${others.join(" and ")} schema${others.length > 1 ? "s" : ""}`;
  const what = missing
    ? `missing required ${snake(missing[2] ?? "")} (${valid})${missing[1] ? `, at ${missing[1].slice(0, -1)}` : ""}`
    : `${got.message} (${valid})`;
  throw new MessageError(`invalid ${schema.types[version].name}: ${version} schema: ${what}`, body);
}

function encode<N extends keyof Messages>(
  schema: Schema<N>,
  obj: Messages[N],
  checked: boolean,
  version: SchemaVersion,
): Buffer {
  const type = schema.types[version];
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

/** Decodes a request in the schema `version` (the .proto's unless told: DEFAULT_SCHEMA). */
export const decodeRequest = (body: Uint8Array, version: SchemaVersion = DEFAULT_SCHEMA): InnerRequest =>
  decode(RequestType, body, version);
/** Decodes a response in the schema `version`; fields a schema lacks are unknown to it, so skipped. */
export const decodeResponse = (body: Uint8Array, version: SchemaVersion = DEFAULT_SCHEMA): InnerResponse =>
  decode(ResponseType, body, version);

/**
 * Encodes a request after checking it, in the schema `version`: a field that schema lacks is
 * left out. `checked: false` skips the check and writes the fields present as they are, so a
 * message may lack required fields or carry an enum value the schema lacks (for malformed-frame
 * scenarios).
 */
export const encodeRequest = (
  req: InnerRequest,
  checked = true,
  version: SchemaVersion = DEFAULT_SCHEMA,
): Buffer => encode(RequestType, req, checked, version);
export const encodeResponse = (
  res: InnerResponse,
  checked = true,
  version: SchemaVersion = DEFAULT_SCHEMA,
): Buffer => encode(ResponseType, res, checked, version);
