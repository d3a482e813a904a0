/**
 * The conventions of the specification, checked on its model (harness/spec/model.ts): every
 * Feature says why its behaviour matters; every Rule is "AREA-TOPIC: <sentence with MUST, SHOULD
 * or MAY>", cites the protocol rules it covers and has scenarios; every scenario has one ID under
 * its Rule's, one level its Rule's sentence supports and one role; no ID is used twice.
 * What the features cite in docs/PROTOCOL.md is checked with the coverage (coverage.ts).
 */
import { isScenarioIdOf } from "./ids";
import type { FeatureEntry, RuleEntry, ScenarioEntry, Violation } from "./model";

const MUST = /\bMUST\b/;
const SHOULD_OR_MAY = /\b(SHOULD|MAY)\b/;
const ANY_KEYWORD = /\b(MUST|SHOULD|MAY)\b/;

/** The scenario's ID tag: exactly one, and its Rule's ID with two digits. */
function idProblem(s: ScenarioEntry, ruleId: string): string | undefined {
  if (s.idTags.length === 0) return `has no ID tag (expected @${ruleId}-NN)`;
  if (s.idTags.length > 1)
    return `has ${s.idTags.length} ID tags (${s.idTags.join(" ")}); exactly one is allowed`;
  if (s.id === undefined || !isScenarioIdOf(s.id, ruleId))
    return `ID tag @${s.id} must be its Rule's ID and a two-digit number (@${ruleId}-NN)`;
  return undefined;
}

/** One level tag, and one the Rule's sentence supports: @must needs a MUST. */
function levelProblem(s: ScenarioEntry, sentence: string): string | undefined {
  if (s.levelTags.length === 0) return "has no level tag (@must or @should)";
  if (s.levelTags.length > 1) return `has several level tags (${s.levelTags.join(" ")})`;
  if (s.level === "must" && !MUST.test(sentence))
    return "is tagged @must but the rule's sentence has no MUST";
  if (s.level === "should" && !SHOULD_OR_MAY.test(sentence))
    return "is tagged @should but the rule's sentence has no SHOULD or MAY";
  return undefined;
}

function roleProblem(s: ScenarioEntry): string | undefined {
  if (s.roleTags.length === 0) return "has no role tag (@master, @slave or @pair)";
  if (s.roleTags.length > 1) return `has several role tags (${s.roleTags.join(" ")}); exactly one is allowed`;
  return undefined;
}

function checkScenario(s: ScenarioEntry, rule: RuleEntry): Violation[] {
  const problems = [idProblem(s, rule.id), levelProblem(s, rule.sentence), roleProblem(s)];
  return problems.flatMap((p) =>
    p === undefined ? [] : [{ file: rule.file, line: s.line, message: `scenario "${s.name}": ${p}` }],
  );
}

function checkRule(rule: RuleEntry): Violation[] {
  const at = (message: string): Violation => ({ file: rule.file, line: rule.line, message });
  const out: Violation[] = [];
  if (!ANY_KEYWORD.test(rule.sentence))
    out.push(at(`Rule ${rule.id}: its sentence has no MUST, SHOULD or MAY`));
  for (const t of rule.idTags) out.push(at(`Rule ${rule.id}: ID tag ${t} belongs on a scenario`));
  if (rule.protocol.length === 0)
    out.push(at(`Rule ${rule.id}: its description names no protocol rules (a line "Protocol: R<n>, ...")`));
  if (rule.scenarios.length === 0) out.push(at(`Rule ${rule.id} has no scenario`));
  return [...out, ...rule.scenarios.flatMap((s) => checkScenario(s, rule))];
}

/** The conventions that concern one feature file alone. */
export function checkFeature(f: FeatureEntry): Violation[] {
  const at = (line: number, message: string): Violation => ({ file: f.file, line, message });
  const out: Violation[] = [];
  if (f.description.length === 0)
    out.push(at(f.line, `Feature "${f.name}" has no description paragraph saying why the behaviour matters`));
  for (const t of f.idTags) out.push(at(f.line, `ID tag ${t} belongs on a scenario`));
  for (const s of f.looseScenarios)
    out.push(at(s.line, `scenario "${s.name}" is outside any Rule; every scenario belongs to a Rule`));
  for (const r of f.untitledRules)
    out.push(
      at(r.line, `Rule "${r.name}" has no ID; its title must read "AREA-TOPIC: <normative sentence>"`),
    );
  return [...out, ...f.rules.flatMap(checkRule)];
}

/** Rule IDs and scenario IDs are unique across the whole specification; the first use keeps it. */
export function checkUniqueIds(features: readonly FeatureEntry[]): Violation[] {
  const seen = new Map<string, { file: string; line: number }>();
  const out: Violation[] = [];
  const claim = (kind: string, id: string, file: string, line: number) => {
    const prev = seen.get(`${kind} ${id}`);
    if (prev)
      out.push({ file, line, message: `${kind} ID ${id} is already used at ${prev.file}:${prev.line}` });
    else seen.set(`${kind} ${id}`, { file, line });
  };
  for (const r of features.flatMap((f) => f.rules)) {
    claim("Rule", r.id, r.file, r.line);
    for (const s of r.scenarios) if (s.id) claim("scenario", s.id, r.file, s.line);
  }
  return out;
}
