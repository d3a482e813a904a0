/**
 * The kit's own directory (the one holding package.json and fixtures/), whether this module runs
 * from the TypeScript sources or from the compiled dist/: fixtures, features and the cucumber
 * configuration are found from here, never from the caller's working directory.
 */
import * as fs from "node:fs";
import * as path from "node:path";

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "fixtures")))
      return dir;
    if (path.dirname(dir) === dir)
      throw new Error(`pika-conformance: cannot find the kit's directory above ${from}`);
  }
}

export const KIT_ROOT = findRoot(__dirname);

/** A path inside the kit, e.g. kitPath("fixtures", "deviations"). */
export const kitPath = (...parts: string[]) => path.join(KIT_ROOT, ...parts);
