/** Schema drift between the kit's .proto and a build's (harness/wire/drift.ts). */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { schemaDrift, schemaOf } from "../harness/wire/drift";
import { PROTO_FILE } from "../harness/wire/proto";

test("the kit's schema has no drift from itself, and a changed copy's every change is named", () => {
  const kit = schemaOf(PROTO_FILE);
  assert.deepEqual(schemaDrift(kit, kit), []);
  assert.equal(
    kit.get("InnerMessage.InnerResponse.MetaSync.runId") ??
      kit.get("InnerMessage.InnerResponse.MetaSync.run_id"),
    "required string = 3",
  );
  const changed = fs
    .readFileSync(PROTO_FILE, "utf8")
    .replace(/required int32 db_instance_num = 3;/, "")
    .replace(/kOther = 3;/, "kOther = 4;");
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pika-drift-")), "changed.proto");
  fs.writeFileSync(file, changed);
  const drift = schemaDrift(kit, schemaOf(file));
  assert.deepEqual(
    drift.map((d) => [d.path.replace(/_(\w)/g, (_, c) => c.toUpperCase()), d.kit, d.theirs]),
    [
      ["InnerMessage.InnerResponse.MetaSync.DBInfo.dbInstanceNum", "required int32 = 3", undefined],
      ["InnerMessage.StatusCode.kOther", "= 3", "= 4"],
    ],
  );
});
