/**
 * Target selection from the environment, read in one place. A bad setting stops the run with
 * one actionable paragraph.
 */
import { behaviourOf } from "../reference/behaviour";
import { ReferenceTarget } from "./reference";
import type { Target } from "./target";

export type TargetKind = Target["kind"];
const KINDS: TargetKind[] = ["reference", "binary", "container", "external"];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function targetKind(env: NodeJS.ProcessEnv = process.env): TargetKind {
  const kind = (env.PIKA_TARGET ?? "reference") as TargetKind;
  if (!KINDS.includes(kind))
    throw new ConfigError(
      `PIKA_TARGET="${env.PIKA_TARGET}" is not a target this kit knows. Use one of ${KINDS.join(", ")}; ` +
        "leave it unset to run against the embedded reference node.",
    );
  return kind;
}

/** A fresh target for one scenario. */
export function createTarget(seed: number, env: NodeJS.ProcessEnv = process.env): Target {
  const kind = targetKind(env);
  if (kind === "reference") return new ReferenceTarget(seed, behaviourOf(env.PIKA_REFERENCE_VARIANT));
  throw new ConfigError(
    `PIKA_TARGET=${kind} is not available in this version of the kit yet: only the embedded reference target runs. ` +
      "Unset PIKA_TARGET to run against the reference node.",
  );
}
