/**
 * The wire proxy's faults in the spec's words, as one closed vocabulary: `drops the first
 * MetaSync response`, `duplicates the first MetaSync request`, `delays the first TrySync response
 * by 25 s`, `cuts the replication connection at the slave's first TrySync request, which it does
 * not forward`. The step "the proxy {proxyFault}" reads one (a misspelled one is an undefined
 * step); FAULTS turns it into the fault the proxy applies.
 */
import { Vocabulary } from "../vocabulary";
import { MSG_TYPE_NAMES, MsgType } from "../wire";
import type { Fault } from "./faults";

const TYPE = `(${MSG_TYPE_NAMES.join("|")})`;
const type = (name: string | undefined) => MsgType[`k${name}` as keyof typeof MsgType];

export const FAULTS = new Vocabulary<Fault>("a fault of the wire proxy", [
  [
    new RegExp(`drops the first ${TYPE} response`),
    ([t]) => ({ kind: "drop", direction: "toSlave", match: { type: type(t) }, times: 1 }),
  ],
  [
    /drops the first BinlogSync response carrying writes/,
    () => ({
      kind: "drop",
      direction: "toSlave",
      match: { type: MsgType.kBinlogSync, carriesBinlog: true },
      times: 1,
    }),
  ],
  [
    new RegExp(`duplicates the first ${TYPE} request`),
    ([t]) => ({ kind: "duplicate", direction: "toMaster", match: { type: type(t) }, times: 1 }),
  ],
  [
    new RegExp(`delays the first ${TYPE} response by (\\d+(?:\\.\\d+)?) s`),
    ([t, s]) => ({
      kind: "delay",
      direction: "toSlave",
      match: { type: type(t) },
      ms: Number(s) * 1000,
      times: 1,
    }),
  ],
  [
    new RegExp(
      `cuts the replication connection at the slave's first ${TYPE} request, which it does not forward`,
    ),
    ([t]) => ({
      kind: "cut",
      direction: "toMaster",
      match: { type: type(t) },
      how: "fin",
      forward: false,
      times: 1,
    }),
  ],
]);
