/**
 * Binary target: every node is a child process `$PIKA_BIN -c <pika.conf>` on 127.0.0.1, with a
 * directory of its own (config copy, data and log directories, stdout and stderr). A node is
 * ready when P answers PING and P+2000 accepts connections, raced against its exit. A restart
 * sends SIGTERM and SIGKILL after at most 1 s (real Pika takes about 14 s on SIGTERM) and reuses
 * the node's config copy and directories; at the end of a scenario nodes are SIGKILLed at once.
 * Everything runs in real time.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RealClock, Rng } from "../clock";
import type { Build } from "../report/ledger";
import { type SchemaVersion, schemaForVersion } from "../wire/proto";
import { Admin } from "./admin";
import { LoopbackNode } from "./loopback";
import { describeExit, NodeProcess, tailDir } from "./node-process";
import { OwnedNodes } from "./owned-nodes";
import { writeNodeConf } from "./pikaconf";
import { waitReady } from "./readiness";
import { makeRunDir } from "./run-dir";
import type { NodeOptions, SutNode, Target } from "./target";

export interface BinarySettings {
  /** Absolute path of the executable. */
  bin: string;
  /** The version whose pika.conf keys the nodes get (undefined: every key). */
  version?: string;
  /** The build under test, once identified: every node must report it. */
  build?: Build;
  /** Budget for a start, process start to PONG, in ms. */
  startMs: number;
  /** Grace between SIGTERM and SIGKILL, in ms (at most 1000). */
  graceMs?: number;
  /** Extra environment for the node processes. */
  env?: NodeJS.ProcessEnv;
}

class BinarySutNode extends LoopbackNode implements SutNode {
  private proc: NodeProcess | undefined;
  private stopped = false;
  private starts = 0;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    readonly dir: string,
    private readonly confPath: string,
    private readonly settings: BinarySettings,
    /** Seed of the node's random choices (read by the reference server only), from the scenario's. */
    private readonly seed: number,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** The build under test's, once identified (every node of a run is that build). */
  get schema(): SchemaVersion {
    return schemaForVersion(this.settings.build?.version ?? this.settings.version);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.starts++;
    const proc = NodeProcess.start(this.settings.bin, ["-c", this.confPath], this.dir, {
      ...process.env,
      REFERENCE_SEED: String(this.seed), // read by the reference server; a real Pika ignores it
      ...this.settings.env,
    });
    this.proc = proc;
    await waitReady({
      port: this.port,
      password: this.options.requirepass,
      budgetMs: this.settings.startMs,
      gone: proc.exited.then(describeExit),
      what: `node ${this.name} (${this.settings.bin} -c ${this.confPath})`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.logs()}`);
    });
  }

  async admin(): Promise<Admin> {
    return Admin.open(this.port, this.options.requirepass);
  }

  /** SIGTERM, SIGKILL after at most 1 s of grace (Pika takes 10-15 s to exit), then a new process. */
  async restart(): Promise<void> {
    this.stopped = true;
    await this.proc?.stop(Math.min(this.settings.graceMs ?? 1000, 1000));
    await this.start();
  }

  /** SIGKILL at once: nothing after this needs a clean exit. */
  async kill(): Promise<void> {
    this.stopped = true;
    this.proc?.killNow();
    await this.proc?.exited;
  }

  died(): string | undefined {
    if (this.stopped || !this.proc?.exit) return undefined;
    return describeExit(this.proc.exit);
  }

  async liveness(): Promise<string | undefined> {
    if (this.stopped) return undefined;
    const dead = this.died();
    if (dead) return dead;
    return this.pingProblem();
  }

  logs(): string {
    return [
      `node ${this.name}: ${this.settings.bin} -c ${this.confPath} (port ${this.port}, started ${this.starts} time(s))`,
      this.proc?.output() ?? "",
      tailDir(path.join(this.dir, "log")),
    ].join("\n");
  }
}

export class BinaryTarget implements Target {
  readonly kind = "binary" as const;
  readonly clock: RealClock;
  readonly dir: string;
  /** This scenario's nodes and ports; its teardown also removes the run directory. */
  private readonly nodes: OwnedNodes<BinarySutNode>;

  constructor(
    seed: number,
    private readonly settings: BinarySettings,
  ) {
    this.clock = new RealClock(new Rng(seed));
    const dir = makeRunDir("bin");
    this.dir = dir;
    this.nodes = new OwnedNodes({
      build: settings.build,
      source: settings.bin,
      remove: () => fs.rmSync(dir, { recursive: true, force: true }),
    });
  }

  allocatePort(): Promise<number> {
    return this.nodes.allocatePort();
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    for (let attempt = 1; ; attempt++) {
      const port = await this.nodes.allocatePort();
      const dir = path.join(this.dir, `${name}-${port}`);
      fs.mkdirSync(dir, { recursive: true });
      const conf = writeNodeConf(dir, port, options, this.settings.version);
      const node = this.nodes.add(
        new BinarySutNode(name, port, options, dir, conf, this.settings, this.clock.rng.int(2 ** 31)),
      );
      try {
        await node.start();
      } catch (err) {
        await node.kill();
        // Another process took one of the ports between the check and the bind: try new ones.
        if (attempt < 3 && /EADDRINUSE|address already in use/i.test(node.logs())) continue;
        throw err;
      }
      await this.nodes.check(node);
      return node;
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.nodes.tearDown();
  }
}
