/**
 * The kit's wire types against the .proto itself (fixtures/proto/inner_message.proto, loaded as
 * the codec loads it): the hand-kept runtime enums (MsgType, StatusCode, TrySyncReply) name by
 * name and value by value, the kit's message names as aliases of the generated interfaces, and
 * those interfaces field by field (name, required or not, repeated, type). The .d.ts is read with
 * TypeScript's parser, so this holds the committed file to the schema independently of the
 * generator (test/proto-types.test.ts holds it to the generator).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import * as protobuf from "protobufjs";
import * as ts from "typescript";
import { kitPath } from "../harness/root";
import { PROTO_FILE, SCHEMA_ENUMS, SCHEMA_VERSIONS } from "../harness/wire/proto";
import { GENERATED_FILE, kitDeclarations } from "../harness/wire/typegen";

/** The kit's names for messages, and the message of the schema each must stand for. */
const ALIASES: Record<string, string> = {
  BinlogOffset: "InnerMessage.BinlogOffset",
  PNode: "InnerMessage.Node",
  Slot: "InnerMessage.Slot",
  InnerRequest: "InnerMessage.InnerRequest",
  DbInfo: "InnerMessage.InnerResponse.MetaSync.DBInfo",
  BinlogChip: "InnerMessage.InnerResponse.BinlogSync",
  InnerResponse: "InnerMessage.InnerResponse",
};

/** What a scalar of the .proto is in a decoded object (proto.ts: longs and enums as numbers, bytes as Buffers). */
const SCALARS: Record<string, string> = {
  int32: "number",
  uint32: "number",
  int64: "number",
  uint64: "number",
  bool: "boolean",
  string: "string",
  bytes: "Buffer",
};

/** The fields some schema version lacks, as protobufjs names them (camel case). */
const LACKED = new Set(
  Object.values(SCHEMA_VERSIONS).flatMap((v) =>
    v.lacks.map((f) => f.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())),
  ),
);

function load(file: string): protobuf.Root {
  const root = protobuf.loadSync(file);
  root.resolveAll();
  return root;
}

function all<T>(ns: protobuf.NamespaceBase, kind: abstract new (...a: never[]) => T): T[] {
  return ns.nestedArray.flatMap((n) => [
    ...(n instanceof kind ? [n] : []),
    ...(n instanceof protobuf.Namespace || n instanceof protobuf.Type ? all(n, kind) : []),
  ]);
}

/** The numeric enum's own names and values, without TypeScript's reverse mapping. */
const membersOf = (e: object) =>
  Object.fromEntries(Object.entries(e).filter(([, v]) => typeof v === "number"));

/** Runtime enums by their TypeScript name, with the schema enum each stands for (as SCHEMA_ENUMS). */
type StandIns = Readonly<Record<string, { readonly schema: string; readonly values: object }>>;

/** Every way the runtime enums and the schema's enums differ. */
function enumDisagreements(root: protobuf.Root, enums: StandIns): string[] {
  const out: string[] = [];
  const standIns = new Map<string, { name: string; values: object }>(
    Object.entries(enums).map(([name, e]) => [e.schema, { name, values: e.values }]),
  );
  for (const e of all(root, protobuf.Enum)) {
    const full = e.fullName.slice(1);
    const kit = standIns.get(full);
    if (!kit) {
      out.push(`${full}: no runtime enum in SCHEMA_ENUMS`);
      continue;
    }
    const ours = membersOf(kit.values);
    for (const name of new Set([...Object.keys(ours), ...Object.keys(e.values)]))
      if (ours[name] !== e.values[name])
        out.push(
          `${kit.name}.${name}: kit ${ours[name] ?? "(absent)"}, schema ${e.values[name] ?? "(absent)"}`,
        );
  }
  for (const [full, kit] of standIns)
    if (!all(root, protobuf.Enum).some((e) => e.fullName.slice(1) === full))
      out.push(`${kit.name}: stands for ${full}, which the schema lacks`);
  return out;
}

interface Prop {
  name: string;
  optional: boolean;
  type: string;
}

/** Every interface of a declaration file by its dotted path, and every exported type alias. */
function declared(text: string): { interfaces: Map<string, Prop[]>; aliases: Map<string, string> } {
  const sf = ts.createSourceFile("declared.ts", text, ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, Prop[]>();
  const aliases = new Map<string, string>();
  const propsOf = (members: ts.NodeArray<ts.TypeElement>): Prop[] =>
    members.filter(ts.isPropertySignature).map((m) => ({
      name: m.name.getText(sf).replace(/^"|"$/g, ""),
      optional: m.questionToken !== undefined,
      type: m.type?.getText(sf) ?? "",
    }));
  const visit = (node: ts.Node, prefix: string[]): void => {
    const at = (name: string) => [...prefix, name].join(".");
    if (ts.isModuleDeclaration(node) && node.body && ts.isModuleBlock(node.body)) {
      for (const s of node.body.statements) visit(s, [...prefix, node.name.getText(sf)]);
    } else if (ts.isInterfaceDeclaration(node)) {
      interfaces.set(at(node.name.text), propsOf(node.members));
    } else if (ts.isTypeAliasDeclaration(node)) {
      if (ts.isTypeLiteralNode(node.type)) interfaces.set(at(node.name.text), propsOf(node.type.members));
      else aliases.set(at(node.name.text), node.type.getText(sf));
    }
  };
  for (const s of sf.statements) visit(s, []);
  return { interfaces, aliases };
}

/** Every way the declarations of `dts` and the schema's messages differ. */
function messageDisagreements(root: protobuf.Root, dts: string, enums: StandIns): string[] {
  const out: string[] = [];
  const enumName = new Map<string, string>(Object.entries(enums).map(([name, e]) => [e.schema, name]));
  const { interfaces } = declared(dts);
  const messages = all(root, protobuf.Type);
  for (const type of messages) {
    const full = type.fullName.slice(1);
    const props = interfaces.get(full);
    if (!props) {
      out.push(`${full}: no interface`);
      continue;
    }
    const want = type.fieldsArray.map((f) => {
      const rt = f.resolvedType;
      const base =
        rt instanceof protobuf.Enum
          ? (enumName.get(rt.fullName.slice(1)) ?? `(no runtime enum for ${rt.fullName})`)
          : rt instanceof protobuf.Type
            ? rt.fullName.slice(1)
            : (SCALARS[f.type] ?? `(no expectation for ${f.type})`);
      // A field an older schema lacks (SCHEMA_VERSIONS) is absent from that schema's messages.
      const optional = !f.required || LACKED.has(`${full}.${f.name}`);
      return { name: f.name, optional, type: `${base}${f.repeated ? "[]" : ""}` };
    });
    const show = (p: Prop | undefined) => (p ? `${p.name}${p.optional ? "?" : ""}: ${p.type}` : "(absent)");
    for (let i = 0; i < Math.max(want.length, props.length); i++)
      if (show(want[i]) !== show(props[i]))
        out.push(`${full}[${i}]: schema ${show(want[i])}, declared ${show(props[i])}`);
  }
  const names = new Set(messages.map((t) => t.fullName.slice(1)));
  for (const name of interfaces.keys())
    if (name !== "Messages" && !names.has(name)) out.push(`${name}: declared, not in the schema`);
  const index = (interfaces.get("Messages") ?? []).map((p) => `${p.name}: ${p.type}`).join(", ");
  const wantIndex = [...names].map((n) => `${n}: ${n}`).join(", ");
  if (index !== wantIndex) out.push(`Messages: schema {${wantIndex}}, declared {${index}}`);
  return out;
}

describe("the kit's wire types agree with the .proto", () => {
  const root = load(PROTO_FILE);

  test("each runtime enum has exactly the names and values of its schema enum", () => {
    assert.deepEqual(enumDisagreements(root, SCHEMA_ENUMS), []);
    assert.deepEqual(Object.keys(SCHEMA_ENUMS).sort(), ["MsgType", "StatusCode", "TrySyncReply"]);
  });

  test("the generated interfaces have each message's fields: names, required or not, repeated, types", () => {
    assert.deepEqual(messageDisagreements(root, fs.readFileSync(GENERATED_FILE, "utf8"), SCHEMA_ENUMS), []);
  });

  test("the kit's message names are aliases of the generated interfaces", () => {
    const { aliases } = declared(fs.readFileSync(kitPath("harness", "wire", "proto.ts"), "utf8"));
    for (const [name, message] of Object.entries(ALIASES)) {
      assert.equal(aliases.get(name), message, `${name} is ${message}`);
      assert.ok(root.lookupType(message), message);
    }
  });

  test("no wire module keeps a hand-written copy of a message", () => {
    // A copy: two or more properties, all of them fields of one message, every required one among them.
    const messages = all(root, protobuf.Type).map((t) => ({
      message: t.fullName.slice(1),
      fields: new Set(t.fieldsArray.map((f) => f.name)),
      required: t.fieldsArray.filter((f) => f.required).map((f) => f.name),
    }));
    const copies: string[] = [];
    const dir = kitPath("harness", "wire");
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")))
      for (const [name, props] of declared(fs.readFileSync(path.join(dir, file), "utf8")).interfaces) {
        const names = new Set(props.map((p) => p.name));
        for (const { message, fields, required } of messages)
          if (
            names.size >= 2 &&
            [...names].every((n) => fields.has(n)) &&
            required.every((n) => names.has(n))
          )
            copies.push(`${file}: ${name} copies ${message}; alias the generated interface instead`);
      }
    assert.deepEqual(copies, []);
  });
});

describe("a disagreement is named", () => {
  const changed = (edit: (proto: string) => string): protobuf.Root => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-schema-"));
    const file = path.join(dir, "changed.proto");
    fs.writeFileSync(file, edit(fs.readFileSync(PROTO_FILE, "utf8")));
    try {
      return load(file);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  test("an enum value renumbered, renamed, added, or an enum the kit has no stand-in for", () => {
    const root = changed((p) =>
      p
        .replace("kOther = 3;", "kOther = 4;")
        .replace("kHeatBeat = 5;", "kHeartBeat = 5;")
        .replace("kError = 4;\n", "kError = 4;\n      kSyncPointUnknown = 5;\n")
        .replace("message BinlogOffset {", "enum Role { kMaster = 1; }\nmessage BinlogOffset {"),
    );
    assert.deepEqual(enumDisagreements(root, SCHEMA_ENUMS).sort(), [
      "InnerMessage.Role: no runtime enum in SCHEMA_ENUMS",
      "MsgType.kHeartBeat: kit (absent), schema 5",
      "MsgType.kHeatBeat: kit 5, schema (absent)",
      "StatusCode.kOther: kit 3, schema 4",
      "TrySyncReply.kSyncPointUnknown: kit (absent), schema 5",
    ]);
  });

  test("a field made optional, renamed, retyped, or added, against the kit's declarations", () => {
    const root = changed((p) =>
      p
        .replace("required int32 port = 2;", "optional int32 port = 2;")
        .replace("required string run_id = 3;", "required string server_id = 3;")
        .replace("required uint64 offset = 2;", "required string offset = 2;")
        .replace("optional string auth = 2;", "optional string auth = 2;\n    optional bool tls = 3;"),
    );
    assert.deepEqual(messageDisagreements(root, kitDeclarations(), SCHEMA_ENUMS), [
      "InnerMessage.BinlogOffset[1]: schema offset: string, declared offset: number",
      "InnerMessage.Node[1]: schema port?: number, declared port: number",
      "InnerMessage.InnerRequest.MetaSync[2]: schema tls?: boolean, declared (absent)",
      "InnerMessage.InnerResponse.MetaSync[2]: schema serverId: string, declared runId?: string",
    ]);
  });
});
