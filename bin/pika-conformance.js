#!/usr/bin/env node
// Entry point of the pika-conformance command: runs the TypeScript CLI through ts-node.
process.chdir(require("node:path").resolve(__dirname, ".."));
require("ts-node").register({
  transpileOnly: true,
  project: require("node:path").resolve(__dirname, "../tsconfig.json"),
});
require("./pika-conformance.ts")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
