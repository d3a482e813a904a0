/**
 * The model of the specification: a feature file read into its rules (ID, normative sentence,
 * cited protocol rules and Pika issues) and their scenarios (ID, level, role, other tags).
 *
 * The files are parsed with @cucumber/gherkin, the parser cucumber-js itself uses, so a file the
 * model accepts is a file cucumber runs. Reading judges nothing: what the tags and titles say is
 * kept as written, also when it breaks a convention, and harness/spec/conventions.ts judges it.
 * IDs and rule titles follow the one grammar of harness/spec/ids.ts.
 */
import {
  AstBuilder,
  GherkinClassicTokenMatcher,
  GherkinInMarkdownTokenMatcher,
  Parser,
} from "@cucumber/gherkin";
import {
  type Feature,
  type GherkinDocument,
  IdGenerator,
  type Rule,
  type Scenario,
  type Tag,
} from "@cucumber/messages";
import { looksLikeId, parseRuleTitle } from "./ids";

export const LEVELS = ["must", "should"] as const;
export const ROLES = ["master", "slave", "pair"] as const;
export type Level = (typeof LEVELS)[number];
export type Role = (typeof ROLES)[number];

export interface SourceFile {
  /** Relative to the kit's directory, e.g. features/metasync/duplicate.feature. */
  file: string;
  text: string;
}

export interface Violation {
  file: string;
  /** 0 when the violation concerns the whole file. */
  line: number;
  message: string;
}

export interface ScenarioEntry {
  /** Its one ID-like tag without "@", e.g. MS-DUP-01 (undefined when it has none or several). */
  id: string | undefined;
  name: string;
  /** Its level when exactly one level tag applies (its own or inherited). */
  level: Level | undefined;
  /** Its role when exactly one role tag applies. */
  role: Role | undefined;
  /** Every other tag (including inherited feature and rule tags), e.g. @destructive, @slow. */
  flags: string[];
  line: number;
  /** The tags as written, for the conventions: its own ID-like ones, every level and role one. */
  idTags: string[];
  levelTags: string[];
  roleTags: string[];
}

export interface RuleEntry {
  id: string;
  sentence: string;
  /** The paragraphs of the rule's description, without its `Protocol: ...` clause. */
  description: string[];
  /** Numbers of the protocol rules it covers (`Protocol: R14, R17`); empty when it names none. */
  protocol: number[];
  /** Pika issue and pull-request numbers cited in the feature's or the rule's description. */
  issues: number[];
  scenarios: ScenarioEntry[];
  /** ID-like tags on the Rule itself (an ID belongs on a scenario). */
  idTags: string[];
  file: string;
  line: number;
}

/** Something the model cannot place: a scenario outside any Rule, a Rule without an ID. */
export interface Stray {
  name: string;
  line: number;
}

export interface FeatureEntry {
  file: string;
  name: string;
  line: number;
  description: string[];
  rules: RuleEntry[];
  /** ID-like tags on the Feature. */
  idTags: string[];
  /** Scenarios directly under the Feature. */
  looseScenarios: Stray[];
  /** Rules whose title is not "ID: sentence"; their scenarios are not read. */
  untitledRules: Stray[];
}

/** Parses a feature file as cucumber does: classic Gherkin, or Markdown for `*.feature.md`. */
export function parseGherkin(
  source: SourceFile,
  newId = IdGenerator.incrementing(),
): { doc?: GherkinDocument; violations: Violation[] } {
  const matcher = source.file.endsWith(".md")
    ? new GherkinInMarkdownTokenMatcher()
    : new GherkinClassicTokenMatcher();
  const parser = new Parser(new AstBuilder(newId), matcher);
  try {
    return { doc: parser.parse(source.text), violations: [] };
  } catch (err) {
    return { violations: parseErrors(err).map((e) => parseViolation(source.file, e)) };
  }
}

interface GherkinError {
  message: string;
  location?: { line: number };
}

/** The parser throws one error, or a composite one listing every error it found. */
function parseErrors(err: unknown): GherkinError[] {
  const errors = (err as { errors?: GherkinError[] }).errors;
  return errors?.length ? errors : [err as GherkinError];
}

function parseViolation(file: string, e: GherkinError): Violation {
  // The message repeats the location as "(10:5): "; the violation carries it already.
  const message = `Gherkin does not parse: ${e.message.replace(/^\(\d+:\d+\): /, "")}`;
  return { file, line: e.location?.line ?? 0, message };
}

/** Splits a Gherkin description into paragraphs of single-spaced text. */
export function paragraphs(description: string): string[] {
  return description
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .join(" "),
    )
    .filter((p) => p !== "");
}

const REF_ITEM = String.raw`R\d+(?:\s*[-–]\s*R?\d+)?`;
/** The clause `Protocol: R14, R17.` of a rule description (with its full stop, if any). */
const PROTOCOL_CLAUSE = new RegExp(String.raw`Protocol:\s*(${REF_ITEM}(?:\s*(?:,|and|&)\s*${REF_ITEM})*)\.?`);

/** `Protocol: R14, R17` or `Protocol: R2-R5, R9` in a rule description; undefined when absent. */
export function protocolRefs(description: string): number[] | undefined {
  const m = PROTOCOL_CLAUSE.exec(description);
  if (!m) return undefined;
  const out = new Set<number>();
  for (const part of (m[1] ?? "").split(/\s*(?:,|and|&)\s*/)) {
    const r = /^R(\d+)(?:\s*[-–]\s*R?(\d+))?$/.exec(part.trim());
    if (!r) continue;
    const from = Number(r[1]);
    const to = r[2] === undefined ? from : Number(r[2]);
    for (let n = from; n <= to; n++) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/** Pika issue or PR numbers (`#2291`) in a text; not HTML entities (`&#123;`) or URL fragments. */
export function issueRefs(text: string): number[] {
  const out = new Set<number>();
  for (const m of text.matchAll(/(?<![\w&/])#(\d{2,6})\b/g)) out.add(Number(m[1]));
  return [...out].sort((a, b) => a - b);
}

/** A citation of a section of docs/PROTOCOL.md: `PROTOCOL.md §11.4`. Group: the section number. */
export const SECTION_CITATION = /(?:docs\/)?PROTOCOL\.md\s*§\s*(\d+(?:\.\d+)*)/g;

/** The sections of docs/PROTOCOL.md a text cites, e.g. ["11.4"]. */
export function sectionRefs(text: string): string[] {
  return [...text.matchAll(SECTION_CITATION)].map((m) => m[1] ?? "");
}

const tagNames = (tags: readonly Tag[]) => tags.map((t) => t.name);
const isLevel = (tag: string) => (LEVELS as readonly string[]).includes(tag.slice(1));
const isRole = (tag: string) => (ROLES as readonly string[]).includes(tag.slice(1));

/** The one tag of a kind, without "@"; undefined when there is none or there are several. */
function theOne<T extends string>(tags: string[]): T | undefined {
  const [only, ...more] = tags;
  return only !== undefined && more.length === 0 ? (only.slice(1) as T) : undefined;
}

function readScenario(scenario: Scenario, inherited: string[]): ScenarioEntry {
  const own = tagNames(scenario.tags);
  const all = [...new Set([...inherited, ...own])];
  // Only its own tags can be its ID: one inherited from the Rule or Feature is misplaced.
  const idTags = own.filter(looksLikeId);
  const levelTags = all.filter(isLevel);
  const roleTags = all.filter(isRole);
  const special = new Set([...idTags, ...levelTags, ...roleTags]);
  return {
    id: theOne(idTags),
    name: scenario.name,
    level: theOne<Level>(levelTags),
    role: theOne<Role>(roleTags),
    flags: all.filter((t) => !special.has(t)).sort(),
    line: scenario.location.line,
    idTags,
    levelTags,
    roleTags,
  };
}

function readRule(rule: Rule, feature: Feature, file: string): RuleEntry | undefined {
  const title = parseRuleTitle(rule.name.trim());
  if (!title) return undefined;
  const ruleTags = tagNames(rule.tags);
  const inherited = [...tagNames(feature.tags), ...ruleTags];
  const scenarios = rule.children.flatMap((c) => (c.scenario ? [readScenario(c.scenario, inherited)] : []));
  return {
    id: title.id,
    sentence: title.sentence,
    description: paragraphs(rule.description.replace(PROTOCOL_CLAUSE, "")),
    protocol: protocolRefs(rule.description) ?? [],
    issues: issueRefs(`${feature.description}\n${rule.description}`),
    scenarios,
    idTags: ruleTags.filter(looksLikeId),
    file,
    line: rule.location.line,
  };
}

function readFeatureNode(feature: Feature, file: string): FeatureEntry {
  const entry: FeatureEntry = {
    file,
    name: feature.name,
    line: feature.location.line,
    description: paragraphs(feature.description),
    rules: [],
    idTags: tagNames(feature.tags).filter(looksLikeId),
    looseScenarios: [],
    untitledRules: [],
  };
  for (const child of feature.children) {
    if (child.scenario)
      entry.looseScenarios.push({ name: child.scenario.name, line: child.scenario.location.line });
    if (!child.rule) continue;
    const rule = readRule(child.rule, feature, file);
    if (rule) entry.rules.push(rule);
    else entry.untitledRules.push({ name: child.rule.name, line: child.rule.location.line });
  }
  return entry;
}

/** Reads one feature file into the model; the violations say why it could not be read. */
export function readFeature(source: SourceFile): { feature?: FeatureEntry; violations: Violation[] } {
  const { doc, violations } = parseGherkin(source);
  if (!doc) return { violations };
  if (!doc.feature) return { violations: [{ file: source.file, line: 1, message: "has no Feature" }] };
  return { feature: readFeatureNode(doc.feature, source.file), violations: [] };
}
