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
import { ports } from "../net";
import type { Build } from "../report/ledger";
import { Admin } from "./admin";
import { checkNode } from "./identity";
import { LoopbackNode } from "./loopback";
import { writeNodeConf } from "./pikaconf";
import { describeExit, makeRunDir, NodeProcess, onInterrupt, tailDir, waitReady } from "./process";
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
  private readonly nodes: BinarySutNode[] = [];
  readonly dir: string;
  private readonly unregister: () => void;

  constructor(
    seed: number,
    private readonly settings: BinarySettings,
  ) {
    this.clock = new RealClock(new Rng(seed));
    this.dir = makeRunDir("bin");
    this.unregister = onInterrupt(() => this[Symbol.asyncDispose]());
  }

  /** This scenario's ports: released when the target is disposed, once its nodes are gone. */
  private readonly ports = ports.scope();

  allocatePort(): Promise<number> {
    return this.ports.allocate();
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    for (let attempt = 1; ; attempt++) {
      const port = await this.ports.allocate();
      const dir = path.join(this.dir, `${name}-${port}`);
      fs.mkdirSync(dir, { recursive: true });
      const conf = writeNodeConf(dir, port, options, this.settings.version);
      const node = new BinarySutNode(
        name,
        port,
        options,
        dir,
        conf,
        this.settings,
        this.clock.rng.int(2 ** 31),
      );
      this.nodes.push(node);
      try {
        await node.start();
      } catch (err) {
        await node.kill();
        // Another process took one of the ports between the check and the bind: try new ones.
        if (attempt < 3 && /EADDRINUSE|address already in use/i.test(node.logs())) continue;
        throw err;
      }
      await checkNode(node, this.settings.build, `node ${name} (${this.settings.bin})`);
      return node;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.unregister();
    await Promise.allSettled(this.nodes.map((n) => n.kill()));
    this.ports.releaseAll();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
