/**
 * Checks of the replies a probe slave received, each a Mismatch with Expected/Actual when the
 * master does not conform. The steps name the connection and the reply; these say what a
 * conforming reply is.
 */
import { expect } from "../check";
import { Vocabulary } from "../vocabulary";
import { type InnerResponse, MsgType, StatusCode, summarize, TrySyncReply } from "../wire";

/** A MetaSync reply that is a complete kOk: one dbs_info per database, a run_id, a replication_id. */
export function completeMetaSync(r: InnerResponse, databases: number): void {
  const ms = r.metaSync;
  expect(
    !!ms &&
      (ms.dbsInfo?.length ?? 0) === databases &&
      ms.runId?.length === 40 &&
      (ms.replicationId ?? "") !== "",
    `meta_sync with ${databases} dbs_info entr${databases === 1 ? "y" : "ies"}, a 40-character run_id and a non-empty replication_id`,
    () =>
      ms
        ? `${ms.dbsInfo?.length ?? 0} dbs_info, ${ms.runId === undefined ? "no run_id" : `run_id of ${ms.runId.length} characters`}, replication_id "${ms.replicationId ?? ""}"`
        : "no meta_sync",
  );
}

/** A MetaSync reply listing exactly these databases, each with `instances` db instances and one slot. */
export function listsDatabases(r: InnerResponse, dbs: readonly string[], instances: number): void {
  const want = dbs.map((db) => `${db}/${instances}/1`).join(" ");
  const got = (r.metaSync?.dbsInfo ?? []).map((d) => `${d.dbName}/${d.dbInstanceNum}/${d.slotNum}`).join(" ");
  expect(got === want, `dbs_info (name/db_instance_num/slot_num) ${want}`, got || "none");
}

export function hasReplyText(r: InnerResponse, text: string): void {
  expect(r.reply === text, `reply "${text}"`, `reply "${r.reply ?? ""}"`);
}

export function hexReplicationId(r: InnerResponse): void {
  const id = r.metaSync?.replicationId ?? "";
  expect(/^[0-9a-f]{50}$/.test(id), "a replication_id of 50 lowercase hex characters", `"${id}"`);
}

/** Two MetaSync replies that describe the master the same way. */
export function sameIdentity(a: InnerResponse | undefined, b: InnerResponse | undefined): void {
  const id = (m: InnerResponse) =>
    JSON.stringify([m.metaSync?.runId, m.metaSync?.replicationId, m.metaSync?.dbsInfo]);
  expect(
    !!a && !!b && id(a) === id(b),
    "identical run_id, replication_id and dbs_info",
    `${a ? summarize(a) : "-"} / ${b ? summarize(b) : "-"}`,
  );
}

/** The same replication_id in the last MetaSync reply of two connections. */
export function sameReplicationId(
  labels: readonly [string, string],
  replies: readonly (InnerResponse | undefined)[],
) {
  const ids = replies.map((r) => r?.metaSync?.replicationId);
  expect(
    !!ids[0] && ids[0] === ids[1],
    `the same replication_id on ${labels[0]} and ${labels[1]}`,
    `${labels[0]}: "${ids[0] ?? ""}", ${labels[1]}: "${ids[1] ?? ""}"`,
  );
}

/** A reply with this status code, `r` undefined meaning the connection closed (an error then). */
export function metaSyncIs(r: InnerResponse, code: StatusCode, nth: number): void {
  expect(
    r.code === code,
    `the ${nth === 2 ? "second " : ""}MetaSync reply is ${StatusCode[code]}`,
    summarize(r),
  );
}

/** A MetaSync reply kError, or a close (undefined). */
export function errorOrClosed(r: InnerResponse | undefined): void {
  expect(
    !r || r.code === StatusCode.kError,
    "a MetaSync reply kError, or a close",
    r ? summarize(r) : "closed",
  );
}

/** A refusal of a request of `type`: a code other than kOk (for TrySync, a reply_code other than kOk), or a close. */
export function refused(type: MsgType, r: InnerResponse | undefined): void {
  const accepted =
    r && r.code === StatusCode.kOk && (r.trySync === undefined || r.trySync.replyCode === TrySyncReply.kOk);
  expect(
    !accepted,
    `${MsgType[type].slice(1)} refused (code other than kOk, or the connection closed)`,
    r ? summarize(r) : "closed",
  );
}

/** A TrySync reply kOk with this reply_code; with `session`, one that carries a session id. */
export function trySyncIs(r: InnerResponse, code: TrySyncReply, session = false): void {
  const t = r.trySync;
  expect(
    r.code === StatusCode.kOk && t?.replyCode === code && (!session || t.sessionId !== undefined),
    `TrySync kOk with reply_code ${TrySyncReply[code]}${session ? " and a session_id" : ""}`,
    summarize(r),
  );
}

/** A check of a MetaSync reply, given the number of databases the master has. */
export type ReplyCheck = (r: InnerResponse, databases: number) => void;

/** The checks of a MetaSync reply in the spec's words ("has the reply text "..."", ...). */
export const REPLY_CHECKS = new Vocabulary<ReplyCheck>("a check of a MetaSync reply", [
  [
    /carries one dbs_info entry per database, a 40-character run_id and a non-empty replication_id/,
    () => (r, databases) => completeMetaSync(r, databases),
  ],
  [
    /lists the databases (db\d(?:, db\d)*) with db_instance_num (\d+)/,
    ([dbs, n]) =>
      (r) =>
        listsDatabases(r, (dbs ?? "").split(", "), Number(n)),
  ],
  [
    /has the reply text "([^"]*)"/,
    ([text]) =>
      (r) =>
        hasReplyText(r, text ?? ""),
  ],
]);
