/**
 * The data plane as a client sees it (docs/PROTOCOL.md R41, R42): a write load each of whose
 * writes can be found on a slave, and the checks that find a write lost or applied twice. Only
 * the Redis protocol is used, so the checks judge any implementation, whatever its binlog.
 *
 * Write i (from 1) is three commands on the master: SET <prefix>:seq:<i> <i>, INCR
 * <prefix>:count, RPUSH <prefix>:log <i>. On a slave, a missing or wrong sequence key is a lost
 * write, and the log must read 1..N: an entry missing is a write lost, an entry twice a write
 * applied twice, entries out of order a stream replayed out of order. The log is what catches a
 * double application: Pika's binlog records INCR as the absolute PKSETEXAT of its result, so
 * replaying it changes nothing, while RPUSH is recorded as it came. A write counts once the
 * master has acknowledged all three commands.
 *
 * A scenario's keys share one prefix of its own (PikaWorld.load), so on nodes that keep the keys
 * of earlier scenarios (PIKA_TARGET=external) the checks read only this scenario's writes, and
 * a dataset comparison can be limited to them (`scope`).
 */
import { expect, expectWithin } from "./check";
import { BudgetExceeded, type Clock } from "./clock";
import { replyText } from "./targets/admin";
import { binlogPosition, type Info } from "./targets/info";
import type { SutNode } from "./targets/target";

/** How many keys one MGET or SCAN step asks for. */
const BATCH = 500;

export class WriteLoad {
  private acknowledged = 0;

  constructor(readonly prefix = "w") {}

  /** Writes acknowledged by the master so far. */
  get written(): number {
    return this.acknowledged;
  }

  seqKey(i: number): string {
    return this.key(`seq:${i}`);
  }

  /** A key of this load's own (a feature's `session:1`, the counter, the log). */
  key(name: string): string {
    return `${this.prefix}:${name}`;
  }

  /** The SCAN MATCH pattern of this load's keys. */
  get pattern(): string {
    return `${this.prefix}:*`;
  }

  get counterKey(): string {
    return this.key("count");
  }

  get logKey(): string {
    return this.key("log");
  }

  /** Makes `count` more writes on `node`; a refused command stops the load, saying which write. */
  async write(node: SutNode, count: number): Promise<void> {
    const admin = await node.admin();
    try {
      for (let k = 0; k < count; k++) {
        const i = this.acknowledged + 1;
        const set = await admin.call("SET", this.seqKey(i), String(i));
        const incr = await admin.call("INCR", this.counterKey);
        const push = await admin.call("RPUSH", this.logKey, String(i));
        if (set !== "OK" || typeof incr !== "number" || typeof push !== "number")
          throw new Error(
            `${node.name} did not take write ${i}: SET answered ${replyText(set)}, INCR ${replyText(incr)}, RPUSH ${replyText(push)}`,
          );
        this.acknowledged = i;
      }
    } finally {
      admin.close();
    }
  }

  /** What `node` holds of this load. */
  async held(node: SutNode): Promise<Held> {
    const admin = await node.admin();
    try {
      const missing: number[] = [];
      for (let from = 1; from <= this.acknowledged; from += BATCH) {
        const ids = Array.from({ length: Math.min(BATCH, this.acknowledged - from + 1) }, (_, k) => from + k);
        const values = (await admin.call("MGET", ...ids.map((i) => this.seqKey(i)))) as unknown[];
        ids.forEach((i, k) => {
          if (values[k] !== String(i)) missing.push(i);
        });
      }
      const count = await admin.call("GET", this.counterKey);
      const log = (await admin.call("LRANGE", this.logKey, "0", "-1")) as string[];
      return { missing, counter: count === null ? 0 : Number(count), log: log.map(Number) };
    } finally {
      admin.close();
    }
  }
}

export interface Held {
  /** Sequence numbers whose key is absent or holds another value. */
  missing: number[];
  /** The counter's value (0 when absent). */
  counter: number;
  /** The log's entries, in order. */
  log: number[];
}

/** The log holds 1..written, each once, in order. */
const logWhole = (h: Held, written: number) => h.log.length === written && h.log.every((v, i) => v === i + 1);

/** "3-5, 9" for [3, 4, 5, 9]: sequence numbers as ranges, at most `max` of them. */
export function ranges(ids: readonly number[], max = 8): string {
  const out: string[] = [];
  for (let k = 0; k < ids.length; ) {
    let end = k;
    while (end + 1 < ids.length && ids[end + 1] === (ids[end] ?? 0) + 1) end++;
    out.push(end === k ? `${ids[k]}` : `${ids[k]}-${ids[end]}`);
    k = end + 1;
  }
  return out.length > max ? `${out.slice(0, max).join(", ")}, ... (${out.length} ranges)` : out.join(", ");
}

/** What a node's copy of a load says about loss and double application, in one line. */
export function describeHeld(h: Held, written: number): string {
  const lost = h.missing.length ? `${h.missing.length} lost (${ranges(h.missing)})` : "none lost";
  const seen = new Set<number>();
  const twice = [...new Set(h.log.filter((v) => seen.has(v) || !seen.add(v)))].sort((a, b) => a - b);
  const unlogged = Array.from({ length: written }, (_, i) => i + 1).filter((i) => !seen.has(i));
  const log = [
    twice.length ? `${twice.length} applied twice (${ranges(twice)})` : "none applied twice",
    ...(unlogged.length ? [`${unlogged.length} missing (${ranges(unlogged)})`] : []),
    ...(!twice.length && !unlogged.length && !logWhole(h, written) ? ["out of order"] : []),
  ];
  return `${written} writes: ${lost}; counter ${h.counter}; log of ${h.log.length}: ${log.join(", ")}`;
}

/** Whether a node holds each write of a load exactly once. */
export const heldOnce = (h: Held, written: number) =>
  h.missing.length === 0 && h.counter === written && logWhole(h, written);

/** Within `seconds`, `slave` holds each write of `load` exactly once (R41, R42). */
export async function writesOnceWithin(
  clock: Clock,
  slave: SutNode,
  load: WriteLoad,
  seconds: number,
): Promise<void> {
  let last: Held | undefined;
  await expectWithin(
    clock,
    seconds,
    async () => {
      last = await load.held(slave);
      return heldOnce(last, load.written);
    },
    `within ${seconds} s ${slave.name} holds each of the ${load.written} writes exactly once`,
    () => (last ? describeHeld(last, load.written) : `nothing read from ${slave.name}`),
  );
}

/**
 * Every key of a node's current database with its value (strings; other types as their TYPE);
 * with `scope`, a SCAN MATCH pattern, only the keys it matches.
 */
export async function dataset(node: SutNode, scope?: string): Promise<Map<string, string>> {
  const admin = await node.admin();
  try {
    const keys: string[] = [];
    const match = scope === undefined ? [] : ["MATCH", scope];
    let cursor = "0";
    do {
      const [next, found] = (await admin.call("SCAN", cursor, ...match, "COUNT", String(BATCH))) as [
        string,
        string[],
      ];
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    const out = new Map<string, string>();
    for (let k = 0; k < keys.length; k += BATCH) {
      const chunk = [...new Set(keys.slice(k, k + BATCH))];
      const values = (await admin.call("MGET", ...chunk)) as unknown[];
      for (const [j, key] of chunk.entries()) {
        const v = values[j];
        out.set(key, typeof v === "string" ? v : `(${replyText(await admin.call("TYPE", key))})`);
      }
    }
    return out;
  } finally {
    admin.close();
  }
}

/** How two datasets differ, in one line ("" when equal). */
export function datasetDifference(master: Map<string, string>, slave: Map<string, string>): string {
  const missing = [...master.keys()].filter((k) => !slave.has(k));
  const extra = [...slave.keys()].filter((k) => !master.has(k));
  const differ = [...master].filter(([k, v]) => slave.has(k) && slave.get(k) !== v).map(([k]) => k);
  const list = (what: string, ks: string[]) =>
    ks.length ? [`${ks.length} ${what} (${ks.slice(0, 5).join(", ")}${ks.length > 5 ? ", ..." : ""})`] : [];
  return [
    ...list("keys missing on the slave", missing),
    ...list("keys only on the slave", extra),
    ...list("keys with other values", differ),
  ].join("; ");
}

/** Within `seconds`, `slave` holds the same keys and values as `master` (those `scope` matches, when given). */
export async function sameDataWithin(
  clock: Clock,
  master: SutNode,
  slave: SutNode,
  seconds: number,
  scope?: string,
): Promise<void> {
  let last = "";
  let size = 0;
  const which = scope === undefined ? "keys" : `keys matching ${scope}`;
  await expectWithin(
    clock,
    seconds,
    async () => {
      const m = await dataset(master, scope);
      size = m.size;
      last = datasetDifference(m, await dataset(slave, scope));
      return last === "";
    },
    `within ${seconds} s ${slave.name} holds the same ${which} and values as ${master.name}`,
    () => `${size} ${which} on ${master.name}: ${last}`,
  );
}

/** What a key written by `writeWithTtl` holds: a value naming it. */
const ttlValue = (key: string) => `value of ${key}`;

/** Writes `key` on `node` with a TTL of `seconds`: SET EX, or SET then EXPIRE. */
export async function writeWithTtl(node: SutNode, key: string, seconds: number, how: "SET EX" | "EXPIRE") {
  const admin = await node.admin();
  try {
    const replies =
      how === "SET EX"
        ? [await admin.call("SET", key, ttlValue(key), "EX", String(seconds))]
        : [await admin.call("SET", key, ttlValue(key)), await admin.call("EXPIRE", key, String(seconds))];
    if (replies[0] !== "OK" || (replies.length > 1 && replies[1] !== 1))
      throw new Error(`${node.name} did not take ${how} of ${key}: ${replies.map(replyText).join(", ")}`);
  } finally {
    admin.close();
  }
}

/** Within `seconds`, `slave` holds `key` as written, with a TTL of 1 s to `maxTtl` s left. */
export async function ttlKeyWithin(
  clock: Clock,
  slave: SutNode,
  key: string,
  maxTtl: number,
  seconds: number,
): Promise<void> {
  let last = "";
  await expectWithin(
    clock,
    seconds,
    async () => {
      const admin = await slave.admin();
      try {
        const [value, ttl] = [await admin.call("GET", key), await admin.call("TTL", key)];
        last = `GET ${replyText(value)}, TTL ${replyText(ttl)}`;
        return value === ttlValue(key) && typeof ttl === "number" && ttl >= 1 && ttl <= maxTtl;
      } finally {
        admin.close();
      }
    },
    `within ${seconds} s ${slave.name} holds ${key} ("${ttlValue(key)}") with a TTL of 1 s to ${maxTtl} s`,
    () => last,
  );
}

/**
 * PURGELOGSTO on `node` up to the binlog file before its current one for `db`: what an operator
 * (or expire-logs-nums) does to free disk, and what leaves a detached slave's position purged.
 * Returns the file it purged to; throws when the node refuses or has a single file.
 */
export async function purgeBinlogsBeforeCurrent(node: SutNode, db: string): Promise<string> {
  const at = (await node.info("replication")).binlogOffsets.get(db);
  const filenum = at === undefined ? undefined : binlogPosition(at).filenum;
  if (filenum === undefined || filenum < 1)
    throw new Error(
      `${node.name} ${db} has ${at === undefined ? "no binlog_offset" : `one binlog file (${at})`}`,
    );
  const file = `write2file${filenum - 1}`;
  const admin = await node.admin();
  try {
    const reply = await admin.call("PURGELOGSTO", file, db);
    if (reply !== "OK")
      throw new Error(`${node.name}: PURGELOGSTO ${file} ${db} answered ${replyText(reply)}`);
  } finally {
    admin.close();
  }
  return file;
}

/** During `seconds`, `node` holds none of the load's writes (a slave refused by its master). */
export async function noWritesHeldDuring(
  clock: Clock,
  node: SutNode,
  load: WriteLoad,
  seconds: number,
): Promise<void> {
  await clock.during(seconds);
  const h = await load.held(node);
  expect(
    h.missing.length === load.written && h.counter === 0 && h.log.length === 0,
    `${node.name} holds none of the ${load.written} writes after ${seconds} s`,
    () => describeHeld(h, load.written),
  );
}

/**
 * `count` writes of `node`'s own, made before it becomes a slave (DS-DIV): the keys of `load`
 * with "x" for its prefix's first letter, so that they are not the master's and equal numbers of
 * writes take equal binlog bytes on both.
 */
export function writeOwn(node: SutNode, load: WriteLoad, count: number): Promise<void> {
  return new WriteLoad(`x${load.prefix.slice(1)}`).write(node, count);
}

/** A binlog position "filenum offset" as a number that orders positions (offsets stay below 2^40). */
const position = (at: string) => {
  const { filenum, offset } = binlogPosition(at);
  return filenum * 2 ** 40 + offset;
};

/** Where a slave's binlog position stands against its master's. */
export type OffsetRelation = "equal to" | "ahead of" | "behind";

const RELATIONS: Record<OffsetRelation, (slave: number, master: number) => boolean> = {
  "equal to": (s, m) => s === m,
  "ahead of": (s, m) => s > m,
  behind: (s, m) => s < m,
};

/**
 * Within `seconds`, INFO shows `slave`'s binlog position for `db` equal to `master`'s (it appended
 * exactly the master's items, so its acks name the master's chips, R34), ahead of it (the premise
 * of a TrySync the master must answer kSyncPointLarger) or behind it (one it could continue from).
 */
export async function binlogOffsetWithin(
  clock: Clock,
  master: SutNode,
  slave: SutNode,
  db: string,
  where: OffsetRelation,
  seconds: number,
): Promise<void> {
  let last = "";
  await expectWithin(
    clock,
    seconds,
    async () => {
      const [m, s] = [await master.info("replication"), await slave.info("replication")];
      const [mo, so] = [m.binlogOffsets.get(db), s.binlogOffsets.get(db)];
      last = `${slave.name} ${db}:binlog_offset=${so ?? "(absent)"}, ${master.name} ${mo ?? "(absent)"}`;
      return mo !== undefined && so !== undefined && RELATIONS[where](position(so), position(mo));
    },
    `within ${seconds} s INFO on ${slave.name} shows a binlog_offset for ${db} ${where} ${master.name}'s`,
    () => last,
  );
}

/** How a slave with a history other than its master's came out of SLAVEOF (DS-DIV). */
export type DivergenceOutcome =
  /** It reported its link up `upAfterS` into the window and then held exactly the master's keys and values. */
  | { kind: "synced"; upAfterS: number; keys: number }
  /** Its link stayed down for the whole window; `state` is what its INFO said last. */
  | { kind: "refused"; state: string };

/** A slave's replication state from INFO replication, in one line. */
export function linkState(info: Info | undefined): string {
  if (!info) return "no INFO read";
  const f = (k: string) => (info.fields.has(k) ? [`${k}:${info.fields.get(k)}`] : []);
  return [...f("master_link_status"), ...f("db_repl_state")].join(", ") || "no master_link_status";
}

/** One line for the report: what the slave did. */
export function describeOutcome(slave: string, o: DivergenceOutcome): string {
  return o.kind === "synced"
    ? `${slave} linked after ${o.upAfterS.toFixed(1)} s and holds the master's ${o.keys} keys and values, none of its own`
    : `${slave} refused: its link stayed down (${o.state})`;
}

/**
 * During `seconds` after SLAVEOF, `slave` never reports master_link_status:up while holding data
 * `master` does not have (R22, R30, R41): either its link comes up and within `graceS` it holds
 * exactly the master's keys and values (a full sync replaced its own), or its link stays down
 * for the whole window (it refused, visibly). Returns which; throws a Mismatch when it reports
 * its link up and still differs from the master `graceS` later.
 */
export async function noSilentDivergenceDuring(
  clock: Clock,
  master: SutNode,
  slave: SutNode,
  seconds: number,
  graceS: number,
): Promise<DivergenceOutcome> {
  const start = clock.now();
  let info: Info | undefined;
  try {
    await clock.within(
      seconds,
      async () => {
        info = await slave.info("replication");
        return info.masterLinkStatus === "up";
      },
      `${slave.name} reports master_link_status:up`,
    );
  } catch (err) {
    if (err instanceof BudgetExceeded) return { kind: "refused", state: linkState(info) };
    throw err;
  }
  const upAfterS = (clock.now() - start) / 1000;
  let last = "";
  let keys = 0;
  await expectWithin(
    clock,
    graceS,
    async () => {
      const m = await dataset(master);
      keys = m.size;
      last = datasetDifference(m, await dataset(slave));
      return last === "";
    },
    `${slave.name} reports master_link_status:up only holding the same keys and values as ${master.name} (within ${graceS} s), or keeps its link down`,
    () =>
      `master_link_status:up ${upAfterS.toFixed(1)} s into the ${seconds} s, and ${graceS} s later, of ${keys} keys on ${master.name}: ${last}`,
  );
  return { kind: "synced", upAfterS, keys };
}
