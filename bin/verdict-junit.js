// cucumber's junit formatter, showing each scenario's verdict by the deviation ledger
// (harness/report/verdict-formatter.ts): an expected failure is a <skipped> that says so and why,
// since JUnit has no expected failure. The CLI uses it for its cucumber junit report.
const { builtinFormatter, verdictFormatter } = require("../dist/harness/report/verdict-formatter.js");

module.exports = verdictFormatter(builtinFormatter("junit"), "SKIPPED");
