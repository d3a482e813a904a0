/**
 * TypeScript declarations of the wire schema, generated from the .proto as protobufjs reads it,
 * so the kit's message types cannot drift from the schema its codec checks. They describe the
 * plain objects harness/wire/proto.ts decodes to and encodes from (toObject with longs as
 * numbers, enums as numbers, bytes as Buffers, no defaults), not protobufjs's message classes:
 * pbts describes those (`number | Long`, `| null`, `$unknowns`, methods), which the kit never
 * hands out. `npm run proto:types` (bin/proto-types.ts) writes the file; test/proto-types.test.ts
 * fails when the committed file is not what this makes of the .proto now.
 */
import * as path from "node:path";
import * as protobuf from "protobufjs";
import { kitPath } from "../root";
import { PROTO_FILE, SCHEMA_ENUMS, SCHEMA_VERSIONS } from "./proto";

export const GENERATED_FILE = kitPath("harness", "wire", "generated", "inner_message.d.ts");

export interface TypegenOptions {
  /** The TypeScript name of the runtime enum that stands for each enum of the schema, by full name. */
  enums: Readonly<Record<string, string>>;
  /** The module that exports those enums, as the generated file imports it. */
  enumsFrom: string;
  /** The .proto as the header names it (a path relative to the kit). */
  source: string;
  /**
   * Fields some schema version lacks (SCHEMA_VERSIONS in proto.ts), by full name, with the
   * versions that lack them: optional in the declarations whatever their label, since a message
   * decoded in such a version has no such field. Default: the kit's (SCHEMA_VERSIONS).
   */
  versioned?: Readonly<Record<string, readonly string[]>>;
}

/** How a scalar of the .proto appears in the plain object (see toObjectOptions in proto.ts). */
const SCALARS: Readonly<Record<string, string>> = {
  double: "number",
  float: "number",
  int32: "number",
  uint32: "number",
  sint32: "number",
  fixed32: "number",
  sfixed32: "number",
  // longs: Number. Values past 2^53 lose precision, as they already did before these types.
  int64: "number",
  uint64: "number",
  sint64: "number",
  fixed64: "number",
  sfixed64: "number",
  bool: "boolean",
  string: "string",
  // bytes: Buffer, and proto.ts decodes from a Buffer so protobufjs hands out Buffers.
  bytes: "Buffer",
};

/** The declarations of `protoFile` as the text of a .d.ts. Throws for what the kit's codec does not handle. */
export function declarations(protoFile: string, options: TypegenOptions): string {
  // keepCase to name each field as the .proto spells it in its comment; the property is named as
  // protobufjs's default parse names it (util.camelCase), which is how proto.ts loads the schema.
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  const messages: string[] = [];
  const usedEnums = new Set<string>();

  const typeOf = (field: protobuf.Field, where: string): string => {
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Enum) {
      const name = options.enums[rt.fullName.slice(1)];
      if (name === undefined)
        throw new Error(
          `${where}: enum ${rt.fullName.slice(1)} has no runtime enum in the kit (add one to SCHEMA_ENUMS in harness/wire/proto.ts)`,
        );
      usedEnums.add(name);
      return name;
    }
    if (rt instanceof protobuf.Type) return rt.fullName.slice(1);
    const scalar = SCALARS[field.type];
    if (scalar === undefined) throw new Error(`${where}: the kit cannot type a field of type ${field.type}`);
    return scalar;
  };

  const doc = (indent: string, text: string, comment: string | null): string =>
    `${indent}/** ${comment ? `${text}: ${comment.replace(/\s*\n\s*/g, " ").replace(/\*\//g, "* /")}` : text} */\n`;

  const message = (type: protobuf.Type, indent: string): string => {
    const where = type.fullName.slice(1);
    if (type.oneofsArray.length) throw new Error(`${where}: oneof is not supported by the kit's codec`);
    messages.push(where);
    let out = doc(indent, `message ${type.name}`, type.comment);
    out += `${indent}export interface ${type.name} {\n`;
    for (const field of type.fieldsArray) {
      const at = `${where}.${field.name}`;
      if (field instanceof protobuf.MapField)
        throw new Error(`${at}: map fields are not supported by the kit's codec`);
      const label = field.repeated ? "repeated" : field.required ? "required" : "optional";
      const lackedBy = (options.versioned ?? versionedFields())[at];
      const absent = lackedBy?.length
        ? ` (absent in the ${lackedBy.join(" and ")} schema${lackedBy.length > 1 ? "s" : ""})`
        : "";
      out += doc(`${indent}  `, `${label} ${field.type} ${field.name} = ${field.id}${absent}`, field.comment);
      // Only a required field is always present: decode omits unset optional fields and, with
      // defaults off, empty repeated ones; the codec checks every required field both ways. A
      // field of the .proto that an older schema lacks is not there in that schema's messages.
      const optional = field.required && !absent ? "" : "?";
      out += `${indent}  ${protobuf.util.camelCase(field.name)}${optional}: ${typeOf(field, at)}${field.repeated ? "[]" : ""};\n`;
    }
    out += `${indent}}\n`;
    const nested = type.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
    if (nested.length) {
      out += `${indent}export namespace ${type.name} {\n`;
      out += nested.map((n) => message(n, `${indent}  `)).join("\n");
      out += `${indent}}\n`;
    }
    return out;
  };

  const namespace = (ns: protobuf.NamespaceBase, indent: string): string =>
    ns.nestedArray
      .map((n) => {
        if (n instanceof protobuf.Type) return message(n, indent);
        if (n instanceof protobuf.Service)
          throw new Error(`${n.fullName.slice(1)}: services are not part of the wire schema`);
        if (n instanceof protobuf.Enum) return undefined; // the kit's runtime enum stands for it
        if (n instanceof protobuf.Namespace)
          return `${indent}export namespace ${n.name} {\n${namespace(n, `${indent}  `)}${indent}}\n`;
        return undefined;
      })
      .filter((s): s is string => s !== undefined)
      .join("\n");

  const body = namespace(root, "");
  const enums = [...usedEnums].sort();
  return [
    `// Generated from ${options.source} by harness/wire/typegen.ts (npm run proto:types): do not edit.`,
    "// test/proto-types.test.ts fails when this file is not what the generator makes of the .proto now.",
    "//",
    "// The plain objects harness/wire/proto.ts decodes to and encodes from: a property per field, named",
    "// as protobufjs names it; 64-bit integers as numbers, bytes as Buffers, enums as the kit's",
    "// runtime enums (held to the .proto by test/proto-schema.test.ts); a field that is not required",
    "// is optional, and a repeated one with no elements is absent after decoding.",
    "",
    ...(enums.length ? [`import type { ${enums.join(", ")} } from "${options.enumsFrom}";`, ""] : []),
    body,
    "/** Every message of the schema, by the full name protobufjs looks it up by. */",
    "export interface Messages {",
    ...messages.map((m) => `  "${m}": ${m};`),
    "}",
    "",
  ].join("\n");
}

/** The kit's generated declarations, as GENERATED_FILE should hold them. */
export function kitDeclarations(): string {
  const enums = Object.fromEntries(Object.entries(SCHEMA_ENUMS).map(([name, e]) => [e.schema, name]));
  return declarations(PROTO_FILE, {
    enums,
    enumsFrom: "../proto", // GENERATED_FILE is in harness/wire/generated/
    source: path.relative(kitPath(), PROTO_FILE).split(path.sep).join("/"),
  });
}

/** Each field some schema version lacks, with those versions (SCHEMA_VERSIONS). */
function versionedFields(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [version, { lacks }] of Object.entries(SCHEMA_VERSIONS))
    for (const full of lacks) out[full] = [...(out[full] ?? []), version];
  return out;
}
