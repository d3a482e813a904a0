/**
 * The checks steps delegate to (harness/probe/replies.ts, harness/pacing.ts, harness/check.ts,
 * harness/observe.ts) and the proxy's fault vocabulary: each passes what conforms and fails what
 * does not with a Mismatch whose Expected/Actual say why.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { expectCount, Mismatch } from "../harness/check";
import { announces } from "../harness/observe";
import { expectPaced, expectUncrowded } from "../harness/pacing";
import * as replies from "../harness/probe/replies";
import { REPLY_CHECKS } from "../harness/probe/replies";
import { frameMatches } from "../harness/proxy/faults";
import { FAULTS } from "../harness/proxy/phrases";
import { MsgType, req, res, StatusCode, TrySyncReply } from "../harness/wire";

/** Runs `f`: undefined when it passes, else the Mismatch's "expected / actual". */
function verdict(f: () => void): string | undefined {
  try {
    f();
    return undefined;
  } catch (err) {
    if (!(err instanceof Mismatch)) throw err;
    return `${err.expected} / ${err.actual}`;
  }
}

const ok = res.metaSyncOk([{ dbName: "db0", slotNum: 1, dbInstanceNum: 3 }], "r".repeat(40), "a".repeat(50));

test("MetaSync replies: complete, databases, reply text, replication_id, identity, codes", () => {
  assert.equal(
    verdict(() => replies.completeMetaSync(ok, 1)),
    undefined,
  );
  assert.match(verdict(() => replies.completeMetaSync(ok, 2)) ?? "", /2 dbs_info entries.* \/ 1 dbs_info/);
  assert.equal(
    verdict(() => replies.listsDatabases(ok, ["db0"], 3)),
    undefined,
  );
  assert.match(verdict(() => replies.listsDatabases(ok, ["db0"], 1)) ?? "", /db0\/1\/1 \/ db0\/3\/1/);
  const refused = res.status(MsgType.kMetaSync, StatusCode.kError, "Auth with master error");
  assert.equal(
    verdict(() => replies.hasReplyText(refused, "Auth with master error")),
    undefined,
  );
  assert.match(
    verdict(() => replies.hasReplyText(refused, "x")) ?? "",
    /reply "x" \/ reply "Auth with master error"/,
  );
  assert.equal(
    verdict(() => replies.hexReplicationId(ok)),
    undefined,
  );
  const upper = res.metaSyncOk([], "r".repeat(40), "A".repeat(50));
  assert.match(verdict(() => replies.hexReplicationId(upper)) ?? "", /50 lowercase hex/);
  assert.equal(
    verdict(() => replies.sameIdentity(ok, ok)),
    undefined,
  );
  assert.ok(verdict(() => replies.sameIdentity(ok, upper)));
  assert.ok(verdict(() => replies.sameIdentity(ok, undefined)));
  assert.equal(
    verdict(() => replies.sameReplicationId(["A", "B"], [ok, ok])),
    undefined,
  );
  assert.match(verdict(() => replies.sameReplicationId(["A", "B"], [ok, undefined])) ?? "", /B: ""/);
  assert.equal(
    verdict(() => replies.metaSyncIs(ok, StatusCode.kOk, 1)),
    undefined,
  );
  assert.match(
    verdict(() => replies.metaSyncIs(refused, StatusCode.kOk, 2)) ?? "",
    /the second MetaSync reply is kOk/,
  );
  assert.equal(
    verdict(() => replies.errorOrClosed(undefined)),
    undefined,
  );
  assert.equal(
    verdict(() => replies.errorOrClosed(refused)),
    undefined,
  );
  assert.ok(verdict(() => replies.errorOrClosed(ok)));
});

test("refusals and TrySync replies", () => {
  const served = res.trySync("db0", TrySyncReply.kOk, undefined, 7);
  const larger = res.trySync("db0", TrySyncReply.kSyncPointLarger);
  assert.ok(
    verdict(() => replies.refused(MsgType.kTrySync, served)),
    "a kOk/kOk TrySync is no refusal",
  );
  assert.equal(
    verdict(() => replies.refused(MsgType.kTrySync, larger)),
    undefined,
  );
  assert.equal(
    verdict(() => replies.refused(MsgType.kDBSync, undefined)),
    undefined,
    "a close is a refusal",
  );
  assert.equal(
    verdict(() => replies.trySyncIs(served, TrySyncReply.kOk, true)),
    undefined,
  );
  assert.ok(verdict(() => replies.trySyncIs(res.trySync("db0", TrySyncReply.kOk), TrySyncReply.kOk, true)));
  assert.equal(
    verdict(() => replies.trySyncIs(larger, TrySyncReply.kSyncPointLarger)),
    undefined,
  );
});

test("pacing: counts, gaps and the end of the window; the spread of first attempts", () => {
  const paced = (t: number[], o: Parameters<typeof expectPaced>[2]) =>
    verdict(() => expectPaced("MetaSync", t, o));
  assert.equal(paced([0, 10_000, 20_000], { atLeast: 3, minS: 9, maxS: 11, origin: 0 }), undefined);
  assert.match(
    paced([0, 10_000], { atLeast: 3, minS: 9, maxS: 11, origin: 0 }) ?? "",
    /at least 3 MetaSync.*2 attempt/,
  );
  assert.match(
    paced([0, 1000], { minS: 2, origin: 0 }) ?? "",
    /at least 2 s apart \/ attempts 1 and 2 came 1\.000 s apart/,
  );
  assert.match(
    paced([0], { minS: 1, maxS: 5, windowEnd: 9000, origin: 0 }) ?? "",
    /no attempt in the last 9\.000 s/,
  );
  assert.match(paced([0, 3000, 6000], { atMost: 2, minS: 2, origin: 0 }) ?? "", /at most 2 MetaSync/);
  assert.equal(
    verdict(() => expectUncrowded([0, 2500], 1, 2, 0)),
    undefined,
  );
  assert.match(
    verdict(() => expectUncrowded([0, 500], 1, 2, 0)) ?? "",
    /at most 1 of the first attempts within any 2 s \/ 2 of 2 first attempts within 2 s/,
  );
});

test("counts and the announced node", () => {
  assert.equal(
    verdict(() => expectCount("MetaSync", 2, "at most", 2)),
    undefined,
  );
  assert.match(
    verdict(() => expectCount("MetaSync", 2, "exactly", 1)) ?? "",
    /exactly 1 MetaSync \/ 2 MetaSync/,
  );
  const m = req.metaSync({ ip: "127.0.0.1", port: 9222 }, "pw");
  assert.equal(
    verdict(() => announces(m, "127.0.0.1", 9222, "pw")),
    undefined,
  );
  const wrong = verdict(() => announces(m, "127.0.0.1", 9222, "other"));
  assert.match(wrong ?? "", /auth different/);
  assert.ok(!wrong?.includes("pw"), "the auth value is never printed");
  assert.match(verdict(() => announces(undefined, "127.0.0.1", 9222, undefined)) ?? "", /no MetaSync/);
});

test("the proxy's fault vocabulary", () => {
  assert.deepEqual(FAULTS.parse("drops the first TrySync response"), {
    kind: "drop",
    direction: "toSlave",
    match: { type: MsgType.kTrySync },
    times: 1,
  });
  assert.deepEqual(FAULTS.parse("delays the first TrySync response by 2.5 s"), {
    kind: "delay",
    direction: "toSlave",
    match: { type: MsgType.kTrySync },
    ms: 2500,
    times: 1,
  });
  assert.deepEqual(FAULTS.parse("drops the first BinlogSync response carrying writes"), {
    kind: "drop",
    direction: "toSlave",
    match: { type: MsgType.kBinlogSync, carriesBinlog: true },
    times: 1,
  });
  const frame = { conn: 1, direction: "toSlave" as const, bytes: Buffer.alloc(4), type: MsgType.kBinlogSync };
  const fault = FAULTS.parse("drops the first BinlogSync response carrying writes");
  assert.ok(fault.kind === "drop" && frameMatches(fault, { ...frame, carriesBinlog: true }));
  assert.ok(fault.kind === "drop" && !frameMatches(fault, frame), "pings only: not matched");
  assert.equal(FAULTS.parse("duplicates the first MetaSync request").kind, "duplicate");
  const cut = FAULTS.parse(
    "cuts the replication connection at the slave's first TrySync request, which it does not forward",
  );
  assert.deepEqual([cut.kind, "forward" in cut && cut.forward], ["cut", false]);
  for (const typo of [
    "drops the first MetaSnyc response",
    "drops the first MetaSync request",
    "delays the first TrySync response",
  ])
    assert.throws(() => FAULTS.parse(typo), /is not a fault of the wire proxy/);
});

test("the checks of a MetaSync reply, in the spec's words", () => {
  assert.equal(
    verdict(() => REPLY_CHECKS.parse('has the reply text "x"')(ok, 1)),
    'reply "x" / reply ""',
  );
  assert.equal(
    verdict(() => REPLY_CHECKS.parse("lists the databases db0 with db_instance_num 3")(ok, 1)),
    undefined,
  );
  assert.match(
    verdict(() =>
      REPLY_CHECKS.parse(
        "carries one dbs_info entry per database, a 40-character run_id and a non-empty replication_id",
      )(ok, 2),
    ) ?? "",
    /2 dbs_info entries/,
  );
});
