// cucumber-js profiles. Kit settings travel in environment variables (PIKA_TARGET, PIKA_SEED,
// ...): cucumber-js rejects options it does not know. The steps run compiled (npm run build,
// which npm ci runs too): a worker starts in a second or two instead of compiling TypeScript.
// cucumber writes one format only to stdout (the last one given): "progress", whose dots show
// each step as it ends and whose closing summary lists the failures.
const common = {
  require: [`${__dirname}/dist/steps/**/*.js`],
  paths: [`${__dirname}/features/**/*.feature`],
  // Longest scenarios first (harness/spec/schedule.ts): parallel workers then finish together.
  plugin: [require.resolve("./bin/longest-first.js")],
  strict: true,
};

/** A profile for one real target: real time, so parallel workers where the target allows. */
function realTarget(kind, parallel) {
  return {
    ...common,
    parallel,
    format: ["progress", `html:reports/cucumber-${kind}.html`, `junit:reports/cucumber-${kind}-junit.xml`],
  };
}

module.exports = {
  // The CLI (bin/pika-conformance) adds its own formats and tags.
  cli: { ...common },
  default: {
    ...common,
    format: [
      "progress",
      "html:reports/cucumber.html",
      "junit:reports/cucumber-junit.xml",
      "message:reports/cucumber-messages.ndjson",
    ],
  },
  // Passes of .ci/run on real targets (PIKA_TARGET and its settings come from the environment;
  // see README "Targets"): each writes its own JUnit file for the run summary.
  // As DEFAULT_PARALLEL in harness/targets/select.ts (test/targets.test.ts checks they agree).
  binary: realTarget("binary", 16),
  container: realTarget("container", 8),
  // One set of running nodes: scenarios must not share them at the same time.
  external: realTarget("external", 0),
  // No file outputs: test/report.test.ts passes its own --format html:<temp dir>/report.html.
  report_test: {
    ...common,
    format: ["summary"],
  },
};
