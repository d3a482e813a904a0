/**
 * The nodes one scenario of the binary or container target starts, and what both drivers do with
 * them alike: one scope of ports, released together; one version check, of every node once it has
 * started (identity.ts); and one teardown, which also runs when the run is interrupted. The
 * teardown kills every node, releases the ports and removes what else the scenario made, and only
 * then reports the kills that failed, in one error naming each node: a node that cannot be killed
 * must not keep the others, the ports or the files alive.
 */
import { ports } from "../net";
import type { Build } from "../report/ledger";
import { checkNode } from "./identity";
import { onInterrupt } from "./interrupt";
import type { SutNode } from "./target";

export interface OwnedNodesOptions {
  /** The build under test, once identified: every node must report it. */
  build?: Build;
  /** What the nodes run, for messages: the executable's path, or "image <image>". */
  source: string;
  /** Removes what the scenario made besides its nodes (the binary target's run directory). */
  remove?: () => void;
}

export class OwnedNodes<N extends SutNode> {
  private readonly nodes: N[] = [];
  private readonly ports = ports.scope();
  private readonly unregister: () => void;

  constructor(private readonly options: OwnedNodesOptions) {
    this.unregister = onInterrupt(() => this.tearDown());
  }

  /** A port P of this scenario (P, P+2000 and P+10001 free): released by the teardown. */
  allocatePort(): Promise<number> {
    return this.ports.allocate();
  }

  /** Lists a node before its first start, so that the teardown kills it even when the start fails. */
  add(node: N): N {
    this.nodes.push(node);
    return node;
  }

  /** The version check of a node that has started: it must be the build under test. */
  check(node: N): Promise<void> {
    return checkNode(node, this.options.build, `node ${node.name} (${this.options.source})`);
  }

  /** Kills every node, releases the ports, removes the rest; then throws one error if a kill failed. */
  async tearDown(): Promise<void> {
    this.unregister();
    const failed = (await Promise.all(this.nodes.map(killProblem))).filter((f) => f !== undefined);
    this.ports.releaseAll();
    this.options.remove?.();
    if (failed.length) throw new Error(`could not kill every node of the scenario: ${failed.join("; ")}`);
  }
}

/** Why a node could not be killed, naming it; undefined once it is gone. */
async function killProblem(node: SutNode): Promise<string | undefined> {
  try {
    await node.kill();
    return undefined;
  } catch (err) {
    return `node ${node.name} (port ${node.port}): ${err instanceof Error ? err.message : String(err)}`;
  }
}
