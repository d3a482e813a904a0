/**
 * Reference target: reference nodes in this process, on real loopback sockets and a virtual
 * clock. Each node gets its own directory and pika.conf copy; a restart reuses them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Clock, Rng, VirtualClock } from "../clock";
import { LOOPBACK, ports, REPL_SHIFT } from "../net";
import { type Behaviour, CONFORMANT } from "../reference/behaviour";
import { PikaConf } from "../reference/conf";
import { ReferenceNode } from "../reference/node";
import { Admin } from "./admin";
import type { Info } from "./info";
import type { NodeOptions, SutNode, Target } from "./target";

/** The pika.conf keys a node starts with; the same keys a real Pika is given. */
export function confKeys(
  port: number,
  dir: string,
  o: NodeOptions,
): Record<string, string | number | undefined> {
  return {
    port,
    "db-path": path.join(dir, "db"),
    "log-path": path.join(dir, "log"),
    "dump-path": path.join(dir, "dump"),
    "db-sync-path": path.join(dir, "dbsync"),
    pidfile: path.join(dir, "pika.pid"),
    databases: o.databases ?? 1,
    "db-instance-num": o.dbInstanceNum ?? 3,
    requirepass: o.requirepass ?? "",
    masterauth: o.masterauth ?? "",
    "replication-id": o.replicationId,
    "run-id": o.runId,
    maxclients: 1000,
    ...o.extra,
  };
}

class ReferenceSutNode implements SutNode {
  readonly host = LOOPBACK;
  private node: ReferenceNode | undefined;
  private admins: Admin[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    private readonly confPath: string,
    private readonly clock: Clock,
    private readonly behaviour: Behaviour,
  ) {}

  get replPort(): number {
    return this.port + REPL_SHIFT;
  }

  /** The running reference node (for diagnostics of the reference target only). */
  get reference(): ReferenceNode | undefined {
    return this.node;
  }

  async start(): Promise<void> {
    const node = new ReferenceNode(PikaConf.load(this.confPath), this.clock, this.behaviour);
    await node.start();
    this.node = node;
  }

  async admin(): Promise<Admin> {
    const pass = this.node?.conf.get("requirepass") ?? this.options.requirepass;
    const a = await Admin.open(this.port, pass);
    this.admins.push(a);
    return a;
  }

  async info(section = "replication"): Promise<Info> {
    const a = await this.admin();
    try {
      return await a.info(section);
    } finally {
      a.close();
      this.admins = this.admins.filter((x) => x !== a);
    }
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async kill(): Promise<void> {
    for (const a of this.admins) a.close();
    this.admins = [];
    await this.node?.stop();
    this.node = undefined;
  }

  died(): string | undefined {
    return this.node?.crashed && `crashed: ${this.node.crashed}`;
  }

  logs(): string {
    return "";
  }
}

export class ReferenceTarget implements Target {
  readonly kind = "reference" as const;
  readonly clock: VirtualClock;
  private readonly nodes: ReferenceSutNode[] = [];
  private readonly dir: string;

  constructor(
    seed: number,
    private readonly behaviour: Behaviour = CONFORMANT,
  ) {
    this.clock = new VirtualClock(new Rng(seed));
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "pika-conformance-ref-"));
  }

  allocatePort(): Promise<number> {
    return ports.allocate();
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    const port = await ports.allocate();
    const dir = path.join(this.dir, `${name}-${port}`);
    fs.mkdirSync(dir, { recursive: true });
    const confPath = path.join(dir, "pika.conf");
    fs.writeFileSync(confPath, PikaConf.render(confKeys(port, dir, options)));
    const node = new ReferenceSutNode(name, port, options, confPath, this.clock, this.behaviour);
    await node.start();
    this.nodes.push(node);
    return node;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.allSettled(this.nodes.reverse().map((n) => n.kill()));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
