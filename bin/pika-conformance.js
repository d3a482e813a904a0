#!/usr/bin/env node
// Entry point of the pika-conformance command: the compiled CLI (npm run build, run by npm ci).
// Paths on its command line are the caller's: nothing changes the working directory.
require("../dist/bin/pika-conformance.js")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
