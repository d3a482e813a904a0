/**
 * Pairs under test: nodes of the system under test joined by SLAVEOF, directly or through the
 * wire proxy, and what their recovery from a fault looks like on the wire.
 */

import { expect, expectWithin } from "./check";
import type { Clock } from "./clock";
import { longestGap } from "./observe";
import { expectPaced } from "./pacing";
import type { WireProxy } from "./proxy";
import { replyText } from "./targets/admin";
import type { SutNode } from "./targets/target";
import type { Trace } from "./trace/trace";
import { type InnerRequest, type InnerResponse, isPing, MsgType } from "./wire";
import { RsyncType } from "./wire/rsync";

/** Sends SLAVEOF to a node, writes command and reply to the trace, returns the reply text. */
export function slaveof(node: SutNode, trace: Trace, ...args: string[]): Promise<string> {
  return command(node, trace, "SLAVEOF", ...args);
}

/** CONFIG REWRITE, which is how Pika writes a queued SLAVEOF to its pika.conf (§11.1). */
export function configRewrite(node: SutNode, trace: Trace): Promise<string> {
  return command(node, trace, "CONFIG", "REWRITE");
}

/** One Redis-protocol command to a node, recorded in the trace with its reply. */
async function command(node: SutNode, trace: Trace, ...argv: string[]): Promise<string> {
  const admin = await node.admin();
  let reply: string;
  try {
    reply = replyText(await admin.call(...argv));
  } finally {
    admin.close();
  }
  trace.record({
    from: "kit",
    to: node.name,
    conn: "P",
    kind: "command",
    summary: `${argv.join(" ")} -> ${reply}`,
  });
  return reply;
}

/** Waits until every node's INFO shows master_link_status:up. */
export async function linksUpWithin(clock: Clock, nodes: SutNode[], seconds: number): Promise<void> {
  const up = new Set<SutNode>();
  await expectWithin(
    clock,
    seconds,
    async () => {
      for (const n of nodes)
        if (!up.has(n) && (await n.info("replication")).masterLinkStatus === "up") up.add(n);
      return up.size === nodes.length;
    },
    `within ${seconds} s INFO on ${nodes.length === 1 ? nodes[0]?.name : `all ${nodes.length} slaves`} shows master_link_status:up`,
    () =>
      `still down: ${nodes
        .filter((n) => !up.has(n))
        .map((n) => n.name)
        .join(", ")}`,
  );
}

/**
 * A point in the proxy's recording: frames before it happened before the fault. (An index, not
 * a time: on the virtual clock the handshake and the fault can share one instant.)
 */
export const proxyMark = (proxy: WireProxy) => proxy.frames.length;

/** Requests that crossed the proxy towards the master since `mark`, with the port their node announces. */
function requestsSince(
  proxy: WireProxy,
  mark: number,
): { at: number; msg: InnerRequest; port: number | undefined }[] {
  return proxy.frames.slice(mark).flatMap((f) => {
    if (f.direction !== "toMaster" || !f.msg) return [];
    const msg = f.msg as InnerRequest;
    const port = (msg.metaSync ?? msg.trySync ?? msg.dbSync ?? msg.binlogSync)?.node.port;
    return [{ at: f.at, msg, port }];
  });
}

/** Times of the MetaSync requests a slave (by its announced port) sent through the proxy since `mark`. */
export function metaSyncsFrom(proxy: WireProxy, slavePort: number, mark: number): number[] {
  return requestsSince(proxy, mark)
    .filter((r) => r.msg.type === MsgType.kMetaSync && r.port === slavePort)
    .map((r) => r.at);
}

/**
 * Times of the requests that begin a full sync through the proxy: DBSync on P+2000 from the slave
 * announcing `slavePort`, and the snapshot's file list (RsyncRequest kRsyncMeta) on P+10001, where
 * a slave that cannot load its snapshot starts again (PR-VERFULL).
 */
function fullSyncStartsFrom(proxy: WireProxy, slavePort: number): { dbSync: number[]; fileList: number[] } {
  return {
    dbSync: requestsSince(proxy, 0)
      .filter((r) => r.msg.type === MsgType.kDBSync && r.port === slavePort)
      .map((r) => r.at),
    fileList: proxy.rsyncRequests.filter((r) => r.request?.type === RsyncType.kRsyncMeta).map((r) => r.at),
  };
}

/** At most `dbSyncs` DBSync and `fileLists` file-list requests so far, each `minS` after the one of its kind before. */
export function expectFullSyncsPaced(
  proxy: WireProxy,
  slavePort: number,
  o: { dbSyncs: number; fileLists: number; minS: number; origin: number },
): void {
  const starts = fullSyncStartsFrom(proxy, slavePort);
  const { dbSyncs, fileLists, minS, origin } = o;
  expectPaced("DBSync from the slave", starts.dbSync, { atMost: dbSyncs, minS, origin });
  expectPaced("file-list requests (kRsyncMeta) on P+10001", starts.fileList, {
    atMost: fileLists,
    minS,
    origin,
  });
}

/** Times at which pings reached the slave side of the proxy (forwarded, not discarded). */
export function pingsForwarded(proxy: WireProxy, since: number): number[] {
  return proxy
    .framesOf("toSlave")
    .filter((f) => f.at >= since && !f.discarded && f.msg && isPing(f.msg as InnerResponse))
    .map((f) => f.at);
}

/** During `seconds`, pings reach the slave through the proxy with no gap over `maxGap` seconds. */
export async function pingsForwardedDuring(
  clock: Clock,
  proxy: WireProxy,
  seconds: number,
  maxGap: number,
): Promise<void> {
  const start = clock.now();
  await clock.during(seconds);
  const pings = pingsForwarded(proxy, start);
  const worst = longestGap(start, pings, clock.now());
  expect(
    worst <= maxGap,
    `pings reach the slave at least every ${maxGap} s for ${seconds} s`,
    `${pings.length} ping(s), longest gap ${worst.toFixed(1)} s`,
  );
}

export interface Recovery {
  slave: string;
  /** MetaSync attempts after the fault, until recovery (or the end of the observation). */
  attempts: number;
  /** Seconds from the fault to the slave's first BinlogSync first_send after it; undefined if none. */
  recoveredS: number | undefined;
  /** Attempt times, seconds after the fault. */
  timeline: number[];
}

/** Per slave: attempts until recovery and time to recovery, read from the proxy's frames since the fault. */
export function recoveryFigures(
  proxy: WireProxy,
  fault: { at: number; mark: number },
  slaves: { name: string; port: number }[],
): Recovery[] {
  const faultAt = fault.at;
  const reqs = requestsSince(proxy, fault.mark);
  return slaves.map((s) => {
    const mine = reqs.filter((r) => r.port === s.port);
    const back = mine.find((r) => r.msg.binlogSync?.firstSend);
    const attempts = mine.filter(
      (r) => r.msg.type === MsgType.kMetaSync && r.at <= (back?.at ?? Number.POSITIVE_INFINITY),
    );
    return {
      slave: s.name,
      attempts: attempts.length,
      recoveredS: back ? (back.at - faultAt) / 1000 : undefined,
      timeline: attempts.map((r) => (r.at - faultAt) / 1000),
    };
  });
}
