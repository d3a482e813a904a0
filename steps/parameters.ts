/**
 * The step vocabulary's parameter types: each a closed regular expression, so a misspelled
 * message type, reply code, cut, connection label, address or duration is an undefined step
 * (the run fails) instead of a value that matches nothing and lets a "receives no ..." pass.
 * Plain data here (test/parameters.test.ts checks each); steps/register-parameters.ts hands
 * them to cucumber.
 */

import type { CutHow } from "../harness/proxy";
import { MsgType, StatusCode, TrySyncReply } from "../harness/wire";

export interface ParameterType {
  name: string;
  regexp: RegExp;
  transformer?: (s: string) => unknown;
}

export const PARAMETER_TYPES: ParameterType[] = [];
const define = (p: ParameterType) => PARAMETER_TYPES.push(p);

/** "MetaSync", "kMetaSync" → MsgType.kMetaSync (the message types of the replication protocol). */
define({
  name: "msgType",
  regexp: /k?(?:MetaSync|TrySync|DBSync|BinlogSync|HeatBeat|RemoveSlaveNode)/,
  transformer: (s: string): MsgType => MsgType[`k${s.replace(/^k/, "")}` as keyof typeof MsgType],
});

/** A response's StatusCode: kOk, kOther, kError. */
define({
  name: "status",
  regexp: /kOk|kOther|kError/,
  transformer: (s: string): StatusCode => StatusCode[s as keyof typeof StatusCode],
});

/** A TrySync response's reply_code. */
define({
  name: "trySyncReply",
  regexp: /kOk|kSyncPointBePurged|kSyncPointLarger|kError/,
  transformer: (s: string): TrySyncReply => TrySyncReply[s as keyof typeof TrySyncReply],
});

/** How the proxy cuts a connection. */
define({
  name: "cut",
  regexp: /FIN|RST/,
  transformer: (s: string): CutHow => (s === "FIN" ? "fin" : "rst"),
});

/** A probe connection's label: one capital letter (A, B, ...). */
define({ name: "conn", regexp: /[A-Z]/ });

/** A database name of Pika's: db0 ... db9; a list of them: "db0, db1". */
define({ name: "db", regexp: /db\d/ });
define({ name: "dbs", regexp: /db\d(?:, db\d)*/, transformer: (s: string) => s.split(", ") });

/** A binlog offset "filenum:offset". */
define({ name: "offset", regexp: /\d+:\d+/ });

/** An INFO field and its value, "master_link_status:up" → ["master_link_status", "up"]. */
define({
  name: "infoField",
  regexp: /[A-Za-z_]+:[\w.&-]*/,
  transformer: (s: string) => [s.slice(0, s.indexOf(":")), s.slice(s.indexOf(":") + 1)],
});

/** An IPv4 address. */
define({ name: "ip", regexp: /\d{1,3}(?:\.\d{1,3}){3}/ });

/** A node of the system under test, by its role in the scenario. */
define({ name: "node", regexp: /master|slave/ });

const IP_PORT = /(?:\d{1,3}(?:\.\d{1,3}){3})?:\d{1,5}/;

/** "127.0.0.1:40000" (or ":40000", an empty ip) → { ip, port }. */
define({
  name: "ipport",
  regexp: IP_PORT,
  transformer: (s: string) => ipPort(s),
});

/** "127.0.0.1:40000,127.0.0.1:40001" → the same, as "ip:port" strings. */
define({
  name: "ipports",
  regexp: new RegExp(`${IP_PORT.source}(?:,${IP_PORT.source})*`),
  transformer: (s: string) => s.split(","),
});

/** "20 s", "2.5 s" → seconds. */
define({
  name: "duration",
  regexp: /\d+(?:\.\d+)? s/,
  transformer: (s: string) => Number(s.slice(0, -2)),
});

export function ipPort(s: string): { ip: string; port: number } {
  const i = s.lastIndexOf(":");
  return { ip: s.slice(0, i), port: Number(s.slice(i + 1)) };
}
