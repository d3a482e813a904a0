// cucumber-js profiles. Kit settings travel in environment variables (PIKA_TARGET, PIKA_SEED,
// ...): cucumber-js rejects options it does not know.
const common = {
  requireModule: ["ts-node/register"],
  require: ["steps/**/*.ts"],
  paths: ["features/**/*.feature"],
  strict: true,
};

module.exports = {
  // The CLI (bin/pika-conformance) adds its own formats and tags.
  cli: { ...common },
  default: {
    ...common,
    format: [
      "progress",
      "summary",
      "html:reports/cucumber.html",
      "junit:reports/cucumber-junit.xml",
      "message:reports/cucumber-messages.ndjson",
    ],
  },
  // No file outputs: test/report.test.ts passes its own --format html:<temp dir>/report.html.
  report_test: {
    ...common,
    format: ["summary"],
  },
};
