/**
 * The step vocabulary's parameter types: each a closed regular expression, so a misspelled
 * message type, reply code, cut, connection label, address or duration is an undefined step
 * (the run fails) instead of a value that matches nothing and lets a "receives no ..." pass.
 * Plain data here (test/parameters.test.ts checks each); steps/register-parameters.ts hands
 * them to cucumber.
 */

import { ACTIONS, ANSWERS } from "../harness/probe/answers";
import { REPLY_CHECKS } from "../harness/probe/replies";
import { CONN_ACTIONS, ipPort, REQUESTS } from "../harness/probe/requests";
import type { CutHow } from "../harness/proxy";
import { FAULTS } from "../harness/proxy/phrases";
import type { NodeOptions } from "../harness/targets/target";
import { Vocabulary } from "../harness/vocabulary";
import { MSG_TYPE_NAMES, MsgType, StatusCode, TrySyncReply } from "../harness/wire";

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
  regexp: new RegExp(`k?(?:${MSG_TYPE_NAMES.join("|")})`),
  transformer: (s: string): MsgType => MsgType[`k${s.replace(/^k/, "")}` as keyof typeof MsgType],
});

/** A request that asks for a database's sync: TrySync, DBSync. */
define({
  name: "syncType",
  regexp: /TrySync|DBSync/,
  transformer: (s: string) => (s === "DBSync" ? MsgType.kDBSync : MsgType.kTrySync),
});

/** A response's StatusCode: kOk, kOther, kError. */
define({
  name: "status",
  regexp: /kOk|kOther|kError/,
  transformer: (s: string): StatusCode => StatusCode[s as keyof typeof StatusCode],
});

/** What a TrySync reply must be: "kOk with a session id", or kOk with this reply_code. */
define({
  name: "trySyncOutcome",
  regexp: /kOk with a session id|kOk|kSyncPointBePurged|kSyncPointLarger|kError/,
  transformer: (s: string): [TrySyncReply, boolean] =>
    s === "kOk with a session id"
      ? [TrySyncReply.kOk, true]
      : [TrySyncReply[s as keyof typeof TrySyncReply], false],
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

/** What a probe slave sends (harness/probe/requests.ts): "MetaSync with auth "s3cret"", "TrySync for db0", ... */
define({ name: "request", regexp: REQUESTS.regexp, transformer: (s: string) => REQUESTS.parse(s) });

/** How the probe master answers MetaSync (harness/probe/answers.ts). */
define({ name: "metaSyncAnswer", regexp: ANSWERS.regexp, transformer: (s: string) => ANSWERS.parse(s) });

/** Settings of a node under test: "requirepass "s3cret"", "2 databases and db-instance-num 3", ... */
const NODE_OPTIONS = new Vocabulary<NodeOptions>("settings of a node under test", [
  [/requirepass "([^"]*)"/, ([requirepass]) => ({ requirepass })],
  [/masterauth "([^"]*)"/, ([masterauth]) => ({ masterauth })],
  [/(\d+) databases/, ([n]) => ({ databases: Number(n) })],
  [
    /(\d+) databases and db-instance-num (\d+)/,
    ([n, i]) => ({ databases: Number(n), dbInstanceNum: Number(i) }),
  ],
  [/(\d+) databases and an empty replication-id/, ([n]) => ({ databases: Number(n), replicationId: "" })],
]);
define({
  name: "nodeOptions",
  regexp: NODE_OPTIONS.regexp,
  transformer: (s: string) => NODE_OPTIONS.parse(s),
});

/** Whom the slave under test is told SLAVEOF (PikaWorld.slaveofArgs makes the arguments). */
export type SlaveofTarget =
  | "probe master"
  | "probe master with force"
  | "master under test"
  | "no one"
  | "itself";
const SLAVEOF_TARGETS = new Vocabulary<SlaveofTarget>("a target of SLAVEOF", [
  [/the probe master/, () => "probe master"],
  [/the probe master with force/, () => "probe master with force"],
  [/the master under test/, () => "master under test"],
  [/NO ONE/, () => "no one"],
  [/its own address/, () => "itself"],
]);
define({
  name: "slaveofTarget",
  regexp: SLAVEOF_TARGETS.regexp,
  transformer: (s: string) => SLAVEOF_TARGETS.parse(s),
});

/** What auth a MetaSync must carry: "without auth" (none), "with auth "s3cret"". */
const ANNOUNCED_AUTH = new Vocabulary<string | undefined>("an auth a MetaSync carries", [
  [/without auth/, () => undefined],
  [/with auth "([^"]*)"/, ([auth]) => auth],
]);
define({
  name: "announcedAuth",
  regexp: ANNOUNCED_AUTH.regexp,
  transformer: (s: string) => ANNOUNCED_AUTH.parse(s),
});

/** Which MetaSync reply on a connection: "MetaSync reply" (the first), "second MetaSync reply". */
define({
  name: "metaSyncReply",
  regexp: /(?:second )?MetaSync reply/,
  transformer: (s: string) => (s.startsWith("second") ? 2 : 1),
});

/** A bound on a count: "at most", "exactly". */
export type Bound = "at most" | "exactly";
define({
  name: "bound",
  regexp: /at most|exactly/,
  transformer: (s: string): Bound => (s === "exactly" ? "exactly" : "at most"),
});

/** A fault of the wire proxy (harness/proxy/phrases.ts): "drops the first MetaSync response", ... */
define({ name: "proxyFault", regexp: FAULTS.regexp, transformer: (s: string) => FAULTS.parse(s) });

/** Which slaves INFO on the master must list (PikaWorld.expectedSlaves makes the ip:port list). */
export type SlaveList = { exactly: string[] } | { count: number } | "the slave under test";
const SLAVE_LISTS = new Vocabulary<SlaveList>("a list of slaves on the master", [
  [
    new RegExp(`exactly the slaves (${IP_PORT.source}(?:,${IP_PORT.source})*)`),
    ([l]) => ({ exactly: (l ?? "").split(",") }),
  ],
  [/0 connected slaves/, () => ({ exactly: [] })],
  [/all (\d+) slaves/, ([n]) => ({ count: Number(n) })],
  [/exactly the slave under test/, () => "the slave under test"],
]);
define({ name: "slaveList", regexp: SLAVE_LISTS.regexp, transformer: (s: string) => SLAVE_LISTS.parse(s) });

/** How the proxy cuts the replication connections now. */
const PROXY_CUTS = new Vocabulary<CutHow>("a cut of the wire proxy", [
  [/makes the replication connection half-open/, () => "half-open"],
  [/cuts the replication connection with FIN/, () => "fin"],
  [/cuts the replication connection with RST/, () => "rst"],
  [/cuts every replication connection at once/, () => "fin"],
]);
define({ name: "proxyCut", regexp: PROXY_CUTS.regexp, transformer: (s: string) => PROXY_CUTS.parse(s) });

/** What the probe slave does to one of its connections (harness/probe/requests.ts CONN_ACTIONS). */
define({
  name: "connAction",
  regexp: CONN_ACTIONS.regexp,
  transformer: (s: string) => CONN_ACTIONS.parse(s),
});

/** Something the probe master does (harness/probe/answers.ts ACTIONS): "refuses connections on P", ... */
define({ name: "masterAction", regexp: ACTIONS.regexp, transformer: (s: string) => ACTIONS.parse(s) });

/** A check of a MetaSync reply (harness/probe/replies.ts REPLY_CHECKS). */
define({
  name: "replyCheck",
  regexp: REPLY_CHECKS.regexp,
  transformer: (s: string) => REPLY_CHECKS.parse(s),
});

/** How many MetaSync the probe master must receive: "MetaSync" or "a new MetaSync" (one), "3 MetaSync". */
define({
  name: "metaSyncCount",
  regexp: /(?:a new )?MetaSync|\d+ MetaSync/,
  transformer: (s: string) => (/^\d/.test(s) ? Number.parseInt(s, 10) : 1),
});

/** No MetaSync since the last action ("no MetaSync"), or none more than now ("no further MetaSync"). */
define({
  name: "noMetaSync",
  regexp: /no (?:further )?MetaSync/,
  transformer: (s: string): "since the mark" | "now" => (s.includes("further") ? "now" : "since the mark"),
});

/** How a key gets its TTL on the master (harness/data.ts writeWithTtl): "SET EX", or SET then "EXPIRE". */
define({ name: "ttlHow", regexp: /SET EX|EXPIRE/, transformer: (s: string) => s as "SET EX" | "EXPIRE" });
