// A cucumber plugin: orders the scenarios longest first (harness/spec/schedule.ts), so parallel
// workers finish together. Named in cucumber.js for every profile.
const { estimateSeconds, longestFirst } = require("../dist/harness/spec/schedule.js");

module.exports = {
  type: "plugin",
  coordinator({ transform }) {
    transform("pickles:order", (pickles) =>
      longestFirst(pickles, ({ pickle }) =>
        estimateSeconds(
          pickle.tags.map((t) => t.name),
          pickle.steps.map((s) => s.text),
        ),
      ),
    );
  },
};
