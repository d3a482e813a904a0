/**
 * Reference target: reference nodes in this process, on real loopback sockets and a virtual
 * clock. Each node gets its own directory and pika.conf copy; a restart reuses them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Clock, Rng, VirtualClock } from "../clock";
import { ports } from "../net";
import { type Behaviour, CONFORMANT } from "../reference/behaviour";
import { PikaConf } from "../reference/conf";
import { ReferenceNode } from "../reference/node";
import type { SchemaVersion } from "../wire/proto";
import { Admin } from "./admin";
import { LoopbackNode } from "./loopback";
import { writeNodeConf } from "./pikaconf";
import { makeRunDir } from "./run-dir";
import type { NodeOptions, SutNode, Target } from "./target";

/** A reference node in this process, on a clock of the caller's (exported for profile-node.ts). */
export class ReferenceSutNode extends LoopbackNode implements SutNode {
  private node: ReferenceNode | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    private readonly confPath: string,
    private readonly clock: Clock,
    private readonly behaviour: Behaviour,
  ) {
    super();
  }

  /** Its behaviour's (for a profile, the schema of the Pika version it reports). */
  get schema(): SchemaVersion {
    return this.behaviour.schema;
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
    return Admin.open(this.port, pass, this.clock);
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async kill(): Promise<void> {
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
    this.dir = makeRunDir("ref");
  }

  /** This scenario's ports: released when the target is disposed, once its nodes are gone. */
  private readonly ports = ports.scope();

  allocatePort(): Promise<number> {
    return this.ports.allocate();
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    const port = await this.ports.allocate();
    const dir = path.join(this.dir, `${name}-${port}`);
    fs.mkdirSync(dir, { recursive: true });
    const confPath = writeNodeConf(dir, port, options, undefined);
    const node = new ReferenceSutNode(name, port, options, confPath, this.clock, this.behaviour);
    await node.start();
    this.nodes.push(node);
    return node;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.allSettled(this.nodes.reverse().map((n) => n.kill()));
    this.ports.releaseAll();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
