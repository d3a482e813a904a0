/**
 * Where the specification is: the feature files cucumber.js configures (its `paths`), found by
 * cucumber's own API, so that the index, the listing and the run see the same files. Also the
 * other inputs of the index, docs/PROTOCOL.md and docs/uncovered-rules.yaml.
 *
 * The one place in harness/ that calls cucumber: only cucumber knows how its configuration
 * resolves (profiles, globs, directories, @rerun files), and a second resolver would drift.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type ISourcesCoordinates, loadConfiguration, loadSources } from "@cucumber/cucumber/api";
import { KIT_ROOT } from "../root";
import type { SpecInput } from "./build";
import { PROTOCOL_FILE, UNCOVERED_FILE } from "./coverage";
import type { SourceFile } from "./model";

/** The profile the CLI runs (bin/runner.ts): what is listed is what runs. */
export const PROFILE = "cli";

/** The configured sources, unfiltered: discovery finds every scenario, selecting is the caller's. */
async function configuredSources(cwd: string, profile: string): Promise<ISourcesCoordinates> {
  const { runConfiguration } = await loadConfiguration({ profiles: [profile] }, { cwd });
  return { ...runConfiguration.sources, tagExpression: "", names: [], shard: undefined };
}

/**
 * The feature files of cucumber's configuration under `cwd`, relative to it and sorted. cucumber
 * names a file by its pickles or its parse errors, so a file with no scenario at all is not among
 * them (nor does cucumber run anything from it).
 */
export async function featureFiles(cwd = KIT_ROOT, profile = PROFILE): Promise<string[]> {
  const { plan, errors } = await loadSources(await configuredSources(cwd, profile), { cwd });
  return [...new Set([...plan, ...errors].map((p) => p.uri))].sort();
}

/** A file of the kit as text with Unix line ends; empty when it does not exist. */
export function readSource(root: string, file: string): SourceFile {
  const abs = path.resolve(root, file);
  return { file, text: fs.existsSync(abs) ? fs.readFileSync(abs, "utf8").replace(/\r\n/g, "\n") : "" };
}

/** The configured feature files, read. */
export async function loadFeatures(cwd = KIT_ROOT, profile = PROFILE): Promise<SourceFile[]> {
  return (await featureFiles(cwd, profile)).map((f) => readSource(cwd, f));
}

/** Every input of the index under `root` (the kit's directory). */
export async function loadInput(root = KIT_ROOT): Promise<SpecInput> {
  return {
    features: await loadFeatures(root),
    protocol: readSource(root, PROTOCOL_FILE),
    uncovered: readSource(root, UNCOVERED_FILE),
  };
}
