// A cucumber formatter that prints nothing: the CLI prints its own progress and verdict, and
// cucumber would otherwise add its progress formatter on stdout.
const { Formatter } = require("@cucumber/cucumber");

module.exports = class SilentFormatter extends Formatter {};
