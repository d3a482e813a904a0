/**
 * The generated declarations of the wire schema (harness/wire/typegen.ts): the committed file is
 * what the generator makes of the .proto now, so it cannot go stale, and the generator follows
 * the schema (labels, types, comments) and refuses what the kit's codec cannot handle.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { PROTO_FILE, SCHEMA_ENUMS } from "../harness/wire/proto";
import { declarations, GENERATED_FILE, kitDeclarations } from "../harness/wire/typegen";

const ENUMS = Object.fromEntries(Object.entries(SCHEMA_ENUMS).map(([name, e]) => [e.schema, name]));
const afterHeader = (text: string) => text.split("\n").slice(1).join("\n");

/** The generator's output for the kit's .proto after `edit`. */
function generatedFor(edit: (proto: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-typegen-"));
  const file = path.join(dir, "changed.proto");
  fs.writeFileSync(file, edit(fs.readFileSync(PROTO_FILE, "utf8")));
  try {
    return declarations(file, { enums: ENUMS, enumsFrom: "../proto", source: "changed.proto" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("generated declarations", () => {
  test("the committed file is what `npm run proto:types` writes now", () => {
    assert.ok(fs.existsSync(GENERATED_FILE), `${GENERATED_FILE} is missing: run npm run proto:types`);
    const committed = fs.readFileSync(GENERATED_FILE, "utf8");
    // Not deepEqual on the whole text: a line-by-line diff names the first stale declaration.
    const want = kitDeclarations().split("\n");
    const have = committed.split("\n");
    const first = want.findIndex((line, i) => line !== have[i]);
    assert.ok(
      first === -1 && want.length === have.length,
      `${GENERATED_FILE} is stale (run npm run proto:types): line ${first + 1} is ${JSON.stringify(have[first])}, the .proto gives ${JSON.stringify(want[first])}`,
    );
  });

  test("the generator is deterministic and its output is the kit's generated file", () => {
    assert.equal(kitDeclarations(), kitDeclarations());
    // The same .proto elsewhere gives the same declarations; only the header's source line differs.
    assert.equal(afterHeader(generatedFor((p) => p)), afterHeader(kitDeclarations()));
  });

  test("a required field an older schema lacks (SCHEMA_VERSIONS) is optional, and says which schema lacks it", () => {
    const kit = kitDeclarations();
    assert.match(
      kit,
      /db_instance_num = 3 \(absent in the 3\.5 and 3\.3 schemas\).*\n\s*dbInstanceNum\?: number;/,
    );
    assert.match(kit, /run_id = 3 \(absent in the 3\.3 schema\).*\n\s*runId\?: string;/);
    const plain = declarations(PROTO_FILE, {
      enums: ENUMS,
      enumsFrom: "../proto",
      source: "x",
      versioned: {},
    });
    assert.match(plain, /db_instance_num = 3: since v4\.0\.0 \*\/\n\s*dbInstanceNum: number;/);
  });

  test("a label, a type, a new field or a comment of the .proto changes the declarations", () => {
    const out = generatedFor((p) =>
      p
        .replace("required int32 port = 2;", "optional int32 port = 2;")
        .replace(
          "optional string auth = 2;",
          "optional string auth = 2;\n    repeated bytes tokens = 3;  // new",
        )
        .replace("required uint64 offset = 2;", "required string offset = 2;"),
    );
    assert.match(out, /\/\*\* optional int32 port = 2 \*\/\n\s+port\?: number;/);
    assert.match(out, /\/\*\* repeated bytes tokens = 3: new \*\/\n\s+tokens\?: Buffer\[\];/);
    assert.match(out, /\/\*\* required string offset = 2 \*\/\n\s+offset: string;/);
    assert.notEqual(out, kitDeclarations());
  });

  test("an enum the kit has no runtime enum for, a map or a oneof is refused, not typed loosely", () => {
    assert.throws(
      () =>
        generatedFor((p) =>
          p.replace(
            "message Node {",
            "enum Role { kMaster = 1; }\nmessage Node {\n  optional Role role = 3;",
          ),
        ),
      /enum InnerMessage\.Role has no runtime enum.*SCHEMA_ENUMS/,
    );
    assert.throws(
      () =>
        generatedFor((p) => p.replace("message Node {", "message Node {\n  map<string, int32> tags = 3;")),
      /map fields are not supported/,
    );
    assert.throws(
      () =>
        generatedFor((p) => p.replace("message Node {", "message Node {\n  oneof addr { string host = 3; }")),
      /oneof is not supported/,
    );
  });
});
