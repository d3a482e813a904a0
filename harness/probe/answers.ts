/**
 * How the probe master answers MetaSync, in the spec's words: `kError`, `kOther 3 times, then kOk`,
 * `kOk listing db0 with db_instance_num 3`, `kOk and another replication_id`, `kOk and an empty
 * replication_id`, `an undecodable frame, then kOk`. The step "the probe master answers MetaSync
 * with {metaSyncAnswer}" reads one (a misspelled one is an undefined step); ANSWERS turns it into
 * a plan and `plan` applies it.
 */
import { Vocabulary } from "../vocabulary";
import type { MetaSyncAnswer, ProbeMaster } from "./master";

/** Answers for the next MetaSyncs (`first`), and the answer to every one after those (`after`). */
export interface AnswerPlan {
  first: MetaSyncAnswer[];
  after?: MetaSyncAnswer;
}

/** A plan, given a source of fresh replication ids (for "another replication_id"). */
export type PlanOf = (newReplicationId: () => string) => AnswerPlan;

export const ANSWERS = new Vocabulary<PlanOf>("an answer of the probe master to MetaSync", [
  [/kError/, () => () => ({ first: [], after: { kind: "error" } })],
  [
    /kOther (\d+) times, then kOk/,
    ([n]) =>
      () => ({ first: Array.from({ length: Number(n) }, () => ({ kind: "other" }) as const) }),
  ],
  [
    /kOk listing (db\d) with db_instance_num (\d+)/,
    ([db, n]) =>
      () => ({
        first: [],
        after: { kind: "ok", dbs: [{ dbName: db ?? "", slotNum: 1, dbInstanceNum: Number(n) }] },
      }),
  ],
  [
    /kOk and another replication_id/,
    () => (id) => ({ first: [], after: { kind: "ok", replicationId: id() } }),
  ],
  [/kOk and an empty replication_id/, () => () => ({ first: [], after: { kind: "ok", replicationId: "" } })],
  [/an undecodable frame, then kOk/, () => () => ({ first: [{ kind: "garbage" }] })],
]);

/** Makes `pm` answer by the plan. */
export function plan(pm: ProbeMaster, p: AnswerPlan): void {
  pm.metaSyncScript.push(...p.first);
  if (p.after) pm.defaultMetaSync = p.after;
}

/** What the probe master does besides answering; `marks`: later steps count from this moment. */
export interface MasterAction {
  act: (pm: ProbeMaster) => unknown;
  marks: boolean;
}

export const ACTIONS = new Vocabulary<MasterAction>("something the probe master does", [
  [
    /does not answer MetaSync/,
    () => ({ act: (pm) => (pm.defaultMetaSync = { kind: "silence" }), marks: false }),
  ],
  [
    /resets every connection to its replication port/,
    () => ({ act: (pm) => (pm.resetReplConnections = true), marks: false }),
  ],
  [/refuses connections on P/, () => ({ act: (pm) => pm.closeP(), marks: false })],
  [/drops the replication connection/, () => ({ act: (pm) => pm.dropConnections(), marks: true })],
  [/accepts connections on P again/, () => ({ act: (pm) => pm.openP(), marks: true })],
]);
