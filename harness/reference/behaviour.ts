/**
 * What the reference node does where implementations differ. The conformant behaviour is the
 * default; named variants switch single points to a realistic bug (for the mutation score of
 * the specification), and profiles combine them to reproduce a Pika release.
 */
import { DEFAULT_SCHEMA, type SchemaVersion } from "../wire/proto";
import { fixedGate, fullJitter, type RetryPolicy } from "./retry";

export interface Behaviour {
  // --- master side
  /** Answer to a MetaSync for an ip:port that is registered on another or the same connection. */
  duplicateMetaSync: "rebind" | "kOther" | "kError" | "kOkKeepOld";
  /** Pika updates its ip:port → connection map on every MetaSync, before the duplicate check (R16). */
  routeOnEveryMetaSync: boolean;
  checkAuth: boolean;
  /** R8: refuse a MetaSync without a node. */
  requireNode: boolean;
  /** R11/R36: serve TrySync/DBSync/BinlogSync only on the connection that holds the SlaveItem. */
  requireRegistration: boolean;
  regenerateReplicationId: boolean;
  /** R29: remove the SlaveItem when its connection closes. */
  removeOnClose: boolean;
  /** Pika dereferences a null database on DBSync/RemoveSlaveNode for an unknown name (R32). */
  crashOnUnknownDb: boolean;
  /**
   * The rsync server on P+10001 serves the current snapshot to any client, also with
   * requirepass set, as Pika's does since v3.5.0 (src/rsync_server.cc checks nothing;
   * DS-AUTH-04). false: with requirepass, only during a full sync an authenticated slave
   * started (MasterSide.servedSnapshot).
   */
  rsyncWithoutAuth: boolean;
  // --- slave side
  retry: RetryPolicy;
  retryAfterOther: boolean;
  stopOnReplicationIdMismatch: boolean;
  forceFullSyncOnReconnect: boolean;
  /** R21: a kOk without replication_id is an error (false: retry it, as Pika does). */
  emptyReplicationIdIsError: boolean;
  /** R6: reconnect after an undecodable frame (false: terminal error, as Pika does). */
  reconnectOnBadFrame: boolean;
  /** R31: leave WaitReply after 10 s without a reply. */
  waitReplyTimeout: boolean;
  /** #1178: SLAVEOF to the same master restarts a slave in Error (false: +OK and nothing). */
  sameMasterRestarts: boolean;
  /**
   * The slave compares only the names of its master's databases with its own, as v3.5.3 to
   * v3.5.5 do (docs/PROTOCOL.md §7.2); false: (name, db_instance_num) pairs, as v4.0.0 on do.
   */
  dbNamesOnly: boolean;
  /**
   * A slave that cannot read the snapshot it fetched (another release's dump layout) fetches it
   * again at the next tick of its state machine (100 ms), for ever, as v3.5.5 does with a v4.0.1
   * master (seen at about 100 times a second, docs/PROTOCOL.md §11.5; PR-VERFULL-01). false: the
   * database goes to Error and stays there, a terminal refusal.
   */
  refetchUnreadableSnapshot: boolean;
  // --- data
  /**
   * PKSETEXAT (how Pika logs SET EX) applies its time as milliseconds wrapped to 32 bits, as Pika
   * does since #2857 (7622e912, in v4.0.1 and unstable, not v4.0.0): a slave holds every key it
   * is sent with a TTL as already expired (DS-TTL-01).
   */
  pksetexatInt32Ms: boolean;
  /**
   * The slave applies a binlog item wherever it was written on the master, also after a gap (a
   * BinlogSync response lost), as Pika does: the writes in the gap are skipped for good and its
   * acks stop matching the master's window. false: such an item sends the database back to
   * TrySync from its own position. No scenario yet: on real Pika the loss is racy (the next
   * response may or may not arrive before the slave's own resync), so a verdict would flap.
   */
  applyAfterGap: boolean;
  // --- wire
  /**
   * The wire schema it speaks, both sides (harness/wire/proto.ts): the one of the Pika version
   * it reports (schemaForVersion(pikaVersion); test/behaviour.test.ts holds every profile to it).
   */
  schema: SchemaVersion;
  // --- process (bin/pika-reference-server only)
  /** Seconds between SIGTERM and exit; Pika takes about 14.5 s, ports staying bound. */
  sigtermExitS: number;
  /**
   * A hostile system under test: its requirepass and masterauth, control characters, ANSI
   * escapes, markup and characters XML forbids in every text it sends (reply texts of
   * replication responses, Redis error replies, an INFO field, its log), for the tests that no
   * report carries a password or breaks (HOSTILE_TEXT).
   */
  hostileTexts: boolean;
  /** INFO server's pika_version, when a profile reports a Pika release's (default: the reference's own). */
  pikaVersion?: string;
}

export const CONFORMANT: Behaviour = {
  duplicateMetaSync: "rebind",
  routeOnEveryMetaSync: false,
  checkAuth: true,
  requireNode: true,
  requireRegistration: true,
  regenerateReplicationId: false,
  removeOnClose: true,
  crashOnUnknownDb: false,
  rsyncWithoutAuth: false,
  retry: fullJitter,
  retryAfterOther: true,
  stopOnReplicationIdMismatch: true,
  forceFullSyncOnReconnect: false,
  emptyReplicationIdIsError: true,
  reconnectOnBadFrame: true,
  waitReplyTimeout: true,
  sameMasterRestarts: true,
  dbNamesOnly: false,
  refetchUnreadableSnapshot: false,
  pksetexatInt32Ms: false,
  applyAfterGap: false,
  schema: DEFAULT_SCHEMA,
  sigtermExitS: 0,
  hostileTexts: false,
};

/** What a node with hostileTexts adds to every text after its passwords: nothing a report may pass on as it is. */
export const HOSTILE_TEXT =
  "\u0000\u0001\u0007\u001b[2J\u001b[31m</script><script>window.pwned=1</script>]]><!--&amp;\ufffe\u009b";

/** Retries with no real delay: a retry storm. */
const noDelay: RetryPolicy = { name: "no-delay", delayMs: () => 200 };

export interface Variant {
  description: string;
  behaviour: Partial<Behaviour>;
}

/** Single realistic bugs. Each must be killed by at least one scenario (npm run mutation). */
export const VARIANTS: Record<string, Variant> = {
  "dup-kother": {
    description: "duplicate MetaSync answered kOther, as Pika v3.3.4 to v4.0.1 do (#2291)",
    behaviour: { duplicateMetaSync: "kOther" },
  },
  "dup-kerror": {
    description: "duplicate MetaSync answered kError, as Pika up to v3.3.3 did",
    behaviour: { duplicateMetaSync: "kError" },
  },
  "dup-kok-no-rebind": {
    description:
      "duplicate MetaSync answered kOk but the SlaveItem stays on the old connection (unmerged PR #2316)",
    behaviour: { duplicateMetaSync: "kOkKeepOld" },
  },
  "route-on-rejected": {
    description: "a rejected MetaSync still moves pings to its connection (Pika's conn map, R16)",
    behaviour: { duplicateMetaSync: "kOther", routeOnEveryMetaSync: true, requireRegistration: false },
  },
  "no-auth": { description: "requirepass not checked on MetaSync", behaviour: { checkAuth: false } },
  "phantom-node": {
    description: 'a MetaSync without a node registers the key "" (R8)',
    behaviour: { requireNode: false },
  },
  "no-registration-check": {
    description: "TrySync, DBSync and BinlogSync served without MetaSync (R11, R36)",
    behaviour: { requireRegistration: false },
  },
  "regen-replication-id": {
    description: "a new replication_id at every registration",
    behaviour: { regenerateReplicationId: true },
  },
  "stale-slaveitem": {
    description: "SlaveItem left behind after its connection closes",
    behaviour: { removeOnClose: false },
  },
  "rsync-no-auth": {
    description:
      "the snapshot on P+10001 served to a client that never authenticated, as Pika does (DS-AUTH-04)",
    behaviour: { rsyncWithoutAuth: true },
  },
  "crash-unknown-db": {
    description: "crash on DBSync or RemoveSlaveNode for an unknown database (R32)",
    behaviour: { crashOnUnknownDb: true },
  },
  "slave-no-retry-after-kother": {
    description: "slave gives up after kOther",
    behaviour: { retryAfterOther: false },
  },
  "slave-no-delay": {
    description: "slave retries MetaSync with no real delay",
    behaviour: { retry: noDelay },
  },
  "slave-ignores-replid-mismatch": {
    description: "slave goes on when the master's replication_id differs from its own",
    behaviour: { stopOnReplicationIdMismatch: false },
  },
  "slave-full-sync-on-reconnect": {
    description: "slave asks for a full sync after every reconnect",
    behaviour: { forceFullSyncOnReconnect: true },
  },
  "slave-empty-replid-loops": {
    description: "slave retries silently after a kOk without replication_id, as Pika does (R21)",
    behaviour: { emptyReplicationIdIsError: false },
  },
  "slave-stops-on-bad-frame": {
    description: "slave stops for good after an undecodable frame, as Pika does (R6)",
    behaviour: { reconnectOnBadFrame: false },
  },
  "slave-fixed-gate": {
    description: "slave retries on Pika's fixed 10 s gate, so slaves that fail together retry in lockstep",
    behaviour: { retry: fixedGate(10_000) },
  },
  "slave-no-waitreply-timeout": {
    description: "slave waits for ever for a TrySync reply, as Pika does (R31)",
    behaviour: { waitReplyTimeout: false },
  },
  "slave-same-master-noop": {
    description: "SLAVEOF the same master does nothing in Error, as Pika does (#1178)",
    behaviour: { sameMasterRestarts: false },
  },
};

/** Pika 4.0's handshake deviations as measured, which v3.5.5 shares (its ledger lists the same entries). */
const PIKA_4_0: Partial<Behaviour> = {
  duplicateMetaSync: "kOther",
  routeOnEveryMetaSync: true,
  requireNode: false,
  requireRegistration: false,
  crashOnUnknownDb: true,
  // v3.5.5's src/rsync_server.cc is v4.0.1's, byte for byte (the in-process server since v3.5.0).
  rsyncWithoutAuth: true,
  retry: fixedGate(10_000),
  emptyReplicationIdIsError: false,
  reconnectOnBadFrame: false,
  waitReplyTimeout: false,
  sameMasterRestarts: false,
  applyAfterGap: true,
  sigtermExitS: 14.5,
  pikaVersion: "4.0.0", // what v4.0.0 and v4.0.1 both report (docs/PROTOCOL.md §11.5)
};

/** Combinations that reproduce a Pika release (docs/PROTOCOL.md §7, §11). */
export const PROFILES: Record<string, Variant> = {
  "pika-4.0": {
    description:
      "Pika v4.0.1 and unstable as measured: #2291, R8, R11, R16, R21, R31, R32 deviations, 10 s gate, the snapshot on P+10001 served without auth, TTL keys expired on the slave (#2857; v4.0.0 shares all but that)",
    behaviour: { ...PIKA_4_0, pksetexatInt32Ms: true },
  },
  "pika-3.5": {
    description:
      "Pika v3.5.5 from its source and the team's notes: the 3.5 wire schema (no db_instance_num) and dump layout (a directory per data type), a slave that compares database names only and fetches a snapshot it cannot read again and again, and the handshake deviations of pika-4.0 (the snapshot on P+10001 served without auth among them)",
    // #2291 (kOther to duplicates) and the full sync fetched again and again from a v4.0.1 master
    // were seen on v3.5.5 builds (docs/PROTOCOL.md §11.5); the rest is read from the v3.5.5 code,
    // where the handlers are those of v4.0 (§7.2). The 14.5 s SIGTERM exit was measured on v4.0.1 only.
    behaviour: {
      ...PIKA_4_0,
      dbNamesOnly: true,
      refetchUnreadableSnapshot: true,
      schema: "3.5",
      pikaVersion: "3.5.5",
    },
  },
};

/** Systems under test that attack the kit itself rather than break a rule. */
export const HOSTILE: Record<string, Variant> = {
  "hostile-texts": {
    description:
      "puts its requirepass and masterauth, control characters, ANSI escapes and markup into every text it sends and into its log",
    behaviour: { hostileTexts: true },
  },
};

/** The behaviour for a variant or profile name; undefined or "" is the conformant reference. */
export function behaviourOf(name: string | undefined): Behaviour {
  if (!name) return CONFORMANT;
  const v = VARIANTS[name] ?? PROFILES[name] ?? HOSTILE[name];
  if (!v)
    throw new Error(
      `unknown reference variant "${name}". Variants: ${Object.keys(VARIANTS).join(", ")}. Profiles: ${Object.keys(PROFILES).join(", ")}. Hostile: ${Object.keys(HOSTILE).join(", ")}.`,
    );
  return { ...CONFORMANT, ...v.behaviour };
}
