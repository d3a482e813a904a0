/**
 * The grammar of the spec's names, in one place: a rule's ID (MS-DUP), its title in a feature
 * ("MS-DUP: A master MUST ..."), and a scenario's ID, the rule's ID and two digits (MS-DUP-01).
 * The spec's model and conventions (harness/spec/), the ledgers, the runner, the hooks and the
 * findings read them here.
 */

/** A rule's ID: two upper-case words joined by a dash. */
export const RULE_ID = "[A-Z]+-[A-Z]+";
/** A rule's title: its ID, a colon, its normative sentence. Groups: ID, sentence. */
export const RULE_TITLE = new RegExp(`^(${RULE_ID}):\\s+(\\S.*)$`);
/** A scenario's ID. Groups: the rule's ID, the two-digit number. */
export const SCENARIO_ID = new RegExp(`^(${RULE_ID})-(\\d{2})$`);
/**
 * Wider than the grammar on purpose: what an author meant as an ID (@MS-DUP-1, @MS-DUP, @X2-Y),
 * so that the conventions can say what is wrong with it instead of taking it for a plain tag.
 */
const ID_LIKE = /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;

export const isScenarioId = (s: string) => SCENARIO_ID.test(s);

/** Whether a tag, with or without "@", looks like an ID (see ID_LIKE), valid or not. */
export const looksLikeId = (tag: string) => ID_LIKE.test(tag.replace(/^@/, ""));

/** The scenario ID among tags, with or without "@" (["@must", "@MS-DUP-01"] gives MS-DUP-01). */
export const idOfTags = (tags: readonly string[]) => tags.map((t) => t.replace(/^@/, "")).find(isScenarioId);

/** A rule title's ID and sentence, or undefined when the title does not follow the grammar. */
export function parseRuleTitle(title: string): { id: string; sentence: string } | undefined {
  const m = RULE_TITLE.exec(title);
  return m ? { id: m[1] as string, sentence: m[2] as string } : undefined;
}

/** Whether a scenario's ID is a two-digit number under the given rule's ID (MS-DUP-01 under MS-DUP). */
export function isScenarioIdOf(scenarioId: string, ruleId: string): boolean {
  return SCENARIO_ID.exec(scenarioId)?.[1] === ruleId;
}
