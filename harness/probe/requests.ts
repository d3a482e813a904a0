/**
 * What a probe slave can be told to send, in the spec's own words, as one closed vocabulary:
 * `MetaSync`, `MetaSync with auth "s3cret"`, `TrySync for db0 at offset 1:0`, `a frame header
 * with length 0`, ... The step "the probe slave sends {request} on connection {conn}" reads one
 * of these phrases (a misspelled one is an undefined step), REQUESTS turns it into a ProbeRequest
 * and sendRequest puts it on the wire.
 */

import { Vocabulary } from "../vocabulary";
import { encodeFrame, MSG_TYPE_NAMES, MsgType, type PNode, rawFrame, rawTypeBody, req } from "../wire";
import type { ProbeConnection, ProbeSlave } from "./slave";

export type ProbeRequest =
  /** auth: the probe's own (undefined), none (null), or the one given; as: another ip:port. */
  | { kind: "metaSync"; auth?: string | null; as?: PNode }
  | { kind: "metaSyncWithoutNode" }
  | { kind: "trySync"; db: string; offset?: { filenum: number; offset: number } }
  | { kind: "dbSync"; db: string }
  | { kind: "removeSlaveNode"; db: string }
  | { kind: "typeOnly"; type: MsgType }
  | { kind: "malformedBody" }
  | { kind: "header"; length: number }
  | { kind: "unknownType"; type: number };

const MSG_TYPE = `k(?:${MSG_TYPE_NAMES.join("|")})`;
const IP_PORT = /(?:\d{1,3}(?:\.\d{1,3}){3})?:\d{1,5}/.source;

/** The phrases; the captures are their values. */
export const REQUESTS = new Vocabulary<ProbeRequest>("a request a probe slave can send", [
  [/MetaSync/, () => ({ kind: "metaSync" })],
  [/MetaSync with auth "([^"]*)"/, ([auth]) => ({ kind: "metaSync", auth })],
  [/MetaSync without auth/, () => ({ kind: "metaSync", auth: null })],
  [new RegExp(`MetaSync as (${IP_PORT})`), ([node]) => ({ kind: "metaSync", as: ipPort(node ?? "") })],
  [/a MetaSync without a node/, () => ({ kind: "metaSyncWithoutNode" })],
  [/TrySync for (db\d)/, ([db]) => ({ kind: "trySync", db: db ?? "" })],
  [
    /TrySync for (db\d) at offset (\d+):(\d+)/,
    ([db, f, o]) => ({ kind: "trySync", db: db ?? "", offset: { filenum: Number(f), offset: Number(o) } }),
  ],
  [/DBSync for (db\d)/, ([db]) => ({ kind: "dbSync", db: db ?? "" })],
  [/RemoveSlaveNode for (db\d)/, ([db]) => ({ kind: "removeSlaveNode", db: db ?? "" })],
  [
    new RegExp(`a type-only (${MSG_TYPE}) request`),
    ([t]) => ({ kind: "typeOnly", type: MsgType[t as keyof typeof MsgType] }),
  ],
  [/a frame with a malformed body/, () => ({ kind: "malformedBody" })],
  [/a frame header with length (\d+)/, ([n]) => ({ kind: "header", length: Number(n) })],
  [/a request of type (\d+)/, ([n]) => ({ kind: "unknownType", type: Number(n) })],
]);

/** Sends `r` on `c` as `probe` announces itself; malformed frames go as raw bytes. */
export function sendRequest(probe: ProbeSlave, c: ProbeConnection, r: ProbeRequest): void {
  if (r.kind === "malformedBody")
    c.sendRaw(
      rawFrame(6, Buffer.from("ffffffffffff", "hex")),
      "frame with a malformed body (6 bytes of 0xff)",
    );
  else if (r.kind === "header") c.sendRaw(rawFrame(r.length), `frame header with length ${r.length}`);
  else if (r.kind === "unknownType") c.sendRaw(encodeFrame(rawTypeBody(r.type)), `request of type ${r.type}`);
  else c.send(message(probe, r));
}

/** The message a well-formed request is. */
function message(
  probe: ProbeSlave,
  r: Exclude<ProbeRequest, { kind: "malformedBody" | "header" | "unknownType" }>,
) {
  const node = probe.node;
  switch (r.kind) {
    case "metaSync":
      return req.metaSync(r.as ?? node, r.auth === null ? undefined : (r.auth ?? probe.auth));
    case "metaSyncWithoutNode":
      return req.typeOnly(MsgType.kMetaSync);
    case "trySync":
      return req.trySync(node, r.db, r.offset ?? probe.startOf(r.db));
    case "dbSync":
      return req.dbSync(node, r.db);
    case "removeSlaveNode":
      return req.removeSlaveNode(node, r.db);
    case "typeOnly":
      return req.typeOnly(r.type);
  }
}

/** "127.0.0.1:40000" (or ":40000", an empty ip) → { ip, port }. */
export function ipPort(s: string): PNode {
  const i = s.lastIndexOf(":");
  return { ip: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/** What a probe slave does to one of its connections: "closes connection A", ... */
export type ConnAction = (c: ProbeConnection) => void;
export const CONN_ACTIONS = new Vocabulary<ConnAction>("what a probe slave does to a connection", [
  [/closes connection/, () => (c) => c.close()],
  [/resets connection/, () => (c) => c.reset()],
  [
    /stops answering pings on connection/,
    () => (c) => {
      c.autoAck = false;
    },
  ],
]);
