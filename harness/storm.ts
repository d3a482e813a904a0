/**
 * The two reconnection cases of Pika issue #2291, staged on any target and measured on the
 * wire: the half-open replication connection, and K slaves losing their master at once; and a
 * BinlogSync response lost on a connection that stays up (DS-LOST-01). The
 * scenarios in features/pair assert budgets on the same situations; these procedures observe
 * them for longer (a stock Pika needs about 180 s) and return figures: attempts and time to
 * recovery per slave, and what became of the writes made before and during the fault
 * (harness/data.ts: lost, applied twice, when the slave held each of them once).
 */
import { Mismatch } from "./check";
import { BudgetExceeded } from "./clock";
import { WriteLoad, writesOnceWithin } from "./data";
import { linksUpWithin, proxyMark, type Recovery, recoveryFigures, slaveof } from "./pair";
import { WireProxy } from "./proxy";
import { FAULTS } from "./proxy/phrases";
import type { SutNode, Target } from "./targets/target";
import { Trace } from "./trace/trace";

/** What one slave holds of the writes, at the end of the observation. */
export interface DataFigures {
  slave: string;
  written: number;
  lost: number;
  appliedTwice: number;
  /** Seconds from the fault until the slave held every write once; undefined if it never did. */
  convergedS: number | undefined;
}

export interface CaseResult {
  case: string;
  recoveries: Recovery[];
  data: DataFigures[];
  /** Seconds of observation after the fault. */
  horizonS: number;
}

/** Writes made before the fault, and as many again right after it, while the link is down. */
const WRITES = 100;

/** Starts a master and `k` slaves, links them through a proxy, injects the fault, and observes. */
async function stage(
  target: Target,
  name: string,
  k: number,
  horizonS: number,
  fault: (proxy: WireProxy) => void,
): Promise<CaseResult> {
  const clock = target.clock;
  const trace = new Trace(clock);
  const id = clock.rng.hex(50);
  const master = await target.startNode("master", { replicationId: id });
  const slaves: SutNode[] = [];
  for (let i = 1; i <= k; i++) slaves.push(await target.startNode(`slave${i}`, { replicationId: id }));
  await using proxy = await WireProxy.start(clock, master.port, { trace, masterSchema: master.schema });
  for (const s of slaves) await slaveof(s, trace, "127.0.0.1", String(proxy.port));
  await linksUpWithin(clock, slaves, 10);
  const load = new WriteLoad();
  await load.write(master, WRITES);
  const at = { at: clock.now(), mark: proxyMark(proxy) };
  fault(proxy);
  await load.write(master, WRITES);
  const figures = () =>
    recoveryFigures(
      proxy,
      at,
      slaves.map((s) => ({ name: s.name, port: s.port })),
    );
  try {
    await clock.within(horizonS, () => figures().every((r) => r.recoveredS !== undefined));
  } catch (err) {
    if (!(err instanceof BudgetExceeded)) throw err;
  }
  const recoveries = figures();
  const data: DataFigures[] = [];
  for (const s of slaves) {
    const left = Math.max(1, horizonS - (clock.now() - at.at) / 1000);
    let convergedS: number | undefined;
    try {
      await writesOnceWithin(clock, s, load, left);
      convergedS = (clock.now() - at.at) / 1000;
    } catch (err) {
      if (!(err instanceof Mismatch)) throw err;
    }
    const held = await load.held(s);
    data.push({
      slave: s.name,
      written: load.written,
      lost: held.missing.length,
      appliedTwice: held.log.length - new Set(held.log).size,
      convergedS,
    });
  }
  return { case: name, recoveries, data, horizonS };
}

export const halfOpenCase = (target: Target, horizonS = 240) =>
  stage(target, "half-open", 1, horizonS, (p) => p.cut({ port: "repl" }, "half-open"));

export const stormCase = (target: Target, k = 8, horizonS = 60) =>
  stage(target, `storm-${k}`, k, horizonS, (p) => p.cut({ port: "repl" }, "fin"));

/** One BinlogSync response carrying writes dropped on a live connection (DS-LOST-01). */
export const lostFrameCase = (target: Target, horizonS = 30) =>
  stage(target, "lost-frame", 1, horizonS, (p) =>
    p.add(FAULTS.parse("drops the first BinlogSync response carrying writes")),
  );

/** Spread of the first attempts after the fault, in seconds (0: all at once). */
export function firstAttemptSpread(r: Recovery[]): number | undefined {
  const firsts = r.flatMap((x) => x.timeline.slice(0, 1));
  return firsts.length < 2 ? undefined : Math.max(...firsts) - Math.min(...firsts);
}
