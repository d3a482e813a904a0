/**
 * Observations the steps assert, built on the clock, INFO and the probes' recordings. Each one
 * throws a Mismatch with Expected/Actual when the system under test does not conform.
 */

import { expect, expectWithin } from "./check";
import type { Clock } from "./clock";
import type { ProbeConnection } from "./probe/slave";
import type { Info } from "./targets/info";
import type { SutNode } from "./targets/target";

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
