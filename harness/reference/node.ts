/**
 * The reference node: one Pika-like node configured by pika.conf keys, with the Redis protocol
 * on P, the replication server on P+2000 and the rsync server of full sync on P+10001. It reads its own config copy and rewrites it as
 * Pika does (replication-id), so a restart from the same file keeps its identity. Its data and
 * binlogs live in memory and are written to db-path when it stops, so a restart from the same
 * config (the reference target's) finds them again, as Pika finds its RocksDB and binlog files.
 * A crash loses what the node held since it started.
 */
import * as fs from "node:fs";
import type { Socket } from "node:net";
import * as path from "node:path";
import type { Clock } from "../clock";
import { Listener, LOOPBACK, REPL_SHIFT, RSYNC_SHIFT } from "../net";
import { type Behaviour, CONFORMANT, HOSTILE_TEXT } from "./behaviour";
import {
  BINLOG_PREFIX,
  Binlog,
  binlogFileSize,
  encodeCommand,
  expireLogsNums,
  type SavedBinlog,
} from "./binlog";
import type { PikaConf } from "./conf";
import { Keyspace, type SavedEntry, type Session, type Write } from "./keyspace";
import { BINLOG_SEND, MasterSide } from "./master";
import { encodeReply, type Reply, RespError, RespParser } from "./resp";
import { RsyncServer, rsyncParallel, rsyncTimeoutMs } from "./rsync";
import { type DbState, MAX_CONN_RBUF, SlaveSide } from "./slave";
import { layoutOf, readSnapshot } from "./snapshot";

/** The pika_version the reference reports in INFO server. */
export const REFERENCE_VERSION = "reference-0.1.0";

export class ReferenceNode {
  readonly port: number;
  readonly databases: string[];
  readonly runId: string;
  master!: MasterSide;
  slave!: SlaveSide;
  /** The rsync server on P+10001, serving the master side's snapshots. */
  rsync!: RsyncServer;
  /** The node's data; read-only to clients while the node is a slave, as in Pika. */
  readonly keyspace: Keyspace;
  /** One binlog per database, with Pika's offsets; every write is appended to its database's. */
  readonly binlogs: Binlog[];
  /** binlog-file-size and expire-logs-nums, as Pika reads them. */
  readonly binlogFileSize: number;
  readonly expireLogsNums: number;
  /** Why the node crashed (a variant's deliberate crash); undefined while it runs. */
  crashed: string | undefined;
  /** Called after a crash; the reference server exits abruptly here. */
  onCrash: (reason: string) => void = () => {};
  private listeners: Listener[] = [];
  private started = false;

  constructor(
    readonly conf: PikaConf,
    readonly clock: Clock,
    readonly behaviour: Behaviour = CONFORMANT,
  ) {
    this.port = conf.int("port", 9221, 1, 65535 - RSYNC_SHIFT);
    const n = conf.int("databases", 1, 1, 8);
    this.databases = Array.from({ length: n }, (_, i) => `db${i}`);
    // The slave side exists once started; before that the node is nobody's slave.
    this.keyspace = new Keyspace(clock, {
      databases: n,
      readOnly: () => this.slave?.master !== undefined,
      onWrite: (w) => this.logWrite(w),
      pksetexatInt32Ms: behaviour.pksetexatInt32Ms,
    });
    this.binlogFileSize = binlogFileSize(conf.size("binlog-file-size"));
    this.expireLogsNums = expireLogsNums(
      conf.get("expire-logs-nums") ? conf.int("expire-logs-nums", 10) : undefined,
    );
    const saved = this.loadData();
    const options = { fileSize: this.binlogFileSize, now: () => this.clock.now() / 1000 };
    this.binlogs = this.databases.map((_, i) => {
      const b = saved?.binlogs[i];
      return b ? Binlog.load(options, b) : new Binlog(options);
    });
    if (saved) this.keyspace.load(saved.keys);
    conf.int("db-instance-num", 3, 1);
    const runId = conf.get("run-id") ?? "";
    if (runId !== "" && runId.length !== 40)
      throw new Error(`pika.conf: run-id must be 40 characters, got ${runId.length}`);
    this.runId = runId || clock.rng.hex(40);
  }

  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  get rsyncPort(): number {
    return this.port + RSYNC_SHIFT;
  }

  private requirepass(): string {
    return this.conf.get("requirepass") ?? "";
  }

  /** What a hostile node (hostileTexts) adds to every text it sends. */
  get hostileSuffix(): string {
    if (!this.behaviour.hostileTexts) return "";
    return ` [requirepass ${this.requirepass()} masterauth ${this.conf.get("masterauth") ?? ""}]${HOSTILE_TEXT}`;
  }

  /** The replication id; a master generates and persists one when it has none (R13). */
  private replicationId(fresh = false): string {
    let id = this.conf.get("replication-id") ?? "";
    if (id === "" || fresh) {
      id = this.clock.rng.hex(50);
      this.conf.rewrite("replication-id", id);
    }
    return id;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error("reference node already started");
    this.master = new MasterSide(this.clock, {
      host: LOOPBACK,
      port: this.port,
      databases: this.databases,
      dbInstanceNum: this.conf.int("db-instance-num", 3, 1),
      runId: this.runId,
      requirepass: () => this.requirepass(),
      replySuffix: () => this.hostileSuffix,
      replicationId: (fresh) => this.replicationId(fresh),
      behaviour: this.behaviour,
      crash: (reason) => this.crash(reason),
      binlog: (db) => this.binlogOf(db),
      syncWindowSize: this.syncWindowSize(),
      binlogFileSize: this.binlogFileSize,
      keys: (db) => {
        const i = this.databases.indexOf(db);
        return i < 0 ? undefined : this.keyspace.saveDb(i);
      },
    });
    this.rsync = new RsyncServer((db) => this.master.servedSnapshot(db));
    this.slave = new SlaveSide(this.clock, {
      port: this.port,
      databases: this.databases,
      dbInstanceNum: this.conf.int("db-instance-num", 3, 1),
      masterauth: () => this.conf.get("masterauth") ?? "",
      replicationId: () => this.conf.get("replication-id") ?? "",
      adoptReplicationId: (id) => this.conf.rewrite("replication-id", id),
      behaviour: this.behaviour,
      // The slave's frame limit (R4), clamped to [64 MiB, 1 GiB] as Pika clamps it.
      maxConnRbufSize: Math.min(
        MAX_CONN_RBUF.max,
        Math.max(
          MAX_CONN_RBUF.min,
          this.conf.int("max-conn-rbuf-size", MAX_CONN_RBUF.default, Number.MIN_SAFE_INTEGER),
        ),
      ),
      binlog: (db) => this.binlogOf(db),
      applyBinlog: (db, argv, content) => this.applyBinlog(db, argv, content),
      loadSnapshot: (db, files) => this.loadSnapshot(db, files),
      rsyncTimeoutMs: rsyncTimeoutMs(
        this.conf.get("rsync-timeout-ms")
          ? this.conf.int("rsync-timeout-ms", 0, Number.MIN_SAFE_INTEGER)
          : undefined,
      ),
      rsyncParallel: rsyncParallel(
        this.conf.get("max-rsync-parallel-num")
          ? this.conf.int("max-rsync-parallel-num", 0, Number.MIN_SAFE_INTEGER)
          : undefined,
      ),
    });
    try {
      this.listeners.push(await Listener.open(this.clock, this.port, (s) => this.serveResp(s)));
      this.listeners.push(await Listener.open(this.clock, this.replPort, (s) => this.master.accept(s)));
      this.listeners.push(await Listener.open(this.clock, this.rsyncPort, (s) => this.rsync.accept(s)));
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.started = true;
    const slaveof = this.conf.get("slaveof") ?? "";
    if (slaveof !== "") {
      const [, ip, port] = /^(.+):(\d+)$/.exec(slaveof) ?? [];
      if (ip === undefined || port === undefined)
        throw new Error(`pika.conf: slaveof must be ip:port, got "${slaveof}"`);
      this.slave.setMaster(ip, Number(port), false);
    }
  }

  /** sync-window-size as Pika reads it: 9000 unless set above 0, at most 90000. */
  private syncWindowSize(): number {
    const v = this.conf.get("sync-window-size")
      ? this.conf.int("sync-window-size", 0, Number.MIN_SAFE_INTEGER)
      : 0;
    return v <= 0 ? BINLOG_SEND.windowDefault : Math.min(v, BINLOG_SEND.windowMax);
  }

  /** The binlog of database `db` ("db0" ...), or undefined. */
  binlogOf(db: string): Binlog | undefined {
    const i = this.databases.indexOf(db);
    return i < 0 ? undefined : this.binlogs[i];
  }

  /** A client's write goes to its database's binlog, one item per command Pika logs for it. */
  private logWrite(w: Write): void {
    if (w.replicated) return; // the slave side appends what it received, as it received it
    const binlog = this.binlogs[w.db];
    if (!binlog) return;
    for (const argv of w.log) binlog.append(encodeCommand(argv));
    this.binlogAppended(w.db);
  }

  /**
   * A command from the master's binlog: run past the read-only check, then its content is
   * appended to this node's binlog as it came (Pika writes back what it re-serialises, which
   * is the same bytes for every form a Pika binlog carries), and this node's own slaves read on.
   */
  private applyBinlog(db: string, argv: string[], content: Buffer): void {
    const index = this.databases.indexOf(db);
    const binlog = this.binlogs[index];
    if (!binlog) return;
    const [name = "", ...args] = argv;
    this.keyspace.execute(name.toLowerCase(), args, { db: index }, true);
    binlog.append(content);
    this.binlogAppended(index);
  }

  /**
   * A full sync's snapshot, fetched: it replaces the database's keys, and the binlog goes on from
   * the position its info file names (Pika's DB::TryUpdateMasterOffset). Throws SnapshotError.
   */
  private loadSnapshot(db: string, files: ReadonlyMap<string, Buffer>): void {
    const index = this.databases.indexOf(db);
    const binlog = this.binlogs[index];
    if (!binlog) return;
    const { keys, info } = readSnapshot(files, layoutOf(this.behaviour.schema));
    this.keyspace.loadDb(index, keys);
    binlog.resetTo({ filenum: info.filenum, offset: info.offset, term: info.term, index: info.index });
  }

  /** After appending to a database's binlog: old files expire, streaming slaves read on. */
  binlogAppended(dbIndex: number): void {
    const db = this.databases[dbIndex];
    const binlog = this.binlogs[dbIndex];
    if (db === undefined || !binlog || !this.started) return;
    if (binlog.fileNums().length > this.expireLogsNums)
      binlog.expire(this.expireLogsNums, (n) => this.master.mayPurge(db, n));
    this.master.binlogAppended(db);
  }

  /** Stops everything at once, as a crashed process would. */
  private crash(reason: string): void {
    this.crashed = reason;
    for (const l of this.listeners) void l.close();
    this.slave.shutdown();
    this.master.shutdown();
    this.rsync.shutdown();
    this.onCrash(reason);
  }

  async stop(): Promise<void> {
    this.slave?.shutdown();
    this.master?.shutdown();
    this.rsync?.shutdown();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners = [];
    if (this.started) this.persist();
    this.started = false;
  }

  /** Where the node keeps its data between runs: a file in db-path, or nowhere without one. */
  private dataFile(): string | undefined {
    const dir = this.conf.get("db-path") ?? "";
    return dir === "" ? undefined : path.join(dir, "reference-data.json");
  }

  /**
   * Writes the keys and binlogs to db-path now (stop does it too). Pika's data is on disk at
   * any moment, so a node killed after this loses nothing; bin/pika-reference-server calls it
   * before a slow exit or a crash, where the kit's SIGKILL comes first.
   */
  persist(): void {
    const file = this.dataFile();
    if (!file) return;
    const data: SavedData = { keys: this.keyspace.save(), binlogs: this.binlogs.map((b) => b.save()) };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(data));
    fs.renameSync(`${file}.tmp`, file);
  }

  private loadData(): SavedData | undefined {
    const file = this.dataFile();
    if (!file || !fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, "utf8")) as SavedData;
  }

  private serveResp(socket: Socket): void {
    const parser = new RespParser();
    let authed = false;
    let refused = false;
    const session: Session = { db: 0 };
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      if (refused) return;
      let cmds: string[][];
      let failure: RespError | undefined;
      try {
        cmds = parser.push(chunk);
      } catch (err) {
        if (!(err instanceof RespError)) throw err;
        // As Redis does: the commands ahead of the bad request are answered, then the error,
        // then the connection is closed.
        cmds = err.commands;
        failure = err;
      }
      for (const argv of cmds) {
        const name = argv[0]?.toLowerCase();
        if (name === undefined) continue;
        let reply: Reply;
        if (name === "auth") {
          const ok = argv.length === 2 && (this.requirepass() === "" || argv[1] === this.requirepass());
          authed ||= ok;
          reply = ok
            ? { simple: "OK" }
            : {
                error:
                  argv.length === 2
                    ? "ERR invalid password"
                    : "ERR wrong number of arguments for 'auth' command",
              };
        } else if (this.requirepass() !== "" && !authed && name !== "ping") {
          reply = { error: "NOAUTH Authentication required." };
        } else {
          reply = this.command(name, argv.slice(1), session);
        }
        if ("error" in reply && this.hostileSuffix) reply = { error: `${reply.error}${this.hostileSuffix}` };
        socket.write(encodeReply(reply));
      }
      if (failure) {
        // The error, then a FIN. What the client still sends is read and dropped: closing with
        // unread bytes would reset the connection and could lose the error on its way. The
        // socket goes when the client closes its side, or 2 s after the error at the latest.
        refused = true;
        socket.end(encodeReply({ error: `ERR ${failure.message}` }));
        const linger = this.clock.setTimeout(() => socket.destroy(), 2000);
        socket.once("close", () => this.clock.clearTimeout(linger));
      }
    });
  }

  /**
   * One Redis command (after AUTH); Pika's replies where the kit observes them. `session` is
   * the connection's (its SELECTed database); a caller without one works on db0.
   */
  command(name: string, args: string[], session: Session = { db: 0 }): Reply {
    switch (name) {
      case "ping":
        return { simple: "PONG" };
      case "info":
        return { bulk: this.info(args[0]?.toLowerCase() ?? "all") };
      case "config": {
        const [sub, key, value] = [args[0]?.toLowerCase(), args[1]?.toLowerCase(), args[2]];
        const settable = key !== undefined && ["requirepass", "masterauth"].includes(key);
        if (sub === "get" && args.length === 2) {
          return { array: settable ? [key, this.conf.get(key) ?? ""] : [] };
        }
        if (sub === "set" && args.length === 3 && settable && value !== undefined) {
          this.conf.set(key, value);
          return { simple: "OK" };
        }
        if (sub === "rewrite" && args.length === 1) {
          this.conf.save();
          return { simple: "OK" };
        }
        return { error: `ERR Invalid argument for CONFIG ${args[0] ?? ""}` };
      }
      case "slaveof":
        return this.slaveof(args);
      case "purgelogsto":
        return this.purgelogsto(args);
      case "bgsave":
        return this.bgsave(args);
      default:
        return this.keyspace.execute(name, args, session) ?? { error: `ERR unknown command '${name}'` };
    }
  }

  /** INFO text in Pika's layout (sections "server", "replication" and "stats"). */
  info(section: string): string {
    const parts: string[] = [];
    if (section === "all" || section === "server") {
      parts.push(
        [
          "# Server",
          `pika_version:${this.behaviour.pikaVersion ?? REFERENCE_VERSION}`,
          `tcp_port:${this.port}`,
          `run_id:${this.runId}`,
          ...(this.hostileSuffix ? [`echo:${this.hostileSuffix}`] : []),
        ].join("\r\n"),
      );
    }
    if (section === "all" || section === "replication") parts.push(this.infoReplication().join("\r\n"));
    // BGSAVE takes its snapshot at once: never in the middle of one.
    if (section === "all" || section === "stats") parts.push(["# Stats", "is_bgsaving:No"].join("\r\n"));
    return `${parts.join("\r\n\r\n")}\r\n`;
  }

  /**
   * PURGELOGSTO write2file<N> [db]: deletes that database's binlog files up to N, never the
   * current one nor one a slave still needs; +OK either way, as Pika's purge runs in the
   * background.
   */
  private purgelogsto(args: string[]): Reply {
    const [file = "", db = "db0"] = args;
    if (args.length < 1 || args.length > 2)
      return { error: "ERR wrong number of arguments for 'purgelogsto' command" };
    const num = file.startsWith(BINLOG_PREFIX) ? file.slice(BINLOG_PREFIX.length) : "";
    if (!/^\d+$/.test(num)) return { error: "ERR Invalid Argument" };
    const binlog = this.binlogOf(db);
    if (!binlog) return { error: `ERR invalid DB for '${db}'` };
    binlog.purgeTo(Number(num), (n) => this.master.mayPurge(db, n));
    return { simple: "OK" };
  }

  /**
   * BGSAVE [db,...]: a new snapshot of each database named (every one without), replacing the
   * one a full sync would be served; Pika's reply.
   */
  private bgsave(args: string[]): Reply {
    if (args.length > 1) return { error: "ERR wrong number of arguments for 'bgsave' command" };
    const dbs = args[0] === undefined ? this.databases : args[0].split(",");
    const unknown = dbs.find((db) => !this.databases.includes(db));
    if (unknown !== undefined) return { error: `ERR invalid DB for '${unknown}'` };
    for (const db of dbs) this.master.bgsave(db);
    return { simple: "Background saving started" };
  }

  /** SLAVEOF, with Pika's replies (docs/PROTOCOL.md §6.1, R37). */
  private slaveof(args: string[]): Reply {
    const arity = { error: "ERR wrong number of arguments for 'slaveof' command" };
    const [ip, portText, third] = args;
    if (ip === undefined || portText === undefined || args.length > 3) return arity;
    if (ip.toLowerCase() === "no" && portText.toLowerCase() === "one" && third === undefined) {
      this.slave.removeMaster();
      this.conf.set("slaveof", "");
      return { simple: "OK" };
    }
    if (third !== undefined && third.toLowerCase() !== "force") return arity;
    const force = third !== undefined;
    if (this.master.slaves.size > 0) return { error: "ERR already master of others, invalid usage" };
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port <= 0)
      return { error: "ERR value is not an integer or out of range" };
    if (["localhost", "127.0.0.1", LOOPBACK].includes(ip) && port === this.port)
      return { error: "ERR The master ip:port and the slave ip:port are the same" };
    const current = this.slave.master;
    const same = current !== undefined && current.ip === ip && current.port === port;
    // The same master is a no-op while the link is healthy; from Error it restarts (#1178).
    const restart = this.slave.state === "Error" && this.behaviour.sameMasterRestarts;
    if (same && !force && !restart) return { simple: "OK" };
    this.slave.setMaster(ip, port, force);
    // In memory only, as in Pika: pika.conf gets it at the next rewrite (CONFIG REWRITE, or the
    // slave adopting its master's replication-id), so a restart before that forgets the master.
    this.conf.set("slaveof", `${ip}:${port}`);
    return { simple: "OK" };
  }

  /** INFO replication in Pika's layout: the header and role follow the role bits. */
  private infoReplication(): string[] {
    const isSlave = this.slave.master !== undefined;
    const isMaster = this.master.slaves.size > 0 || !isSlave;
    const header =
      isSlave && this.master.slaves.size > 0
        ? ["Master && SLAVE", "master&&slave"]
        : isSlave
          ? ["SLAVE", "slave"]
          : ["MASTER", "master"];
    const lines = [
      `# Replication(${header[0]})`,
      `role:${header[1]}`,
      `ReplicationID:${this.conf.get("replication-id") ?? ""}`,
    ];
    const master = this.slave.master;
    if (isSlave && master) {
      const dbs = [...this.slave.dbs.values()];
      lines.push(
        `master_host:${master.ip}`,
        `master_port:${master.port}`,
        `master_link_status:${this.slave.linkUp ? "up" : "down"}`,
        "repl_connect_status:",
        ...dbs.map((d) => `${d.name}:${CONNECT_STATUS[d.state]}`),
      );
      if (this.master.slaves.size === 0) lines.push("slave_priority:100");
      lines.push("slave_read_only:1");
      const notConnected = dbs.filter((d) => d.state !== "Connected");
      if (notConnected.length)
        lines.push(`db_repl_state:${notConnected.map((d) => `(${d.name}:${REPL_STATE[d.state]})`).join("")}`);
    }
    if (isMaster) {
      const slaves = this.master.infoSlaves();
      lines.push(`connected_slaves:${slaves.length}`, ...slaves);
    }
    const offsets = this.binlogs.map((b) => b.producer());
    // Not eligible while a database is in the middle of a full sync, as in Pika.
    const fullSyncing = [...this.slave.dbs.values()].some((d) => d.state === "WaitDBSync");
    lines.push(
      `is_eligible_for_master_election:${!fullSyncing}`,
      ...this.databases.map(
        (db, i) =>
          `${db}:binlog_offset=${offsets[i]?.filenum ?? 0} ${offsets[i]?.offset ?? 0},safety_purge=${this.master.safetyPurge(db)}`,
      ),
      `slave_repl_offset:${offsets.reduce((sum, o) => sum + o.filenum * this.binlogFileSize + o.offset, 0)}`,
    );
    return lines;
  }
}

/** What a stopped node leaves in db-path: each database's keys (value, expiry, list) and binlog. */
interface SavedData {
  keys: SavedEntry[][];
  binlogs: SavedBinlog[];
}

/** INFO's words for a database's replication state (repl_connect_status and db_repl_state). */
const CONNECT_STATUS: Record<DbState, string> = {
  NoConnect: "no_connect",
  TryConnect: "try_to_incr_sync",
  TryDBSync: "try_to_full_sync",
  WaitReply: "connecting",
  WaitDBSync: "syncing_full",
  Connected: "connected",
  Error: "error",
};
const REPL_STATE: Record<DbState, string> = {
  NoConnect: "NoConnect",
  TryConnect: "kTryConnect",
  TryDBSync: "kTryDBSync",
  WaitReply: "kWaitReply",
  WaitDBSync: "WaitDBSync",
  Connected: "Connected",
  Error: "Error",
};
