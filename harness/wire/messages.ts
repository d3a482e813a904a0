import * as protobuf from "protobufjs";

/**
 * Builders for every request and response of the replication protocol, and a one-line summary
 * of any message for traces and error reports (secrets redacted).
 */
import {
  type BinlogChip,
  type BinlogOffset,
  type DbInfo,
  type InnerRequest,
  type InnerResponse,
  MsgType,
  type PNode,
  StatusCode,
  TrySyncReply,
} from "./proto";

/** The body of a request with only field 1 (type) set to any number, valid or not. */
export function rawTypeBody(type: number): Buffer {
  return Buffer.from(protobuf.Writer.create().uint32(8).uint32(type).finish());
}

export const ZERO_OFFSET: BinlogOffset = { filenum: 0, offset: 0 };
const slot = (dbName: string) => ({ dbName, slotId: 0 });

export const req = {
  metaSync: (node: PNode, auth?: string): InnerRequest => ({
    type: MsgType.kMetaSync,
    metaSync: auth === undefined ? { node } : { node, auth },
  }),
  trySync: (node: PNode, dbName: string, binlogOffset: BinlogOffset = ZERO_OFFSET): InnerRequest => ({
    type: MsgType.kTrySync,
    trySync: { node, slot: slot(dbName), binlogOffset },
  }),
  dbSync: (node: PNode, dbName: string, binlogOffset: BinlogOffset = ZERO_OFFSET): InnerRequest => ({
    type: MsgType.kDBSync,
    dbSync: { node, slot: slot(dbName), binlogOffset },
  }),
  binlogSync: (
    node: PNode,
    dbName: string,
    sessionId: number,
    firstSend: boolean,
    ackRangeStart: BinlogOffset = { filenum: 0, offset: 0, term: 0, index: 0 },
    ackRangeEnd: BinlogOffset = ackRangeStart,
  ): InnerRequest => ({
    type: MsgType.kBinlogSync,
    binlogSync: { node, dbName, slotId: 0, ackRangeStart, ackRangeEnd, sessionId, firstSend },
  }),
  removeSlaveNode: (node: PNode, dbName: string): InnerRequest => ({
    type: MsgType.kRemoveSlaveNode,
    removeSlaveNode: [{ node, slot: slot(dbName) }],
  }),
  /** A request with only its type set (valid on the wire: every sub-message is optional). */
  typeOnly: (type: MsgType): InnerRequest => ({ type }),
};

export const res = {
  metaSyncOk: (
    dbsInfo: DbInfo[],
    runId: string,
    replicationId?: string,
    classicMode = true,
  ): InnerResponse => ({
    type: MsgType.kMetaSync,
    code: StatusCode.kOk,
    metaSync:
      replicationId === undefined
        ? { classicMode, dbsInfo, runId }
        : { classicMode, dbsInfo, runId, replicationId },
  }),
  status: (type: MsgType, code: StatusCode, reply?: string): InnerResponse =>
    reply === undefined ? { type, code } : { type, code, reply },
  trySync: (
    dbName: string,
    replyCode: TrySyncReply,
    binlogOffset?: BinlogOffset,
    sessionId?: number,
    code = StatusCode.kOk,
    reply?: string,
  ): InnerResponse => ({
    type: MsgType.kTrySync,
    code,
    ...(reply === undefined ? {} : { reply }),
    trySync: {
      replyCode,
      slot: slot(dbName),
      ...(binlogOffset === undefined ? {} : { binlogOffset }),
      ...(sessionId === undefined ? {} : { sessionId }),
    },
  }),
  dbSync: (dbName: string, sessionId: number, code = StatusCode.kOk): InnerResponse => ({
    type: MsgType.kDBSync,
    code,
    dbSync: { slot: slot(dbName), sessionId },
  }),
  binlogSync: (chips: BinlogChip[]): InnerResponse => ({
    type: MsgType.kBinlogSync,
    code: StatusCode.kOk,
    binlogSync: chips,
  }),
  /** The master's keepalive: one chip with an empty binlog and an all-zero offset. */
  ping: (dbName: string, sessionId: number): InnerResponse =>
    res.binlogSync([
      {
        slot: slot(dbName),
        binlogOffset: { filenum: 0, offset: 0, term: 0, index: 0 },
        binlog: Buffer.alloc(0),
        sessionId,
      },
    ]),
  removeSlaveNode: (master: PNode, dbName: string): InnerResponse => ({
    type: MsgType.kRemoveSlaveNode,
    code: StatusCode.kOk,
    removeSlaveNode: [{ node: master, slot: slot(dbName) }],
  }),
};

/** True for a BinlogSync response whose chips all have an empty binlog (Pika's keepalive). */
export function isPing(m: InnerResponse): boolean {
  return (
    m.type === MsgType.kBinlogSync &&
    (m.binlogSync?.length ?? 0) > 0 &&
    (m.binlogSync ?? []).every((c) => (c.binlog?.length ?? 0) === 0)
  );
}

const node = (n?: PNode) => (n ? `${n.ip}:${n.port}` : "-");
const off = (o?: BinlogOffset) => (o ? `${o.filenum}:${o.offset}` : "-");

/** One line describing a message, for traces and error reports. MetaSync auth is redacted. */
export function summarize(m: InnerRequest | InnerResponse): string {
  const type = MsgType[m.type] ?? `type=${m.type}`;
  if ("code" in m) {
    const code = StatusCode[m.code] ?? `code=${m.code}`;
    const reply = m.reply ? ` "${m.reply}"` : "";
    switch (m.type) {
      case MsgType.kMetaSync: {
        const ms = m.metaSync;
        // A 3.5 schema reply has no db_instance_num: the name alone.
        const dbs =
          ms?.dbsInfo
            ?.map((d) => (d.dbInstanceNum === undefined ? d.dbName : `${d.dbName}/${d.dbInstanceNum}`))
            .join(",") ?? "";
        return ms
          ? `${type} ${code}${reply} dbs=[${dbs}] run_id=${ms.runId === undefined ? "-" : `${ms.runId.slice(0, 8)}…`} repl_id=${ms.replicationId ?? "-"}`
          : `${type} ${code}${reply}`;
      }
      case MsgType.kTrySync: {
        const t = m.trySync;
        return `${type} ${code}${reply} ${t?.slot.dbName ?? "-"} ${t ? TrySyncReply[t.replyCode] : "-"} offset=${off(t?.binlogOffset)} session=${t?.sessionId ?? "-"}`;
      }
      case MsgType.kDBSync:
        return `${type} ${code}${reply} ${m.dbSync?.slot.dbName ?? "-"} session=${m.dbSync?.sessionId ?? "-"}`;
      case MsgType.kBinlogSync: {
        const chips = m.binlogSync ?? [];
        if (isPing(m)) return `${type} ping ${chips.map((c) => `${c.slot.dbName}#${c.sessionId}`).join(",")}`;
        return `${type} ${code} ${chips.length} chip(s) up to ${off(chips.at(-1)?.binlogOffset)}`;
      }
      default:
        return `${type} ${code}${reply}`;
    }
  }
  switch (m.type) {
    case MsgType.kMetaSync:
      return m.metaSync
        ? `${type} node=${node(m.metaSync.node)} auth=${m.metaSync.auth === undefined ? "none" : "<redacted>"}`
        : `${type} (no meta_sync)`;
    case MsgType.kTrySync:
      return `${type} node=${node(m.trySync?.node)} ${m.trySync?.slot.dbName ?? "-"} offset=${off(m.trySync?.binlogOffset)}`;
    case MsgType.kDBSync:
      return `${type} node=${node(m.dbSync?.node)} ${m.dbSync?.slot.dbName ?? "-"} offset=${off(m.dbSync?.binlogOffset)}`;
    case MsgType.kBinlogSync: {
      const b = m.binlogSync;
      return b
        ? `${type} ${b.dbName} session=${b.sessionId} first_send=${b.firstSend} ack=${off(b.ackRangeStart)}..${off(b.ackRangeEnd)}`
        : `${type} (no binlog_sync)`;
    }
    case MsgType.kRemoveSlaveNode:
      return `${type} ${(m.removeSlaveNode ?? []).map((r) => `${node(r.node)}/${r.slot.dbName}`).join(",")}`;
    default:
      return type;
  }
}
