/**
 * Observations the steps assert, built on the clock, INFO and the probes' recordings. Each one
 * throws a Mismatch with Expected/Actual when the system under test does not conform.
 */

import { expect, expectWithin } from "./check";
import type { Clock } from "./clock";
import type { ProbeConnection, ProbeSlave } from "./probe/slave";
import { decodeCommand, decodeItem } from "./reference/binlog";
import type { Info } from "./targets/info";
import type { SutNode } from "./targets/target";
import { type InnerRequest, MsgType, summarize } from "./wire";

const slaveList = (info: Info) =>
  info.slaves
    .map((s) => `${s.ip}:${s.port}`)
    .sort()
    .join(", ");

/** Waits until INFO lists exactly these slaves (ip:port) and connected_slaves agrees. */
export async function slavesWithin(
  clock: Clock,
  node: SutNode,
  seconds: number,
  expected: string[],
): Promise<void> {
  const want = [...expected].sort().join(", ");
  let last: Info | undefined;
  await expectWithin(
    clock,
    seconds,
    async () => {
      last = await node.info("replication");
      return slaveList(last) === want && last.connectedSlaves === expected.length;
    },
    `within ${seconds} s INFO on ${node.name} lists ${expected.length} connected slave(s)${expected.length ? `: ${want}` : ""}`,
    () =>
      last
        ? `connected_slaves:${last.connectedSlaves ?? "absent"}, slaves: ${slaveList(last) || "none"}`
        : "no INFO read",
  );
}

/** During `seconds`, the connection stays open and receives no BinlogSync (no ping, no binlog). */
export async function noBinlogDuring(clock: Clock, c: ProbeConnection, seconds: number): Promise<void> {
  const before = c.binlogCount;
  await clock.during(seconds);
  expect(
    c.binlogCount === before,
    `no ping and no binlog on connection ${c.label} during ${seconds} s`,
    () => `${c.binlogCount - before} BinlogSync message(s): ${c.describe()}`,
  );
}

/**
 * During `seconds`, the connection receives no binlog item (pings are not items): none of the
 * master's writes reaches it. What did arrive is named by its commands.
 */
export async function noWritesDuring(clock: Clock, c: ProbeConnection, seconds: number): Promise<void> {
  await clock.during(seconds);
  const items = c
    .responses(MsgType.kBinlogSync)
    .flatMap((m) =>
      (m.binlogSync ?? []).filter((chip) => chip.binlog.length > 0).map((chip) => itemText(chip.binlog)),
    );
  expect(
    items.length === 0,
    `none of the master's writes on connection ${c.label} during ${seconds} s`,
    () =>
      `${items.length} binlog item(s) received: ${items.slice(0, 5).join("; ")}${items.length > 5 ? "; ..." : ""}`,
  );
}

/** A binlog item as its command line, or why it cannot be read as one. */
function itemText(bytes: Buffer): string {
  try {
    return decodeCommand(decodeItem(bytes).content).join(" ");
  } catch (err) {
    return `${bytes.length} bytes (${(err as Error).message})`;
  }
}

/** The longest gap, in seconds, in a window from `start` to `end` with events at `times` (ms). */
export function longestGap(start: number, times: readonly number[], end: number): number {
  const all = [start, ...times.filter((t) => t > start && t < end), end];
  return Math.max(...all.slice(1).map((t, i) => (t - (all[i] ?? t)) / 1000));
}

/** During `seconds`, pings for `db` arrive on the connection with no gap over `maxGap` seconds. */
export async function pingsDuring(
  clock: Clock,
  c: ProbeConnection,
  db: string,
  seconds: number,
  maxGap: number,
): Promise<void> {
  const start = clock.now();
  await clock.during(seconds);
  const pings = c.pings(db).filter((t) => t > start);
  const worst = longestGap(start, pings, clock.now());
  expect(
    worst <= maxGap && !c.closed,
    `a ping for ${db} on connection ${c.label} at least every ${maxGap} s for ${seconds} s`,
    `${pings.length} ping(s), longest gap ${worst.toFixed(2)} s${c.closed ? ", connection closed" : ""}`,
  );
}

/** The pings for `db` stop within `seconds`: some time in the budget, a gap of 5 s begins. */
export async function pingsStopWithin(
  clock: Clock,
  c: ProbeConnection,
  db: string,
  seconds: number,
): Promise<void> {
  const start = clock.now();
  const quietMs = 5000;
  await expectWithin(
    clock,
    seconds + quietMs / 1000,
    () => {
      const last = Math.max(start, ...c.pings(db));
      return clock.now() - last >= quietMs && last - start <= seconds * 1000;
    },
    `pings for ${db} on connection ${c.label} stop within ${seconds} s`,
    () => {
      const ps = c.pings(db).filter((t) => t >= start);
      return `${ps.length} ping(s) in ${seconds + quietMs / 1000} s, the last ${((Math.max(start, ...ps) - start) / 1000).toFixed(1)} s after the start`;
    },
  );
}

/** Waits until INFO on the node has `key:value` (e.g. master_link_status:up). */
export async function infoShowsWithin(
  clock: Clock,
  node: SutNode,
  seconds: number,
  key: string,
  value: string,
): Promise<void> {
  let last: Info | undefined;
  await expectWithin(
    clock,
    seconds,
    async () => {
      last = await node.info("replication");
      return last.fields.get(key) === value;
    },
    `within ${seconds} s INFO on ${node.name} shows ${key}:${value}`,
    () => `${key}:${last?.fields.get(key) ?? "(absent)"}`,
  );
}

/**
 * The MetaSync a slave sent announces `ip` and `port`, and carries `auth` (undefined: none). The
 * auth value is compared, never printed: Actual says only absent, matching or different.
 */
export function announces(
  m: InnerRequest | undefined,
  ip: string,
  port: number,
  auth: string | undefined,
): void {
  const ms = m?.metaSync;
  const how = (a: string | undefined) => (a === undefined ? "absent" : a === auth ? "matching" : "different");
  expect(
    ms?.node.ip === ip && ms.node.port === port && ms.auth === auth,
    `MetaSync from ${ip}:${port} ${auth === undefined ? "without auth" : "with the configured masterauth"}`,
    () => (ms ? `${ms.node.ip}:${ms.node.port}, auth ${how(ms.auth)}` : m ? summarize(m) : "no MetaSync"),
  );
}

/** Connection `c` is still open after `seconds` (and, when `silent`, received nothing meanwhile). */
export async function staysOpen(
  clock: Clock,
  c: ProbeConnection,
  seconds: number,
  silent: boolean,
): Promise<void> {
  const before = c.received.length;
  await clock.during(seconds);
  expect(
    !c.closed && (!silent || c.received.length === before),
    `connection ${c.label} open${silent ? " and silent" : ""} for ${seconds} s`,
    () =>
      c.closed ? `closed ${((c.closedAt ?? 0) - clock.now() + seconds * 1000) / 1000} s in` : c.describe(),
  );
}

/**
 * The registered connection `label` is still open, and the master registers another slave (the
 * probe's port + 1) on a new connection and lists both within 1 s.
 */
export async function stillServes(
  clock: Clock,
  probe: ProbeSlave,
  label: string,
  master: SutNode,
): Promise<void> {
  const c = await probe.connection(label);
  expect(!c.closed, `connection ${label} still open`, "closed");
  const n = probe.node;
  const other = { ip: n.ip, port: n.port + 1 };
  await probe.register(`${label}-check`, other);
  await slavesWithin(clock, master, 1, [`${n.ip}:${n.port}`, `${other.ip}:${other.port}`]);
}
