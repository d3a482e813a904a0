/**
 * `npm run spec`: generates docs/SPEC.md, the index of the specification, from
 * features/**\/*.feature, and checks the conventions of the specification on the way.
 *
 *   npm run spec              write docs/SPEC.md (when it changed)
 *   npm run spec -- --check   exit 1 when docs/SPEC.md is not what the features generate (CI)
 *
 * The feature files are read with @cucumber/gherkin, the parser cucumber-js itself uses, so a
 * file the index accepts is a file cucumber runs. Inputs besides the features:
 * - docs/PROTOCOL.md: the numbered protocol rules (`<a id="rN"></a>**RN Title.**`) and section
 *   anchors (`<a id="sec-11-4"></a>`) that rule descriptions cite;
 * - docs/uncovered-rules.yaml: for every protocol rule that no scenario covers yet, one line
 *   saying why.
 * Any violation (listed with file:line) fails both modes and writes nothing. The output is
 * deterministic: files sorted, no timestamps.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AstBuilder, GherkinClassicTokenMatcher, Parser } from "@cucumber/gherkin";
import { type GherkinDocument, IdGenerator, type Scenario, type Tag } from "@cucumber/messages";
import { parse as parseYaml } from "yaml";
import { KIT_ROOT } from "../harness/root";
import { parseRuleTitle, SCENARIO_ID } from "../harness/spec/ids";

export const SPEC_FILE = "docs/SPEC.md";
export const PROTOCOL_FILE = "docs/PROTOCOL.md";
export const UNCOVERED_FILE = "docs/uncovered-rules.yaml";
export const FEATURES_DIR = "features";

const LEVELS = ["must", "should"] as const;
const ROLES = ["master", "slave", "pair"] as const;
type Level = (typeof LEVELS)[number];
type Role = (typeof ROLES)[number];

const PIKA_ISSUES = "https://github.com/OpenAtomFoundation/pika/issues/";
/** Any tag that looks like an ID (`@MS-DUP-01`, `@MS-DUP`): upper case, digits and dashes. */
const ID_LIKE_TAG = /^@[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/;
const KEYWORDS = /\b(MUST|SHOULD|MAY)\b/g;

export interface Violation {
  file: string;
  line: number;
  message: string;
}

export interface ScenarioEntry {
  /** The ID tag without "@", e.g. MS-DUP-01 (undefined when missing or ambiguous). */
  id: string | undefined;
  name: string;
  level: Level | undefined;
  role: Role | undefined;
  /** Every other tag (including inherited feature and rule tags), e.g. @destructive, @slow. */
  flags: string[];
  line: number;
}

export interface RuleEntry {
  id: string;
  sentence: string;
  /** The paragraphs of the rule's description, without its `Protocol: ...` clause. */
  description: string[];
  /** Numbers of the protocol rules it covers (`Protocol: R14, R17`). */
  protocol: number[];
  /** Pika issue and pull-request numbers cited in the feature's or the rule's description. */
  issues: number[];
  scenarios: ScenarioEntry[];
  file: string;
  line: number;
}

export interface FeatureEntry {
  file: string;
  name: string;
  description: string[];
  rules: RuleEntry[];
}

export interface ProtocolDoc {
  /** Rule number → short title, from docs/PROTOCOL.md. */
  rules: Map<number, string>;
  /** Section numbers that have an anchor, e.g. "11.4". */
  sections: Set<string>;
}

export interface SourceFile {
  file: string;
  text: string;
}

export interface SpecInput {
  features: SourceFile[];
  protocol: SourceFile;
  uncovered: SourceFile;
}

export interface SpecResult {
  markdown: string;
  violations: Violation[];
  features: FeatureEntry[];
  /** Protocol rule number → IDs of the Rules (with at least one scenario) that cover it. */
  coverage: Map<number, string[]>;
}

// ------------------------------------------------------------------------------------------
// Reading

/** Splits a Gherkin description into paragraphs of single-spaced text. */
function paragraphs(description: string): string[] {
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

function parseGherkin(source: SourceFile): { doc?: GherkinDocument; violations: Violation[] } {
  const parser = new Parser(new AstBuilder(IdGenerator.incrementing()), new GherkinClassicTokenMatcher());
  try {
    return { doc: parser.parse(source.text), violations: [] };
  } catch (err) {
    const errors = (err as { errors?: { message: string; location?: { line: number } }[] }).errors;
    const list = errors?.length ? errors : [err as { message: string; location?: { line: number } }];
    return {
      violations: list.map((e) => ({
        file: source.file,
        line: e.location?.line ?? 0,
        message: `Gherkin does not parse: ${e.message.replace(/^\(\d+:\d+\): /, "")}`,
      })),
    };
  }
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

/** Pika issue or PR numbers (`#2291`) in a text. */
export function issueRefs(text: string): number[] {
  const out = new Set<number>();
  for (const m of text.matchAll(/(?<![\w&/])#(\d{2,6})\b/g)) out.add(Number(m[1]));
  return [...out].sort((a, b) => a - b);
}

/** Sections of docs/PROTOCOL.md cited as `PROTOCOL.md §11.4`. */
function sectionRefs(text: string): string[] {
  return [...text.matchAll(/PROTOCOL\.md\s*§\s*(\d+(?:\.\d+)*)/g)].map((m) => m[1] ?? "");
}

function tagNames(tags: readonly Tag[]): string[] {
  return tags.map((t) => t.name);
}

function readScenario(
  scenario: Scenario,
  ruleId: string,
  sentence: string,
  inherited: string[],
  file: string,
  violations: Violation[],
): ScenarioEntry {
  const line = scenario.location.line;
  const where = `scenario "${scenario.name}"`;
  const own = tagNames(scenario.tags);
  const all = [...new Set([...inherited, ...own])];
  const idTags = own.filter((t) => ID_LIKE_TAG.test(t));
  const levels = all.filter((t) => (LEVELS as readonly string[]).includes(t.slice(1)));
  const roles = all.filter((t) => (ROLES as readonly string[]).includes(t.slice(1)));
  const flags = all.filter((t) => !idTags.includes(t) && !levels.includes(t) && !roles.includes(t)).sort();
  const v = (message: string) => violations.push({ file, line, message: `${where}: ${message}` });

  let id: string | undefined;
  const [idTag, ...moreIds] = idTags;
  if (idTag === undefined || moreIds.length) {
    v(
      idTags.length === 0
        ? `has no ID tag (expected @${ruleId}-NN)`
        : `has ${idTags.length} ID tags (${idTags.join(" ")}); exactly one is allowed`,
    );
  } else {
    id = idTag.slice(1);
    const m = SCENARIO_ID.exec(id);
    if (!m || m[1] !== ruleId) {
      v(`ID tag @${id} must be its Rule's ID and a two-digit number (@${ruleId}-NN)`);
    }
  }

  const level = levels.length === 1 ? (levels[0]?.slice(1) as Level | undefined) : undefined;
  if (levels.length !== 1) {
    v(
      levels.length === 0
        ? "has no level tag (@must or @should)"
        : `has several level tags (${levels.join(" ")})`,
    );
  } else if (level === "must" && !/\bMUST\b/.test(sentence)) {
    v(`is tagged @must but the rule's sentence has no MUST`);
  } else if (level === "should" && !/\b(SHOULD|MAY)\b/.test(sentence)) {
    v(`is tagged @should but the rule's sentence has no SHOULD or MAY`);
  }

  const role = roles.length === 1 ? (roles[0]?.slice(1) as Role | undefined) : undefined;
  if (roles.length !== 1) {
    v(
      roles.length === 0
        ? "has no role tag (@master, @slave or @pair)"
        : `has several role tags (${roles.join(" ")}); exactly one is allowed`,
    );
  }
  return { id, name: scenario.name, level, role, flags, line };
}

/** Parses one feature file and checks the conventions that concern that file alone. */
export function readFeature(source: SourceFile): { feature?: FeatureEntry; violations: Violation[] } {
  const { doc, violations } = parseGherkin(source);
  if (!doc) return { violations };
  const file = source.file;
  const feature = doc.feature;
  if (!feature) {
    violations.push({ file, line: 1, message: "has no Feature" });
    return { violations };
  }
  const featureTags = tagNames(feature.tags);
  const description = paragraphs(feature.description);
  if (description.length === 0) {
    violations.push({
      file,
      line: feature.location.line,
      message: `Feature "${feature.name}" has no description paragraph saying why the behaviour matters`,
    });
  }
  for (const t of featureTags.filter((t) => ID_LIKE_TAG.test(t))) {
    violations.push({ file, line: feature.location.line, message: `ID tag ${t} belongs on a scenario` });
  }

  const rules: RuleEntry[] = [];
  for (const child of feature.children) {
    if (child.scenario) {
      violations.push({
        file,
        line: child.scenario.location.line,
        message: `scenario "${child.scenario.name}" is outside any Rule; every scenario belongs to a Rule`,
      });
    }
    const rule = child.rule;
    if (!rule) continue;
    const line = rule.location.line;
    const title = parseRuleTitle(rule.name.trim());
    if (!title) {
      violations.push({
        file,
        line,
        message: `Rule "${rule.name}" has no ID; its title must read "AREA-TOPIC: <normative sentence>"`,
      });
      continue;
    }
    const { id, sentence } = title;
    if (!sentence.match(KEYWORDS)) {
      violations.push({ file, line, message: `Rule ${id}: its sentence has no MUST, SHOULD or MAY` });
    }
    const ruleTags = tagNames(rule.tags);
    for (const t of ruleTags.filter((t) => ID_LIKE_TAG.test(t))) {
      violations.push({ file, line, message: `Rule ${id}: ID tag ${t} belongs on a scenario` });
    }
    const protocol = protocolRefs(rule.description);
    if (!protocol || protocol.length === 0) {
      violations.push({
        file,
        line,
        message: `Rule ${id}: its description names no protocol rules (a line "Protocol: R<n>, ...")`,
      });
    }
    const scenarios: ScenarioEntry[] = [];
    for (const rc of rule.children) {
      if (!rc.scenario) continue;
      scenarios.push(
        readScenario(rc.scenario, id, sentence, [...featureTags, ...ruleTags], file, violations),
      );
    }
    if (scenarios.length === 0) {
      violations.push({ file, line, message: `Rule ${id} has no scenario` });
    }
    rules.push({
      id,
      sentence,
      description: paragraphs(rule.description.replace(PROTOCOL_CLAUSE, "")),
      protocol: protocol ?? [],
      issues: issueRefs(`${feature.description}\n${rule.description}`),
      scenarios,
      file,
      line,
    });
  }
  return { feature: { file, name: feature.name, description, rules }, violations };
}

/** Reads the numbered rules and section anchors of docs/PROTOCOL.md. */
export function readProtocol(source: SourceFile): { doc: ProtocolDoc; violations: Violation[] } {
  const rules = new Map<number, string>();
  const sections = new Set<string>();
  const violations: Violation[] = [];
  source.text.split("\n").forEach((text, i) => {
    for (const m of text.matchAll(/<a id="sec-(\d+(?:-\d+)*)"><\/a>/g))
      sections.add((m[1] ?? "").replace(/-/g, "."));
    const r = /^<a id="r(\d+)"><\/a>\*\*R(\d+) ([^*]+?)\.?\*\*/.exec(text);
    if (!r) return;
    if (r[1] !== r[2]) {
      violations.push({ file: source.file, line: i + 1, message: `anchor r${r[1]} is followed by R${r[2]}` });
    } else if (rules.has(Number(r[1]))) {
      violations.push({ file: source.file, line: i + 1, message: `R${r[1]} is defined twice` });
    } else {
      rules.set(Number(r[1]), (r[3] ?? "").trim());
    }
  });
  if (rules.size === 0) {
    violations.push({
      file: source.file,
      line: 1,
      message: 'defines no numbered rule (lines like `<a id="r1"></a>**R1 Title.** ...`)',
    });
  }
  return { doc: { rules, sections }, violations };
}

/** Reads docs/uncovered-rules.yaml: `R4: <why no scenario covers R4 yet>`. */
export function readUncovered(source: SourceFile): { reasons: Map<number, string>; violations: Violation[] } {
  const reasons = new Map<number, string>();
  const violations: Violation[] = [];
  let data: unknown;
  try {
    data = parseYaml(source.text);
  } catch (err) {
    violations.push({ file: source.file, line: 1, message: `is not valid YAML: ${(err as Error).message}` });
    return { reasons, violations };
  }
  if (data === null || data === undefined) return { reasons, violations };
  if (typeof data !== "object" || Array.isArray(data)) {
    violations.push({
      file: source.file,
      line: 1,
      message: "must be a mapping of R<n> to a one-line reason",
    });
    return { reasons, violations };
  }
  const lines = source.text.split("\n");
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const line = lines.findIndex((l) => l.startsWith(`${key}:`)) + 1;
    const m = /^R(\d+)$/.exec(key);
    if (!m) {
      violations.push({ file: source.file, line, message: `key "${key}" is not a protocol rule (R<n>)` });
    } else if (typeof value !== "string" || value.trim() === "" || value.includes("\n")) {
      violations.push({ file: source.file, line, message: `${key}: the reason must be one non-empty line` });
    } else {
      reasons.set(Number(m[1]), value.trim());
    }
  }
  return { reasons, violations };
}

// ------------------------------------------------------------------------------------------
// Generating

const cell = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");
const ruleAnchor = (id: string) => `rule-${id.toLowerCase()}`;
const protoLink = (n: number) => `[R${n}](PROTOCOL.md#r${n})`;
const issueLink = (n: number) => `[#${n}](${PIKA_ISSUES}${n})`;
const orDash = (items: string[]) => (items.length ? items.join(", ") : "—");
/** Prose from a feature, with its Pika issues and `PROTOCOL.md §x.y` citations made links. */
const linkify = (text: string) =>
  text
    .replace(/(?<![\w&/[])#(\d{2,6})\b/g, (_, n: string) => issueLink(Number(n)))
    .replace(
      /(?:docs\/)?PROTOCOL\.md\s*§\s*(\d+(?:\.\d+)*)/g,
      (m, s: string) => `[${m}](PROTOCOL.md#sec-${s.replace(/\./g, "-")})`,
    );

function levelsOf(rule: RuleEntry): Level[] {
  return LEVELS.filter((l) => rule.scenarios.some((s) => s.level === l));
}

function rolesOf(rule: RuleEntry): Role[] {
  return ROLES.filter((r) => rule.scenarios.some((s) => s.role === r));
}

function render(
  features: FeatureEntry[],
  protocol: ProtocolDoc,
  coverage: Map<number, string[]>,
  reasons: Map<number, string>,
): string {
  const rules = features.flatMap((f) => f.rules).sort((a, b) => a.id.localeCompare(b.id));
  const scenarios = rules.flatMap((r) => r.scenarios);
  const count = (pred: (s: ScenarioEntry) => boolean) => scenarios.filter(pred).length;
  const numbers = [...protocol.rules.keys()].sort((a, b) => a - b);
  const covered = numbers.filter((n) => (coverage.get(n) ?? []).length > 0);
  const range = numbers.length ? `R${numbers[0]}–R${numbers[numbers.length - 1]}` : "none";
  const out: string[] = [];
  const p = (...lines: string[]) => out.push(...lines);

  p(
    "<!-- Generated by `npm run spec` (bin/spec.ts) from features/**/*.feature. Do not edit by hand. -->",
    "",
    "# Specification index",
    "",
    "Every rule of the pika-conformance specification, with its level, the roles it is checked in,",
    "the Pika issues it comes from and the numbered protocol rules of [PROTOCOL.md](PROTOCOL.md#sec-8)",
    "it covers. The feature files are the specification; this page is generated from them, and CI",
    "fails when it is out of date (`npm run spec -- --check`).",
    "",
    `- **${rules.length} rules, ${scenarios.length} scenarios** in ${features.length} feature files:` +
      ` ${count((s) => s.level === "must")} \`@must\`, ${count((s) => s.level === "should")} \`@should\`;` +
      ` by role ${ROLES.map((r) => `${count((s) => s.role === r)} \`@${r}\``).join(", ")}.`,
    `- Flagged: ${count((s) => s.flags.includes("@destructive"))} \`@destructive\` (off by default on real` +
      ` targets), ${count((s) => s.flags.includes("@slow"))} \`@slow\`.`,
    `- **Protocol rules with at least one scenario: ${covered.length} of ${numbers.length}** (${range});` +
      ` the others are listed under [Protocol coverage](#protocol-coverage) with the reason.`,
    "",
    "## Rules",
    "",
    "| Rule | Level | Roles | Normative sentence | Protocol | Pika issues | Scenarios |",
    "|---|---|---|---|---|---|---|",
  );
  for (const r of rules) {
    p(
      `| [${r.id}](#${ruleAnchor(r.id)}) | ${levelsOf(r).join(", ")} | ${rolesOf(r).join(", ")} | ${cell(r.sentence)} |` +
        ` ${orDash(r.protocol.map(protoLink))} | ${orDash(r.issues.map(issueLink))} | ${r.scenarios.length} |`,
    );
  }

  p(
    "",
    "## Protocol coverage",
    "",
    "Which rules check each numbered protocol rule, and why the rest have no scenario yet",
    "(the reasons live in [uncovered-rules.yaml](uncovered-rules.yaml)).",
    "",
    "| Protocol rule | Covered by | Scenarios | Why no scenario yet |",
    "|---|---|---|---|",
  );
  for (const n of numbers) {
    const ids = coverage.get(n) ?? [];
    const nScenarios = rules.filter((r) => ids.includes(r.id)).reduce((k, r) => k + r.scenarios.length, 0);
    p(
      `| ${protoLink(n)} ${cell(protocol.rules.get(n) ?? "")} | ${orDash(ids.map((id) => `[${id}](#${ruleAnchor(id)})`))} |` +
        ` ${nScenarios} | ${ids.length ? "" : cell(reasons.get(n) ?? "")} |`,
    );
  }

  p("", "## Rules by feature");
  for (const f of features) {
    p("", `### ${f.name}`, "", `[${f.file}](../${f.file})`, "");
    for (const para of f.description) p(`> ${linkify(para)}`, ">");
    if (f.description.length) out.pop();
    for (const r of f.rules) {
      p(
        "",
        `#### <a id="${ruleAnchor(r.id)}"></a>${r.id}`,
        "",
        `**${r.sentence}**`,
        "",
        `- Level: ${levelsOf(r).join(", ") || "—"}; roles: ${rolesOf(r).join(", ") || "—"}`,
        `- Protocol: ${orDash(r.protocol.map(protoLink))}`,
        `- Pika issues: ${orDash(r.issues.map(issueLink))}`,
      );
      for (const para of r.description) p(`- Note: ${linkify(para)}`);
      p("", "| Scenario | Name | Level | Role | Flags |", "|---|---|---|---|---|");
      for (const s of r.scenarios) {
        p(
          `| ${s.id ?? "—"} | ${cell(s.name)} | ${s.level ?? "—"} | ${s.role ?? "—"} |` +
            ` ${s.flags.map((t) => `\`${t}\``).join(" ")} |`,
        );
      }
    }
  }
  p("");
  return out.join("\n");
}

/** Builds docs/SPEC.md from already read inputs; pure, so it is what the unit tests drive. */
export function buildSpec(input: SpecInput): SpecResult {
  const violations: Violation[] = [];
  const features: FeatureEntry[] = [];
  for (const source of [...input.features].sort((a, b) => a.file.localeCompare(b.file))) {
    const r = readFeature(source);
    violations.push(...r.violations);
    if (r.feature) features.push(r.feature);
  }
  const protocol = readProtocol(input.protocol);
  violations.push(...protocol.violations);
  const uncovered = readUncovered(input.uncovered);
  violations.push(...uncovered.violations);

  // IDs are unique across the whole specification.
  const seen = new Map<string, { file: string; line: number }>();
  const claim = (kind: string, id: string, file: string, line: number) => {
    const prev = seen.get(`${kind} ${id}`);
    if (prev)
      violations.push({
        file,
        line,
        message: `${kind} ID ${id} is already used at ${prev.file}:${prev.line}`,
      });
    else seen.set(`${kind} ${id}`, { file, line });
  };
  for (const f of features) {
    for (const r of f.rules) {
      claim("Rule", r.id, r.file, r.line);
      for (const s of r.scenarios) if (s.id) claim("scenario", s.id, r.file, s.line);
    }
  }

  // Citations must point at something that exists in docs/PROTOCOL.md.
  for (const f of features) {
    for (const r of f.rules) {
      for (const n of r.protocol.filter((n) => !protocol.doc.rules.has(n))) {
        violations.push({
          file: r.file,
          line: r.line,
          message: `Rule ${r.id} cites R${n}, which ${PROTOCOL_FILE} does not define`,
        });
      }
    }
    const texts = [f.description.join(" "), ...f.rules.map((r) => r.description.join(" "))];
    for (const section of texts.flatMap(sectionRefs)) {
      if (!protocol.doc.sections.has(section)) {
        violations.push({
          file: f.file,
          line: 1,
          message: `cites ${PROTOCOL_FILE} §${section}, which has no such section`,
        });
      }
    }
  }

  const coverage = new Map<number, string[]>();
  const firstOfEachId = new Map(
    features
      .flatMap((f) => f.rules)
      .reverse()
      .map((r) => [r.id, r] as const),
  );
  for (const r of [...firstOfEachId.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    if (r.scenarios.length === 0) continue;
    for (const n of r.protocol) coverage.set(n, [...(coverage.get(n) ?? []), r.id]);
  }

  // Every protocol rule is either covered or explained, and explanations do not go stale.
  const yamlLine = (n: number) =>
    input.uncovered.text.split("\n").findIndex((l) => l.startsWith(`R${n}:`)) + 1;
  for (const n of [...protocol.doc.rules.keys()].sort((a, b) => a - b)) {
    const covered = (coverage.get(n) ?? []).length > 0;
    if (!covered && !uncovered.reasons.has(n)) {
      violations.push({
        file: input.uncovered.file,
        line: 0,
        message: `R${n} has no scenario and no reason here; add "R${n}: <why not yet>" or a scenario that covers it`,
      });
    }
    if (covered && uncovered.reasons.has(n)) {
      violations.push({
        file: input.uncovered.file,
        line: yamlLine(n),
        message: `R${n} is now covered by ${(coverage.get(n) ?? []).join(", ")}; delete its entry`,
      });
    }
  }
  for (const n of uncovered.reasons.keys()) {
    if (!protocol.doc.rules.has(n)) {
      violations.push({
        file: input.uncovered.file,
        line: yamlLine(n),
        message: `R${n} is not a rule of ${PROTOCOL_FILE}`,
      });
    }
  }

  violations.sort(
    (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message),
  );
  const markdown = render(features, protocol.doc, coverage, uncovered.reasons);
  return { markdown, violations, features, coverage };
}

// ------------------------------------------------------------------------------------------
// Files and command line

/**
 * Formats Markdown exactly as `npm run lint` (biome) wants it, so that the generated file passes
 * the lint and `--check` compares like with like. Biome pads tables; it changes no content.
 */
export function formatMarkdown(markdown: string, file = SPEC_FILE): string {
  const biome = require.resolve("@biomejs/biome/bin/biome");
  const r = spawnSync(process.execPath, [biome, "format", `--stdin-file-path=${file}`], {
    input: markdown,
    cwd: KIT_ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0 || !r.stdout) {
    throw new Error(`spec: biome could not format ${file}: ${r.error?.message ?? r.stderr}`);
  }
  return r.stdout;
}

function listFeatures(root: string, dir = FEATURES_DIR): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...listFeatures(root, rel));
    else if (e.isFile() && e.name.endsWith(".feature")) out.push(rel);
  }
  return out.sort();
}

function readSource(root: string, file: string): SourceFile {
  const abs = path.join(root, file);
  return { file, text: fs.existsSync(abs) ? fs.readFileSync(abs, "utf8").replace(/\r\n/g, "\n") : "" };
}

/** Reads every input of the generator under `root` (the repository). */
export function loadInput(root: string): SpecInput {
  return {
    features: listFeatures(root).map((f) => readSource(root, f)),
    protocol: readSource(root, PROTOCOL_FILE),
    uncovered: readSource(root, UNCOVERED_FILE),
  };
}

export interface Io {
  log: (line: string) => void;
  error: (line: string) => void;
}

const USAGE = `usage: npm run spec [-- --check]
  (no option)  write ${SPEC_FILE} from ${FEATURES_DIR}/**/*.feature
  --check      write nothing; exit 1 when ${SPEC_FILE} is out of date`;

/** The first line that differs in content; table padding alone does not count as a difference. */
export function firstDifference(committed: string, generated: string): string {
  const squash = (l: string | undefined) => l?.replace(/\s+/g, " ").replace(/ ?-+ ?(?=\|)/g, "-");
  const la = committed.split("\n");
  const lb = generated.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (squash(la[i]) !== squash(lb[i])) {
      const show = (l: string | undefined) => (l === undefined ? "(end of file)" : l.replace(/ {2,}/g, " "));
      return `first difference at line ${i + 1}:\n  committed: ${show(la[i])}\n  generated: ${show(lb[i])}`;
    }
  }
  return "only the formatting differs";
}

/** The command; returns the exit status. */
export function main(
  argv: string[],
  root = process.cwd(),
  io: Io = { log: console.log, error: console.error },
): number {
  const args = argv.filter((a) => a !== "--"); // `node bin/spec.ts -- --check` as well as npm's form
  const check = args.includes("--check");
  const unknown = args.filter((a) => a !== "--check");
  if (unknown.length) {
    io.error(`spec: unknown argument ${unknown.join(" ")}\n${USAGE}`);
    return 2;
  }
  const input = loadInput(root);
  if (input.features.length === 0) {
    io.error(`spec: no feature files under ${path.join(root, FEATURES_DIR)}`);
    return 1;
  }
  const result = buildSpec(input);
  const rules = result.features.reduce((k, f) => k + f.rules.length, 0);
  const scenarios = result.features.reduce(
    (k, f) => k + f.rules.reduce((j, r) => j + r.scenarios.length, 0),
    0,
  );
  if (result.violations.length) {
    io.error(`spec: ${result.violations.length} violation(s) of the specification conventions:`);
    for (const v of result.violations) io.error(`  ${v.file}${v.line ? `:${v.line}` : ""}: ${v.message}`);
    io.error(
      `${SPEC_FILE} was not ${check ? "checked" : "written"}. The conventions: every Feature has a description;`,
    );
    io.error(
      'every Rule is titled "AREA-TOPIC: <sentence with MUST, SHOULD or MAY>" and says "Protocol: R<n>, ...";',
    );
    io.error(
      "every scenario has one ID tag @<RULE-ID>-NN, one of @must/@should, one of @master/@slave/@pair;",
    );
    io.error(`no ID is used twice; a protocol rule with no scenario has a reason in ${UNCOVERED_FILE}.`);
    return 1;
  }
  const markdown = formatMarkdown(result.markdown);
  const target = path.join(root, SPEC_FILE);
  const current = fs.existsSync(target) ? fs.readFileSync(target, "utf8").replace(/\r\n/g, "\n") : undefined;
  const summary = `${rules} rules, ${scenarios} scenarios, ${[...result.coverage.keys()].length} protocol rules covered`;
  if (check) {
    if (current === markdown) {
      io.log(`spec: ${SPEC_FILE} is up to date (${summary})`);
      return 0;
    }
    io.error(
      current === undefined
        ? `spec: ${SPEC_FILE} does not exist.`
        : `spec: ${SPEC_FILE} is out of date with ${FEATURES_DIR}/ (${firstDifference(current, markdown)})`,
    );
    io.error(`Run \`npm run spec\` and commit ${SPEC_FILE}.`);
    return 1;
  }
  if (current === markdown) {
    io.log(`spec: ${SPEC_FILE} unchanged (${summary})`);
  } else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, markdown);
    io.log(`spec: wrote ${SPEC_FILE} (${summary})`);
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
