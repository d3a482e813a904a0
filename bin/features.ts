/**
 * The scenarios of the feature files, as cucumber will run them (one pickle per scenario),
 * with their ID, level and role tags. For listing and for selecting by ID.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AstBuilder, compile, GherkinClassicTokenMatcher, Parser } from "@cucumber/gherkin";
import { IdGenerator } from "@cucumber/messages";
import { kitPath } from "../harness/root";
import { idOfTags } from "../harness/spec/ids";

export const FEATURES_DIR = kitPath("features");

export interface ScenarioInfo {
  id: string | undefined;
  name: string;
  uri: string;
  tags: string[];
  level: string | undefined;
  role: string | undefined;
}

function featureFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? featureFiles(path.join(dir, e.name))
        : e.name.endsWith(".feature")
          ? [path.join(dir, e.name)]
          : [],
    )
    .sort();
}

export function loadScenarios(dir = FEATURES_DIR): ScenarioInfo[] {
  const newId = IdGenerator.uuid();
  return featureFiles(dir).flatMap((file) => {
    const uri = path.relative(path.resolve(dir, ".."), file);
    const doc = new Parser(new AstBuilder(newId), new GherkinClassicTokenMatcher()).parse(
      fs.readFileSync(file, "utf8"),
    );
    return compile({ ...doc, uri }, uri, newId).map((p) => {
      const tags = p.tags.map((t) => t.name);
      const bare = tags.map((t) => t.slice(1));
      return {
        id: idOfTags(bare),
        name: p.name,
        uri,
        tags,
        level: bare.find((t) => t === "must" || t === "should"),
        role: bare.find((t) => t === "master" || t === "slave" || t === "pair"),
      };
    });
  });
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
