/**
 * The reference node: one Pika-like node configured by pika.conf keys, with the Redis protocol
 * on P and the replication server on P+2000. It reads its own config copy and rewrites it as
 * Pika does (replication-id), so a restart from the same file keeps its identity.
 */
import type { Socket } from "node:net";
import type { Clock } from "../clock";
import { Listener, LOOPBACK, REPL_SHIFT } from "../net";
import { type Behaviour, CONFORMANT, HOSTILE_TEXT } from "./behaviour";
import type { PikaConf } from "./conf";
import { Keyspace, type Session } from "./keyspace";
import { MasterSide } from "./master";
import { encodeReply, type Reply, RespError, RespParser } from "./resp";
import { type DbState, MAX_CONN_RBUF, SlaveSide } from "./slave";

/** The pika_version the reference reports in INFO server. */
export const REFERENCE_VERSION = "reference-0.1.0";

export class ReferenceNode {
  readonly port: number;
  readonly databases: string[];
  readonly runId: string;
  master!: MasterSide;
  slave!: SlaveSide;
  /** The node's data; read-only to clients while the node is a slave, as in Pika. */
  readonly keyspace: Keyspace;
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
    this.port = conf.int("port", 9221, 1, 65535 - REPL_SHIFT);
    const n = conf.int("databases", 1, 1, 8);
    this.databases = Array.from({ length: n }, (_, i) => `db${i}`);
    // The slave side exists once started; before that the node is nobody's slave.
    this.keyspace = new Keyspace(clock, { databases: n, readOnly: () => this.slave?.master !== undefined });
    conf.int("db-instance-num", 3, 1);
    const runId = conf.get("run-id") ?? "";
    if (runId !== "" && runId.length !== 40)
      throw new Error(`pika.conf: run-id must be 40 characters, got ${runId.length}`);
    this.runId = runId || clock.rng.hex(40);
  }

  get replPort(): number {
    return this.port + REPL_SHIFT;
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
    });
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
    });
    try {
      this.listeners.push(await Listener.open(this.clock, this.port, (s) => this.serveResp(s)));
      this.listeners.push(await Listener.open(this.clock, this.replPort, (s) => this.master.accept(s)));
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

  /** Stops everything at once, as a crashed process would. */
  private crash(reason: string): void {
    this.crashed = reason;
    for (const l of this.listeners) void l.close();
    this.slave.shutdown();
    this.master.shutdown();
    this.onCrash(reason);
  }

  async stop(): Promise<void> {
    this.slave?.shutdown();
    this.master?.shutdown();
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners = [];
    this.started = false;
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
      default:
        return this.keyspace.execute(name, args, session) ?? { error: `ERR unknown command '${name}'` };
    }
  }

  /** INFO text in Pika's layout (sections "server" and "replication"). */
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
    return `${parts.join("\r\n\r\n")}\r\n`;
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
    lines.push(
      "is_eligible_for_master_election:true",
      ...this.databases.map((db) => `${db}:binlog_offset=0 0,safety_purge=none`),
      "slave_repl_offset:0",
    );
    return lines;
  }
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
