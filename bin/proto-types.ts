/**
 * Writes the TypeScript declarations of the kit's wire schema (harness/wire/generated/
 * inner_message.d.ts) from fixtures/proto/inner_message.proto. With --check it writes nothing
 * and exits 1 when the file is not what the .proto gives now.
 *
 * usage: proto-types [--check]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GENERATED_FILE, kitDeclarations } from "../harness/wire/typegen";

function main(args: string[]): number {
  if (args.some((a) => a !== "--check")) {
    console.error("usage: proto-types [--check]");
    return 2;
  }
  const text = kitDeclarations();
  const now = fs.existsSync(GENERATED_FILE) ? fs.readFileSync(GENERATED_FILE, "utf8") : undefined;
  if (args.includes("--check")) {
    if (now === text) return 0;
    console.error(`proto-types: ${GENERATED_FILE} is stale: run npm run proto:types`);
    return 1;
  }
  if (now !== text) {
    fs.mkdirSync(path.dirname(GENERATED_FILE), { recursive: true });
    fs.writeFileSync(GENERATED_FILE, text);
  }
  console.log(`${GENERATED_FILE}: ${now === text ? "unchanged" : "written"}`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`proto-types: ${(err as Error).message}`);
  process.exitCode = 2;
}
