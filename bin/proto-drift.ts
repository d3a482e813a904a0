/**
 * Compares the kit's wire schemas (fixtures/proto/inner_message.proto, and rsync_service.proto
 * for a build's file of that name) with the .proto files of real Pika builds, and prints every
 * difference a frame would see (field numbers, types, labels, enum values). Exits 1 when there is
 * one.
 *
 * usage: proto-drift <pika_inner_message.proto | rsync_service.proto> [...]
 *        e.g. ../shared/pika/*\/proto/*.proto
 */
import * as path from "node:path";
import { schemaDrift, schemaOf } from "../harness/wire/drift";
import { PROTO_FILE } from "../harness/wire/proto";
import { RSYNC_PROTO_FILE } from "../harness/wire/rsync";

function main(files: string[]): number {
  if (!files.length) {
    console.error("usage: proto-drift <pika_inner_message.proto | rsync_service.proto> [...]");
    return 2;
  }
  const kits = { inner: schemaOf(PROTO_FILE), rsync: schemaOf(RSYNC_PROTO_FILE) };
  let status = 0;
  for (const file of files) {
    const kit = path.basename(file) === "rsync_service.proto" ? kits.rsync : kits.inner;
    const drift = schemaDrift(kit, schemaOf(file));
    console.log(
      `${file}: ${drift.length ? `${drift.length} difference(s) from the kit's schema` : "the same as the kit's schema"}`,
    );
    for (const d of drift)
      console.log(`  ${d.path}: kit ${d.kit ?? "(absent)"}, build ${d.theirs ?? "(absent)"}`);
    if (drift.length) status = 1;
  }
  return status;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`proto-drift: ${(err as Error).message}`);
  process.exitCode = 2;
}
