// cucumber-js profiles. Kit settings travel in environment variables (PIKA_TARGET, PIKA_SEED,
// ...): cucumber-js rejects options it does not know.
const common = {
  requireModule: ["ts-node/register"],
  require: ["steps/**/*.ts"],
  paths: ["features/**/*.feature"],
  strict: true,
};

/** A profile for one real target: real time, so parallel workers where the target allows. */
function realTarget(kind, parallel) {
  return {
    ...common,
    parallel,
    format: [
      "progress",
      "summary",
      `html:reports/cucumber-${kind}.html`,
      `junit:reports/cucumber-${kind}-junit.xml`,
    ],
  };
}

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
  // Passes of .ci/run on real targets (PIKA_TARGET and its settings come from the environment;
  // see README "Targets"): each writes its own JUnit file for the run summary.
  binary: realTarget("binary", 4),
  container: realTarget("container", 4),
  // One set of running nodes: scenarios must not share them at the same time.
  external: realTarget("external", 0),
  // No file outputs: test/report.test.ts passes its own --format html:<temp dir>/report.html.
  report_test: {
    ...common,
    format: ["summary"],
  },
};
