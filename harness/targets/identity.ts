/**
 * Which build a node is: what INFO server reports (`pika_version`, `pika_git_sha`). The first
 * node of a run identifies the build under test (the run's preflight); every node started after
 * it must be the same build, so a binary or image swapped under a run is caught at once.
 */
import type { Build } from "../report/ledger";
import { describeBuild } from "../report/ledger";
import type { Admin } from "./admin";
import type { SutNode } from "./target";

/** The build a node reports; throws when INFO server has no pika_version line. */
export async function identify(admin: Admin, what: string): Promise<Build> {
  const info = await admin.info("server");
  const version = info.pikaVersion?.trim();
  if (!version)
    throw new Error(`${what}: INFO server has no pika_version line, so the build cannot be identified`);
  const sha = info.gitSha?.trim();
  return sha ? { version, sha } : { version };
}

/** Whether two identities name the same build. */
export const sameBuild = (a: Build, b: Build) => a.version === b.version && (a.sha ?? "") === (b.sha ?? "");

/** Checks that a started node is the build under test; throws an actionable error if not. */
export async function checkBuild(admin: Admin, expected: Build, what: string): Promise<void> {
  const got = await identify(admin, what);
  if (!sameBuild(got, expected))
    throw new Error(
      `${what} reports ${describeBuild(got)}, but this run identified the build under test as ${describeBuild(expected)} ` +
        "at its start. Every node of a run must be the same build: point PIKA_BIN (or PIKA_IMAGE, or the external " +
        "nodes) at one build.",
    );
}

/**
 * Checks a node just started against the build under test, when it is known (not at the
 * preflight). A node that is not the build (another run's node on a port, say) fails with its log.
 */
export async function checkNode(node: SutNode, expected: Build | undefined, what: string): Promise<void> {
  if (!expected) return;
  try {
    const admin = await node.admin();
    try {
      await checkBuild(admin, expected, what);
    } finally {
      admin.close();
    }
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${node.logs()}`);
  }
}

/** PIKA_BUILD as the CLI passes it to cucumber: "<version> <sha>" (sha optional). */
export function parseBuildSetting(v: string): Build {
  const [version, sha] = v.trim().split(/\s+/);
  return sha ? { version: version ?? "", sha } : { version: version ?? "" };
}

export const buildSetting = (b: Build) => `${b.version}${b.sha ? ` ${b.sha}` : ""}`;
