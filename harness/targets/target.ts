/**
 * The target seam: how nodes of the system under test are started, observed and stopped.
 * Steps see only this interface; the reference driver is the first implementation.
 */
import type { Clock } from "../clock";
import type { SchemaVersion } from "../wire/proto";
import type { Admin } from "./admin";
import type { Info } from "./info";

/** pika.conf settings a scenario may choose. Anything else goes in `extra`. */
export interface NodeOptions {
  databases?: number;
  dbInstanceNum?: number;
  requirepass?: string;
  masterauth?: string;
  replicationId?: string;
  runId?: string;
  /** "ip:port" of a master to follow from the start. */
  slaveof?: string;
  extra?: Record<string, string>;
}

export interface SutNode {
  readonly name: string;
  readonly host: string;
  /** P, the Redis-protocol port. */
  readonly port: number;
  /** P+2000, the replication port. */
  readonly replPort: number;
  readonly options: NodeOptions;
  /**
   * The wire schema of the node's Pika version (its pika_version, the version under test, or the
   * reference profile's): probes talk to it in this schema. Absent: the .proto's (DEFAULT_SCHEMA).
   */
  readonly schema?: SchemaVersion;
  /**
   * Where each database's binlog stood when the scenario took the node ("F O" as INFO shows it),
   * for nodes that keep a history (external): a probe slave starts there, not at 0:0, so the
   * writes of earlier scenarios are not streamed to it. Absent: a new node's 0:0.
   */
  readonly binlogAtStart?: ReadonlyMap<string, string>;
  /** A Redis-protocol connection to P, authenticated with the node's requirepass. */
  admin(): Promise<Admin>;
  info(section?: string): Promise<Info>;
  /** Stops the node (kill after at most 1 s of grace) and starts it again from its config copy. */
  restart(): Promise<void>;
  /** Stops the node for good, at once (SIGKILL on real targets): nothing after it needs a clean exit. */
  kill(): Promise<void>;
  /** Why the node is not running, when it died by itself; undefined while alive. */
  died(): string | undefined;
  /**
   * Like died(), and for nodes in other processes also whether P still answers PING. Nodes
   * the scenario stopped on purpose count as alive.
   */
  liveness?(): Promise<string | undefined>;
  /** The node's log, for reports (as it is: the scenario's Redactor goes over it on its way out). */
  logs(): string;
}

export interface Target extends AsyncDisposable {
  readonly kind: "reference" | "binary" | "container" | "external";
  readonly clock: Clock;
  startNode(name: string, options?: NodeOptions): Promise<SutNode>;
  /** A port P for a probe (P and P+2000 free). */
  allocatePort(): Promise<number>;
  /**
   * Why this target cannot run a scenario with these tags (the scenario is then reported as
   * skipped with this reason); undefined when it can.
   */
  cannotRun?(tags: readonly string[]): Promise<string | undefined>;
  /**
   * The replication-id the scenario's nodes already have, for targets that cannot give them one
   * of the scenario's (external: read from INFO of the running nodes when cannotRun admits the
   * scenario). The World then uses it for its nodes and probe masters instead of a fresh random
   * id; targets that start their own nodes leave this out.
   */
  sharedReplicationId?(): string;
  /**
   * Its nodes keep the keys and binlog of earlier scenarios (external): data checks then look at
   * the scenario's own keys only (PikaWorld.dataScope).
   */
  readonly keepsHistory?: boolean;
  /**
   * Secrets the target knows beside the nodes' options (external: the passwords it was given and
   * those it set back), for the scenario's Redactor.
   */
  secrets?(): string[];
}
