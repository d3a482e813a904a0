// cucumber's html formatter, showing each scenario's verdict by the deviation ledger
// (harness/report/verdict-formatter.ts). The CLI uses it for its cucumber html report.
const { builtinFormatter, verdictFormatter } = require("../dist/harness/report/verdict-formatter.js");

module.exports = verdictFormatter(builtinFormatter("html"));
