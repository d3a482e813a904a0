/**
 * Container target: every node is a container of PIKA_IMAGE, started with testcontainers on the
 * host network (so P, P+2000 and P+10001 keep their offsets and slaves reach probe masters on
 * 127.0.0.1). Official Pika images keep the binary at /pika/bin/pika and the config at
 * /pika/conf/pika.conf: the rendered config is copied there and the node started with that
 * path. A node is ready when P answers PING and P+2000 accepts connections, raced against the
 * container stopping. Containers carry labels naming this run and its owner process, and are
 * removed when the scenario ends, when the run is interrupted, or by the next run if this one
 * was killed.
 */
import * as os from "node:os";
import type { Readable } from "node:stream";
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer } from "testcontainers";
import { RealClock, Rng } from "../clock";
import { LOOPBACK } from "../net";
import { ownerAlive, ownerId } from "../owner";
import type { Build } from "../report/ledger";
import { type SchemaVersion, schemaForVersion } from "../wire/proto";
import { Admin } from "./admin";
import { LoopbackNode } from "./loopback";
import { OwnedNodes } from "./owned-nodes";
import { IMAGE_LAYOUT, imageConf } from "./pikaconf";
import { waitReady } from "./readiness";
import type { NodeOptions, SutNode, Target } from "./target";

// testcontainers reads these when it first talks to the engine. Without a bridge network it
// cannot find its host, and its reaper image cannot be pulled where no registry is reachable;
// the kit removes its containers itself (labels below).
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= LOOPBACK;

export const LABEL = {
  kit: "org.pika-conformance.kit",
  owner: "org.pika-conformance.owner",
  host: "org.pika-conformance.host",
  run: "org.pika-conformance.run",
  node: "org.pika-conformance.node",
} as const;

/** This process's run id, on every container it starts. */
export const RUN_ID = `${os.hostname()}-${process.pid}-${Date.now().toString(36)}`;

export interface ContainerSettings {
  image: string;
  /** The version whose pika.conf keys the nodes get (undefined: every key). */
  version?: string;
  /** The build under test, once identified: every node must report it. */
  build?: Build;
  /** Budget for a start, container start to PONG, in ms. */
  startMs: number;
}

/** Undefined when a container engine answers; otherwise what testcontainers said. */
export async function engineProblem(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Removes containers that killed runs of this host left (their owner process is gone). */
export async function clearContainerLeftovers(): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const removed: string[] = [];
  for (const c of await client.container.list()) {
    const labels = c.Labels ?? {};
    if (labels[LABEL.kit] !== "1" || labels[LABEL.host] !== os.hostname()) continue;
    if (ownerAlive(labels[LABEL.owner] ?? "")) continue;
    await client.container
      .getById(c.Id)
      .remove({ force: true, v: true })
      .then(() => removed.push(`container ${c.Id.slice(0, 12)} (${labels[LABEL.node] ?? "?"})`))
      .catch(() => {});
  }
  return removed;
}

class ContainerSutNode extends LoopbackNode implements SutNode {
  private container: StartedTestContainer | undefined;
  private output = "";
  private stopped = false;
  private dead: string | undefined;
  private gone: Promise<string> | undefined;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly options: NodeOptions,
    private readonly conf: string,
    private readonly settings: ContainerSettings,
    /** Seed of the node's random choices (read by the reference server only), from the scenario's. */
    private readonly seed: number,
  ) {
    super();
  }

  get id(): string | undefined {
    return this.container?.getId();
  }

  /** The build under test's, once identified (every node of a run is that build). */
  get schema(): SchemaVersion {
    return schemaForVersion(this.settings.build?.version ?? this.settings.version);
  }

  private append(text: string): void {
    this.output += text;
    if (this.output.length > 256_000) this.output = `[...]\n${this.output.slice(-200_000)}`;
  }

  /** Follows the container's output; the stream ends when the container stops. */
  private async follow(since?: number): Promise<void> {
    const c = this.container;
    if (!c) throw new Error(`${this.name}: no container to follow`);
    const stream: Readable = await c.logs(since === undefined ? undefined : { since });
    this.gone = new Promise<string>((resolve) => {
      stream.on("data", (d: Buffer | string) => this.append(d.toString()));
      stream.on("error", () => {});
      stream.once("end", async () => {
        const why = await inspectExit(c.getId());
        if (!this.stopped) this.dead = why;
        resolve(why);
      });
    });
  }

  private async ready(): Promise<void> {
    await waitReady({
      port: this.port,
      password: this.options.requirepass,
      budgetMs: this.settings.startMs,
      gone: this.gone,
      what: `node ${this.name} (container of ${this.settings.image})`,
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.logs()}`);
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.container = await new GenericContainer(this.settings.image)
      .withNetworkMode("host")
      .withCopyContentToContainer([{ content: this.conf, target: IMAGE_LAYOUT.conf }])
      .withCommand([IMAGE_LAYOUT.bin, "-c", IMAGE_LAYOUT.conf])
      // Not a PIKA_* name: the official image entrypoint writes those into pika.conf.
      .withEnvironment({ REFERENCE_SEED: String(this.seed) })
      .withLabels({
        [LABEL.kit]: "1",
        [LABEL.owner]: ownerId(),
        [LABEL.host]: os.hostname(),
        [LABEL.run]: RUN_ID,
        [LABEL.node]: `${this.name}-${this.port}`,
      })
      .withStartupTimeout(this.settings.startMs)
      .start();
    await this.follow();
    await this.ready();
  }

  async admin(): Promise<Admin> {
    return Admin.open(this.port, this.options.requirepass);
  }

  /** docker restart with 1 s of grace: the container keeps its rewritten config and its data. */
  async restart(): Promise<void> {
    if (!this.container) throw new Error(`node ${this.name} was never started`);
    this.stopped = true;
    const old = this.gone;
    await this.container.restart({ timeout: 1000 });
    await old;
    this.stopped = false;
    this.append(`--- restarted by the kit at ${new Date().toISOString()}\n`);
    await this.follow(Math.floor(Date.now() / 1000));
    await this.ready();
  }

  async kill(): Promise<void> {
    this.stopped = true;
    const c = this.container;
    this.container = undefined;
    await c?.stop({ timeout: 0, remove: true }); // SIGKILL at once: nothing after this needs a clean exit
  }

  died(): string | undefined {
    return this.stopped ? undefined : this.dead;
  }

  async liveness(): Promise<string | undefined> {
    if (this.stopped || !this.container) return undefined;
    if (this.dead) return this.dead;
    return this.pingProblem();
  }

  logs(): string {
    return `node ${this.name}: container ${this.id?.slice(0, 12) ?? "(removed)"} of ${this.settings.image}, port ${this.port}\n${this.output}`;
  }
}

async function inspectExit(id: string): Promise<string> {
  try {
    const client = await getContainerRuntimeClient();
    const s = (await client.container.getById(id).inspect()).State;
    return s.OOMKilled ? "killed: out of memory" : `exited with status ${s.ExitCode}`;
  } catch {
    return "container removed";
  }
}

export class ContainerTarget implements Target {
  readonly kind = "container" as const;
  readonly clock: RealClock;
  /** This scenario's nodes and ports; a node's kill also removes its container. */
  private readonly nodes: OwnedNodes<ContainerSutNode>;

  constructor(
    seed: number,
    private readonly settings: ContainerSettings,
  ) {
    this.clock = new RealClock(new Rng(seed));
    this.nodes = new OwnedNodes({ build: settings.build, source: `image ${settings.image}` });
  }

  allocatePort(): Promise<number> {
    return this.nodes.allocatePort();
  }

  async startNode(name: string, options: NodeOptions = {}): Promise<SutNode> {
    const port = await this.nodes.allocatePort();
    const conf = imageConf(port, options, this.settings.version);
    const node = this.nodes.add(
      new ContainerSutNode(name, port, options, conf, this.settings, this.clock.rng.int(2 ** 31)),
    );
    await node.start();
    await this.nodes.check(node);
    return node;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.nodes.tearDown();
  }
}
