/**
 * The scenarios as cucumber will run them, one pickle per scenario (an outline gives one per
 * example row), with their ID, level and role tags: for listing and for selecting by ID. The
 * files are those of cucumber's configuration (sources.ts), parsed as the model parses them.
 */
import { compile } from "@cucumber/gherkin";
import { IdGenerator } from "@cucumber/messages";
import { KIT_ROOT } from "../root";
import { idOfTags } from "./ids";
import { LEVELS, type Level, parseGherkin, ROLES, type Role, type SourceFile } from "./model";
import { loadFeatures } from "./sources";

export interface ScenarioInfo {
  id: string | undefined;
  name: string;
  uri: string;
  /** With "@", inherited ones included, e.g. ["@metasync", "@MS-DUP-01", "@must", "@master"]. */
  tags: string[];
  level: Level | undefined;
  role: Role | undefined;
}

const oneOf = <T extends string>(words: readonly T[], bare: string[]) =>
  bare.find((t): t is T => (words as readonly string[]).includes(t));

/**
 * The pickles of one feature file. The first valid ID, level and role tag count: listing does not
 * judge, `npm run spec` does. A file that does not parse is an error, as it is for cucumber.
 */
export function scenariosOf(source: SourceFile): ScenarioInfo[] {
  const newId = IdGenerator.uuid();
  const { doc, violations } = parseGherkin(source, newId);
  if (!doc) {
    const first = violations[0];
    throw new Error(`${source.file}:${first?.line ?? 0}: ${first?.message ?? "Gherkin does not parse"}`);
  }
  const uri = source.file;
  return compile({ ...doc, uri }, uri, newId).map((p) => {
    const tags = p.tags.map((t) => t.name);
    const bare = tags.map((t) => t.slice(1));
    return {
      id: idOfTags(bare),
      name: p.name,
      uri,
      tags,
      level: oneOf(LEVELS, bare),
      role: oneOf(ROLES, bare),
    };
  });
}

/** Every scenario of the configured feature files, file by file in path order. */
export async function loadScenarios(cwd = KIT_ROOT): Promise<ScenarioInfo[]> {
  return (await loadFeatures(cwd)).flatMap(scenariosOf);
}

/** A tag expression selecting the scenarios whose ID matches one of the globs (e.g. MS-DUP-*). */
export function tagsForIds(globs: string[], scenarios: ScenarioInfo[]): string {
  const res = globs.map(
    (g) => new RegExp(`^${g.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`),
  );
  const ids = scenarios.flatMap(({ id }) => (id !== undefined && res.some((r) => r.test(id)) ? [id] : []));
  if (ids.length === 0) throw new Error(`no scenario ID matches ${globs.join(", ")}; list them with --list`);
  return `(${ids.map((id) => `@${id}`).join(" or ")})`;
}
