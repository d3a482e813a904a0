/**
 * The reference node's data: an in-memory keyspace of strings and lists (RPUSH, LLEN, LRANGE:
 * enough for a log whose every entry counts, which the data spec needs because Pika logs INCR
 * as an absolute PKSETEXAT), one per database of pika.conf's `databases`, behind the Redis port. Pure: commands in, replies out, no sockets. Replies are
 * Pika's (src/pika_kv.cc, src/pika_admin.cc, the storage layer under src/storage), including
 * where Pika differs from Redis; each such place says so.
 *
 * Time is the node's clock, so a virtual clock drives expiry in tests. Expired keys are
 * dropped lazily: when a command touches them, and before SCAN and DBSIZE look at a database.
 *
 * Every applied write is reported to `onWrite` (the seam the binlog hangs from) with the
 * commands Pika's binlog records for it (`log`): one item per key for DEL and MSET, and
 * relative times made absolute (SET EX/PX and INCR as PKSETEXAT, EXPIRE as EXPIREAT), the forms
 * a Pika slave writes back unchanged into its own binlog. A command that changes nothing (SET
 * NX on an existing key, DEL of absent keys) reports nothing. Writes a slave applies from its
 * master's binlog (`replicated`) pass the read-only check and are reported as replicated.
 */
import type { Clock } from "../clock";
import type { Reply } from "./resp";

/** One applied write: the command as the client sent it, its database, and when it applied. */
export interface Write {
  db: number;
  argv: string[];
  /** The node clock's `now()` when it applied: what turns EX/EXPIRE into absolute times. */
  at: number;
  /** The commands Pika's binlog records for this write, one binlog item each. */
  log: string[][];
  /** Applied from the master's binlog by a slave (already logged by the caller). */
  replicated: boolean;
}

/** A client connection's state: the database SELECT chose. */
export interface Session {
  db: number;
}

export interface KeyspaceOptions {
  /** How many databases (pika.conf `databases`): db0 .. db(n-1). */
  databases: number;
  /** True while the node is a slave: Pika then refuses every write command. */
  readOnly: () => boolean;
  onWrite?: (w: Write) => void;
  /** PKSETEXAT's time as milliseconds wrapped to 32 bits (Behaviour.pksetexatInt32Ms). */
  pksetexatInt32Ms?: boolean;
}

interface Entry {
  /** A string's value ("" for a list). */
  value: string;
  /** A list's elements; undefined for a string. */
  list?: string[];
  /** Absolute expiry in clock milliseconds; undefined for a key without a TTL. */
  expiresAt: number | undefined;
}

/** One database: its keys, and the SCAN cursors handed out (cursor -> the key to resume at). */
class Db {
  readonly keys = new Map<string, Entry>();
  readonly cursors = new Map<number, string>();
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** How many SCAN cursors a database remembers; the oldest is forgotten first, as in Pika's cache. */
const MAX_CURSORS = 5000;

const OK: Reply = { simple: "OK" };
const NIL: Reply = { bulk: null };
const SYNTAX: Reply = { error: "ERR syntax error" };
const NOT_INT: Reply = { error: "ERR value is not an integer or out of range" };
const OVERFLOW: Reply = { error: "ERR increment or decrement would overflow" };
/** Pika's kMultiKey reply, what its storage's type check (InvalidArgument) becomes. */
const WRONGTYPE: Reply = { error: "WRONGTYPE Operation against a key holding the wrong kind of value" };
/** Pika's answer to any write on a slave (PikaClientConn::DoCmd, after the arguments are checked). */
export const READ_ONLY = { error: "ERR READONLY You can't write against a read only replica." };
const wrongArity = (name: string): Reply => ({
  error: `ERR wrong number of arguments for '${name}' command`,
});

/** An integer argument as Pika's pstd::string2int reads it: optional '-', digits (leading zeros allowed), int64. */
export function parseInt64(text: string): bigint | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/**
 * A stored value as INCR reads it: Pika uses strtoll and only checks that nothing follows the
 * number, so leading whitespace and '+' are accepted, an empty value counts as 0, and a value
 * past int64 saturates at its end, as strtoll does.
 */
export function storedInt64(value: string): bigint | undefined {
  if (value === "") return 0n;
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(value)) return undefined;
  const n = BigInt(value.trim());
  return n < INT64_MIN ? INT64_MIN : n > INT64_MAX ? INT64_MAX : n;
}

const intReply = (n: bigint): Reply =>
  n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
    ? { int: Number(n) }
    : { int: n };

/** Redis/Pika glob matching for SCAN MATCH: `*`, `?`, `[abc]`, `[^a-z]`, and `\` escapes. */
export function globMatch(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === "*") {
      while (p[pi + 1] === "*") pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") {
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      const set = classMatch(p, pi + 1, s[si] ?? "");
      if (!set.ok) return false;
      pi = set.next;
      si++;
      continue;
    }
    // An escape makes the next pattern character literal; a trailing backslash is itself.
    const literal = c === "\\" && pi + 1 < p.length ? p[++pi] : c;
    if (literal !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** A `[...]` class starting after its `[`: whether `ch` is in it, and where the pattern goes on. */
function classMatch(p: string, start: number, ch: string): { ok: boolean; next: number } {
  let i = start;
  const negate = p[i] === "^";
  if (negate) i++;
  let hit = false;
  while (i < p.length && p[i] !== "]") {
    if (p[i] === "\\" && i + 1 < p.length) {
      i++;
      if (p[i] === ch) hit = true;
    } else if (p[i + 1] === "-" && i + 2 < p.length && p[i + 2] !== "]") {
      const [a, b] = [p[i] ?? "", p[i + 2] ?? ""].sort();
      if (a !== undefined && b !== undefined && ch >= a && ch <= b) hit = true;
      i += 2;
    } else if (p[i] === ch) hit = true;
    i++;
  }
  // An unclosed class ends at the pattern's end, as in Redis's stringmatch.
  return { ok: hit !== negate, next: Math.min(i + 1, p.length) };
}

/** A command whose arguments are valid, ready to run against a database. */
type Exec = (db: Db, session: Session) => Reply;

interface Command {
  /** Pika's arity: n means exactly n words with the name, -n at least n. */
  arity: number;
  write: boolean;
  /** Checks the arguments (Pika's DoInitial): an error reply, or what to run. */
  prepare: (ks: Keyspace, args: string[]) => Reply | Exec;
}

export class Keyspace {
  private readonly dbs: Db[];

  constructor(
    private readonly clock: Pick<Clock, "now">,
    private readonly options: KeyspaceOptions,
  ) {
    this.dbs = Array.from({ length: options.databases }, () => new Db());
  }

  get databases(): number {
    return this.dbs.length;
  }

  /**
   * Runs one command (name lowercase, arguments without it). Undefined when it is not a
   * keyspace command. Errors come in Pika's order: arity, then the arguments, then read-only.
   */
  execute(name: string, args: string[], session: Session, replicated = false): Reply | undefined {
    const cmd = COMMANDS[name];
    if (cmd === undefined) return undefined;
    const n = args.length + 1;
    if (cmd.arity >= 0 ? n !== cmd.arity : n < -cmd.arity) return wrongArity(name);
    const ready = cmd.prepare(this, args);
    if (typeof ready !== "function") return ready;
    if (cmd.write && !replicated && this.options.readOnly()) return READ_ONLY;
    const db = this.dbs[session.db];
    if (db === undefined) throw new Error(`keyspace: session on db${session.db} of ${this.dbs.length}`);
    this.replicating = replicated;
    try {
      return ready(db, session);
    } finally {
      this.replicating = false;
    }
  }

  /** True while a replicated write runs. */
  private replicating = false;

  /** Reports an applied write to the binlog's seam; `log` is what the binlog records (default: the command). */
  wrote(session: Session, name: string, args: string[], log: string[][] = [[name, ...args]]): void {
    this.options.onWrite?.({
      db: session.db,
      argv: [name, ...args],
      at: this.clock.now(),
      log,
      replicated: this.replicating,
    });
  }

  /** The clock in whole unix seconds, as Pika's time(nullptr). */
  seconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  now(): number {
    return this.clock.now();
  }

  get pksetexatInt32Ms(): boolean {
    return this.options.pksetexatInt32Ms ?? false;
  }

  /** Every database's entries, as plain data (what a restart of the node reads back). */
  save(): SavedEntry[][] {
    return this.dbs.map((db) =>
      [...db.keys].map(([k, e]): SavedEntry => [k, e.value, e.expiresAt ?? null, e.list ?? null]),
    );
  }

  /** Replaces the databases' contents with what `save` returned (extra databases are ignored). */
  load(saved: SavedEntry[][]): void {
    this.dbs.forEach((db, i) => {
      db.keys.clear();
      db.cursors.clear();
      for (const [k, value, at, list] of saved[i] ?? [])
        db.keys.set(k, { value, expiresAt: at ?? undefined, ...(list ? { list } : {}) });
    });
  }

  /** One database's entries (a full-sync snapshot of it). */
  saveDb(index: number): SavedEntry[] {
    return this.save()[index] ?? [];
  }

  /** Replaces one database's contents (a full sync loading its master's snapshot). */
  loadDb(index: number, entries: SavedEntry[]): void {
    const db = this.dbs[index];
    if (!db) throw new Error(`keyspace: no db${index}`);
    db.keys.clear();
    db.cursors.clear();
    for (const [k, value, at, list] of entries)
      db.keys.set(k, { value, expiresAt: at ?? undefined, ...(list ? { list } : {}) });
  }

  /** The live entry of `key`, dropping it first if it has expired. */
  get(db: Db, key: string): Entry | undefined {
    const e = db.keys.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= this.clock.now()) {
      db.keys.delete(key);
      return undefined;
    }
    return e;
  }

  /** Drops every expired key of `db` (before SCAN and DBSIZE count or list keys). */
  purge(db: Db): void {
    for (const key of [...db.keys.keys()]) this.get(db, key);
  }
}

/** One saved key: name, string value, expiry (clock ms) or null, list elements or null. */
export type SavedEntry = [string, string, number | null, (string[] | null)?];

/** SET key value [EX s | PX ms] [NX | XX], parsed as Pika's SetCmd does. */
function prepareSet(ks: Keyspace, args: string[]): Reply | Exec {
  const [key = "", value = ""] = args;
  let condition: "none" | "nx" | "xx" | "ttl" = "none";
  let ttlMs: bigint | undefined;
  for (let i = 2; i < args.length; i++) {
    const opt = args[i]?.toLowerCase();
    // As in Pika the last of NX and XX wins, and EX/PX alone picks the "set with TTL" path.
    if (opt === "nx" || opt === "xx") condition = opt;
    else if (opt === "ex" || opt === "px") {
      const text = args[++i];
      if (text === undefined) return SYNTAX;
      const n = parseInt64(text);
      if (n === undefined) return NOT_INT;
      ttlMs = opt === "ex" ? n * 1000n : n;
      if (condition === "none") condition = "ttl";
    } else return SYNTAX;
  }
  return (db, session) => {
    const exists = ks.get(db, key) !== undefined;
    if ((condition === "nx" && exists) || (condition === "xx" && !exists)) return NIL;
    // Pika quirk: plain SET with EX/PX <= 0 fails in storage with InvalidArgument, which
    // SetCmd reports as its kMultiKey (WRONGTYPE) reply; with NX/XX such a TTL is ignored.
    if (condition === "ttl" && ttlMs !== undefined && ttlMs <= 0n)
      return { error: "WRONGTYPE Operation against a key holding the wrong kind of value" };
    const expiresAt = ttlMs !== undefined && ttlMs > 0n ? ks.now() + Number(ttlMs) : undefined;
    db.keys.set(key, { value, expiresAt });
    // Pika logs SET with EX/PX (and no NX/XX) as PKSETEXAT at now + the whole seconds of the TTL.
    const at = condition === "ttl" && ttlMs !== undefined ? ks.seconds() + Number(ttlMs / 1000n) : undefined;
    ks.wrote(session, "set", args, at === undefined ? undefined : [["pksetexat", key, String(at), value]]);
    return OK;
  };
}

/** INCRBY and its kin: `by` is the parsed increment, already negated for DECR/DECRBY. */
function incrBy(ks: Keyspace, name: string, args: string[], by: bigint): Exec {
  const key = args[0] ?? "";
  return (db, session) => {
    const e = ks.get(db, key);
    if (e?.list) return WRONGTYPE;
    const old = e === undefined ? 0n : storedInt64(e.value);
    if (old === undefined) return NOT_INT;
    const next = old + by;
    if (next < INT64_MIN || next > INT64_MAX) return OVERFLOW;
    // The TTL of an existing key is kept, as Pika's Incrby keeps the value's etime.
    db.keys.set(key, { value: next.toString(), expiresAt: e?.expiresAt });
    // Pika logs the result: PKSETEXAT key <expiry in unix seconds, or 0> <new value>.
    const at = e?.expiresAt === undefined ? 0 : Math.floor(e.expiresAt / 1000);
    ks.wrote(session, name, args, [["pksetexat", key, String(at), next.toString()]]);
    return intReply(next);
  };
}

/** The increment argument of INCRBY/DECRBY; DECRBY negates it (so DECRBY of int64's minimum overflows). */
function prepareBy(name: string, negate: boolean) {
  return (ks: Keyspace, args: string[]): Reply | Exec => {
    const by = parseInt64(args[1] ?? "");
    if (by === undefined) return NOT_INT;
    return incrBy(ks, name, args, negate ? -by : by);
  };
}

function prepareScan(ks: Keyspace, args: string[]): Reply | Exec {
  const cursor = parseInt64(args[0] ?? "");
  if (cursor === undefined) return NOT_INT;
  let pattern = "*";
  let count = 10n;
  let type: string | undefined;
  for (let i = 1; i < args.length; i += 2) {
    const opt = args[i]?.toLowerCase();
    const value = args[i + 1];
    if ((opt !== "match" && opt !== "count" && opt !== "type") || value === undefined) return SYNTAX;
    if (opt === "match") pattern = value;
    else if (opt === "type") {
      // Only strings and lists exist here: the other known types match no key.
      if (!["string", "zset", "set", "list", "hash"].includes(value.toLowerCase())) return SYNTAX;
      type = value.toLowerCase();
    } else {
      const n = parseInt64(value);
      if (n === undefined || n <= 0n) return NOT_INT;
      count = n;
    }
  }
  return (db) => scan(ks, db, cursor, pattern, count, type);
}

const typeOf = (e: Entry | undefined) => (e === undefined ? "none" : e.list ? "list" : "string");

/**
 * One SCAN step as Pika's Storage::Scan takes it: keys in sorted order from where the cursor
 * left off, up to COUNT matching keys; the next cursor is this one plus COUNT, remembered with
 * the key to resume at. An unknown cursor starts over, and a negative one (or a TYPE other
 * than string, pattern undefined) returns nothing.
 */
function scan(
  ks: Keyspace,
  db: Db,
  cursor: bigint,
  pattern: string,
  count: bigint,
  type: string | undefined,
): Reply {
  const reply = (next: bigint, keys: string[]): Reply => ({
    multi: [{ bulk: next.toString() }, { array: keys }],
  });
  if (cursor < 0n) return reply(0n, []);
  ks.purge(db);
  const start = cursor === 0n ? undefined : db.cursors.get(Number(cursor));
  const sorted = [...db.keys]
    .filter(([k]) => (start === undefined || k >= start) && globMatch(pattern, k))
    .filter(([, e]) => type === undefined || typeOf(e) === type)
    .map(([k]) => k)
    .sort();
  const keys = sorted.slice(0, Number(count));
  const resume = sorted[keys.length];
  if (resume === undefined) return reply(0n, keys);
  const next = (start === undefined ? 0n : cursor) + count;
  db.cursors.delete(Number(next));
  db.cursors.set(Number(next), resume);
  for (const old of db.cursors.keys()) {
    if (db.cursors.size <= MAX_CURSORS) break;
    db.cursors.delete(old);
  }
  return reply(next, keys);
}

/** SELECT: Pika accepts only the canonical spelling of an index below `databases`. */
function prepareSelect(ks: Keyspace, args: string[]): Reply | Exec {
  const text = args[0] ?? "";
  const index = Number(text);
  if (!/^(0|-?[1-9]\d{0,9})$/.test(text) || index < -(2 ** 31) || index >= 2 ** 31)
    return { error: "ERR invalid DB index for 'select'" };
  if (index < 0 || index >= ks.databases)
    return { error: "ERR invalid DB index for 'select DB index is out of range'" };
  return (_db, session) => {
    session.db = index;
    return OK;
  };
}

/**
 * PKSETEXAT key unix-seconds value: set with an absolute expiry; 0 means none, a negative time
 * one already past (Pika's PKSetexAt). Pika refuses a time at or past INT32_MAX.
 */
function preparePkSetexAt(ks: Keyspace, args: string[]): Reply | Exec {
  const [key = "", text = "", value = ""] = args;
  const at = parseInt64(text);
  if (at === undefined || at >= 2n ** 31n - 1n) return NOT_INT;
  return (db, session) => {
    const ms = ks.pksetexatInt32Ms ? BigInt.asIntN(32, at * 1000n) : at * 1000n;
    const expiresAt = ms === 0n ? undefined : ms < 0n ? ks.now() - 1 : Number(ms);
    db.keys.set(key, { value, expiresAt });
    ks.wrote(session, "pksetexat", args);
    return OK;
  };
}

/** LRANGE key start stop: indices from 0, or from the end when negative, both ends included. */
function prepareLrange(ks: Keyspace, args: string[]): Reply | Exec {
  const [key = "", a = "", b = ""] = args;
  const [start, stop] = [parseInt64(a), parseInt64(b)];
  if (start === undefined || stop === undefined) return NOT_INT;
  return (db) => {
    const e = ks.get(db, key);
    if (e && !e.list) return WRONGTYPE;
    const list = e?.list ?? [];
    const at = (i: bigint) => Number(i < 0n ? BigInt(list.length) + i : i);
    const from = Math.max(0, at(start));
    const to = Math.min(list.length - 1, at(stop));
    return { array: from > to ? [] : list.slice(from, to + 1) };
  };
}

/** EXPIREAT key unix-seconds: 1 when the key exists (a time already past deletes it), else 0. */
function prepareExpireAt(ks: Keyspace, args: string[]): Reply | Exec {
  const [key = "", text = ""] = args;
  const at = parseInt64(text);
  if (at === undefined) return NOT_INT;
  return (db, session) => {
    const e = ks.get(db, key);
    if (e === undefined) return { int: 0 };
    if (Number(at) * 1000 <= ks.now()) db.keys.delete(key);
    else e.expiresAt = Number(at) * 1000;
    ks.wrote(session, "expireat", args);
    return { int: 1 };
  };
}

const COMMANDS: Record<string, Command> = {
  set: { arity: -3, write: true, prepare: prepareSet },
  get: {
    arity: 2,
    write: false,
    prepare:
      (ks, [key = ""]) =>
      (db) => {
        const e = ks.get(db, key);
        return e?.list ? WRONGTYPE : { bulk: e?.value ?? null };
      },
  },
  del: {
    arity: -2,
    write: true,
    prepare: (ks, keys) => (db, session) => {
      // A key named twice is deleted once and counted once, as Pika's Storage::Del does.
      const n = keys.filter((k) => ks.get(db, k) !== undefined && db.keys.delete(k)).length;
      if (n > 0)
        ks.wrote(
          session,
          "del",
          keys,
          keys.map((k) => ["del", k]),
        );
      return { int: n };
    },
  },
  exists: {
    arity: -2,
    write: false,
    // A key named twice counts twice (Storage::Exists asks once per argument).
    prepare: (ks, keys) => (db) => ({ int: keys.filter((k) => ks.get(db, k) !== undefined).length }),
  },
  incr: { arity: 2, write: true, prepare: (ks, args) => incrBy(ks, "incr", args, 1n) },
  decr: { arity: 2, write: true, prepare: (ks, args) => incrBy(ks, "decr", args, -1n) },
  incrby: { arity: 3, write: true, prepare: prepareBy("incrby", false) },
  decrby: { arity: 3, write: true, prepare: prepareBy("decrby", true) },
  mset: {
    arity: -3,
    write: true,
    prepare: (ks, args) => {
      if (args.length % 2 !== 0) return wrongArity("mset");
      return (db, session) => {
        for (let i = 0; i < args.length; i += 2)
          db.keys.set(args[i] ?? "", { value: args[i + 1] ?? "", expiresAt: undefined });
        const log: string[][] = [];
        for (let i = 0; i < args.length; i += 2) log.push(["set", args[i] ?? "", args[i + 1] ?? ""]);
        ks.wrote(session, "mset", args, log);
        return OK;
      };
    },
  },
  mget: {
    arity: -2,
    write: false,
    prepare: (ks, keys) => (db) => ({
      multi: keys.map((k) => {
        const e = ks.get(db, k);
        return { bulk: e === undefined || e.list ? null : e.value };
      }),
    }),
  },
  expire: {
    arity: 3,
    write: true,
    prepare: (ks, args) => {
      const [key = "", text = ""] = args;
      const seconds = parseInt64(text);
      if (seconds === undefined) return NOT_INT;
      return (db, session) => {
        const e = ks.get(db, key);
        if (e === undefined) return { int: 0 };
        // A TTL of zero or less deletes the key at once (Pika's StringsExpire), still answering 1.
        if (seconds <= 0n) db.keys.delete(key);
        else e.expiresAt = ks.now() + Number(seconds) * 1000;
        ks.wrote(session, "expire", args, [["expireat", key, String(ks.seconds() + Number(seconds))]]);
        return { int: 1 };
      };
    },
  },
  ttl: {
    arity: 2,
    write: false,
    prepare:
      (ks, [key = ""]) =>
      (db) => {
        const e = ks.get(db, key);
        if (e === undefined) return { int: -2 };
        if (e.expiresAt === undefined) return { int: -1 };
        // Whole seconds left, rounded down, as Pika's Storage::TTL divides the milliseconds.
        return { int: Math.floor((e.expiresAt - ks.now()) / 1000) };
      },
  },
  dbsize: {
    arity: 1,
    write: false,
    // Pika answers from its last background key scan; the reference counts live keys now.
    prepare: (ks) => (db) => {
      ks.purge(db);
      return { int: db.keys.size };
    },
  },
  scan: { arity: -2, write: false, prepare: prepareScan },
  flushdb: {
    arity: -1,
    write: true,
    prepare: (ks, args) => {
      // Pika's FLUSHDB takes no argument and refuses one with kInvalidParameter.
      if (args.length > 0) return { error: "ERR Invalid Argument" };
      return (db, session) => {
        db.keys.clear();
        db.cursors.clear();
        ks.wrote(session, "flushdb", args);
        return OK;
      };
    },
  },
  select: { arity: 2, write: false, prepare: prepareSelect },
  type: {
    arity: 2,
    write: false,
    prepare:
      (ks, [key = ""]) =>
      (db) => ({ simple: typeOf(ks.get(db, key)) }),
  },
  // Lists: Pika logs RPUSH as it came, so a slave that applies it twice has the entry twice.
  rpush: {
    arity: -3,
    write: true,
    prepare:
      (ks, [key = "", ...values]) =>
      (db, session) => {
        const e = ks.get(db, key);
        if (e && !e.list) return WRONGTYPE;
        const entry = e ?? { value: "", list: [], expiresAt: undefined };
        entry.list?.push(...values);
        db.keys.set(key, entry);
        ks.wrote(session, "rpush", [key, ...values]);
        return { int: entry.list?.length ?? 0 };
      },
  },
  llen: {
    arity: 2,
    write: false,
    prepare:
      (ks, [key = ""]) =>
      (db) => {
        const e = ks.get(db, key);
        return e && !e.list ? WRONGTYPE : { int: e?.list?.length ?? 0 };
      },
  },
  lrange: { arity: 4, write: false, prepare: prepareLrange },
  // What Pika's binlog carries for SET EX/PX, INCR and EXPIRE; a slave applies them as they come.
  pksetexat: { arity: 4, write: true, prepare: preparePkSetexAt },
  expireat: { arity: 3, write: true, prepare: prepareExpireAt },
};
