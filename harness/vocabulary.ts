/**
 * A closed vocabulary of phrases for one step parameter: each phrase a regular expression whose
 * captures are its values, and what it means. The step's parameter type takes `regexp` (every
 * phrase, captures made non-capturing), so text that is none of them leaves the step undefined;
 * `parse` turns the matched text into its meaning.
 */
export class Vocabulary<T> {
  readonly regexp: RegExp;

  constructor(
    /** What the phrases name, for errors ("a request a probe slave can send"). */
    private readonly what: string,
    private readonly phrases: readonly (readonly [RegExp, (values: string[]) => T])[],
  ) {
    this.regexp = new RegExp(phrases.map(([re]) => re.source.replace(/\((?!\?)/g, "(?:")).join("|"));
  }

  parse(text: string): T {
    for (const [re, meaning] of this.phrases) {
      const m = new RegExp(`^(?:${re.source})$`).exec(text);
      if (m) return meaning(m.slice(1).map((v) => v ?? ""));
    }
    throw new Error(`"${text}" is not ${this.what}`);
  }
}
