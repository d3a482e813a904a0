/**
 * The index of the specification from its inputs, already read: the features into their model,
 * the conventions and the coverage checked on it, docs/SPEC.md rendered from it. Pure (no files,
 * no biome), so it is what the unit tests drive; bin/spec.ts reads the inputs and writes the file.
 */
import { checkFeature, checkUniqueIds } from "./conventions";
import {
  type Coverage,
  checkCitations,
  checkCoverage,
  coverageOf,
  readProtocol,
  readUncovered,
} from "./coverage";
import { type FeatureEntry, readFeature, type SourceFile, type Violation } from "./model";
import { renderSpec } from "./render";

export interface SpecInput {
  features: SourceFile[];
  protocol: SourceFile;
  uncovered: SourceFile;
}

export interface SpecResult {
  /** docs/SPEC.md before biome formats it. */
  markdown: string;
  /** Sorted by file, line and message, so that the report reads as the files do. */
  violations: Violation[];
  features: FeatureEntry[];
  coverage: Coverage;
}

const byPlace = (a: Violation, b: Violation) =>
  a.file.localeCompare(b.file) || a.line - b.line || a.message.localeCompare(b.message);

/** Reads every feature, in file order whatever order they were found in. */
function readFeatures(sources: readonly SourceFile[]): { features: FeatureEntry[]; violations: Violation[] } {
  const features: FeatureEntry[] = [];
  const violations: Violation[] = [];
  for (const source of [...sources].sort((a, b) => a.file.localeCompare(b.file))) {
    const r = readFeature(source);
    violations.push(...r.violations);
    if (r.feature) features.push(r.feature);
  }
  return { features, violations };
}

export function buildSpec(input: SpecInput): SpecResult {
  const { features, violations } = readFeatures(input.features);
  const protocol = readProtocol(input.protocol);
  const uncovered = readUncovered(input.uncovered);
  const coverage = coverageOf(features);
  violations.push(
    ...protocol.violations,
    ...uncovered.violations,
    ...features.flatMap(checkFeature),
    ...checkUniqueIds(features),
    ...checkCitations(features, protocol.doc),
    ...checkCoverage(protocol.doc, coverage, uncovered.reasons, input.uncovered),
  );
  violations.sort(byPlace);
  const markdown = renderSpec(features, protocol.doc, coverage, uncovered.reasons);
  return { markdown, violations, features, coverage };
}
