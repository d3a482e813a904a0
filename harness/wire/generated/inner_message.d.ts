// Generated from fixtures/proto/inner_message.proto by harness/wire/typegen.ts (npm run proto:types): do not edit.
// test/proto-types.test.ts fails when this file is not what the generator makes of the .proto now.
//
// The plain objects harness/wire/proto.ts decodes to and encodes from: a property per field, named
// as protobufjs names it; 64-bit integers as numbers, bytes as Buffers, enums as the kit's
// runtime enums (held to the .proto by test/proto-schema.test.ts); a field that is not required
// is optional, and a repeated one with no elements is absent after decoding.

import type { MsgType, StatusCode, TrySyncReply } from "../proto";

export namespace InnerMessage {
  /** message BinlogOffset */
  export interface BinlogOffset {
    /** required uint32 filenum = 1 */
    filenum: number;
    /** required uint64 offset = 2 */
    offset: number;
    /** optional uint32 term = 3 */
    term?: number;
    /** optional uint64 index = 4 */
    index?: number;
  }

  /** message Node */
  export interface Node {
    /** required string ip = 1 */
    ip: string;
    /** required int32 port = 2 */
    port: number;
  }

  /** message Slot */
  export interface Slot {
    /** required string db_name = 1 */
    dbName: string;
    /** required uint32 slot_id = 2: always 0 on the wire */
    slotId: number;
  }

  /** message DBInfo: Defined by Pika but not sent on the wire. */
  export interface DBInfo {
    /** required string db_name = 1 */
    dbName: string;
    /** required uint32 slot_num = 2 */
    slotNum: number;
    /** repeated uint32 slot_ids = 3 */
    slotIds?: number[];
  }

  /** message PikaMeta */
  export interface PikaMeta {
    /** repeated DBInfo db_infos = 1 */
    dbInfos?: InnerMessage.DBInfo[];
  }

  /** message ConsensusMeta: Used by v3.3.x consensus mode only. */
  export interface ConsensusMeta {
    /** optional uint32 term = 1 */
    term?: number;
    /** optional BinlogOffset log_offset = 2 */
    logOffset?: InnerMessage.BinlogOffset;
    /** optional BinlogOffset commit = 3 */
    commit?: InnerMessage.BinlogOffset;
    /** optional bool reject = 4 */
    reject?: boolean;
    /** repeated BinlogOffset hint = 5 */
    hint?: InnerMessage.BinlogOffset[];
  }

  /** message SlotInfo */
  export interface SlotInfo {
    /** required uint32 slot_id = 1 */
    slotId: number;
    /** required Node master = 2 */
    master: InnerMessage.Node;
    /** repeated Node slaves = 3 */
    slaves?: InnerMessage.Node[];
  }

  /** message InnerRequest */
  export interface InnerRequest {
    /** required Type type = 1 */
    type: MsgType;
    /** optional MetaSync meta_sync = 2 */
    metaSync?: InnerMessage.InnerRequest.MetaSync;
    /** optional TrySync try_sync = 3 */
    trySync?: InnerMessage.InnerRequest.TrySync;
    /** optional DBSync db_sync = 4 */
    dbSync?: InnerMessage.InnerRequest.DBSync;
    /** optional BinlogSync binlog_sync = 5 */
    binlogSync?: InnerMessage.InnerRequest.BinlogSync;
    /** repeated RemoveSlaveNode remove_slave_node = 6 */
    removeSlaveNode?: InnerMessage.InnerRequest.RemoveSlaveNode[];
    /** optional ConsensusMeta consensus_meta = 7 */
    consensusMeta?: InnerMessage.ConsensusMeta;
  }
  export namespace InnerRequest {
    /** message MetaSync */
    export interface MetaSync {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** optional string auth = 2 */
      auth?: string;
    }

    /** message TrySync */
    export interface TrySync {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** required Slot slot = 2 */
      slot: InnerMessage.Slot;
      /** required BinlogOffset binlog_offset = 3 */
      binlogOffset: InnerMessage.BinlogOffset;
    }

    /** message DBSync */
    export interface DBSync {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** required Slot slot = 2 */
      slot: InnerMessage.Slot;
      /** required BinlogOffset binlog_offset = 3 */
      binlogOffset: InnerMessage.BinlogOffset;
    }

    /** message BinlogSync */
    export interface BinlogSync {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** required string db_name = 2 */
      dbName: string;
      /** required uint32 slot_id = 3 */
      slotId: number;
      /** required BinlogOffset ack_range_start = 4 */
      ackRangeStart: InnerMessage.BinlogOffset;
      /** required BinlogOffset ack_range_end = 5 */
      ackRangeEnd: InnerMessage.BinlogOffset;
      /** required int32 session_id = 6 */
      sessionId: number;
      /** required bool first_send = 7 */
      firstSend: boolean;
    }

    /** message RemoveSlaveNode */
    export interface RemoveSlaveNode {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** required Slot slot = 2 */
      slot: InnerMessage.Slot;
    }
  }

  /** message InnerResponse */
  export interface InnerResponse {
    /** required Type type = 1 */
    type: MsgType;
    /** required StatusCode code = 2 */
    code: StatusCode;
    /** optional string reply = 3 */
    reply?: string;
    /** optional MetaSync meta_sync = 4 */
    metaSync?: InnerMessage.InnerResponse.MetaSync;
    /** optional DBSync db_sync = 5 */
    dbSync?: InnerMessage.InnerResponse.DBSync;
    /** optional TrySync try_sync = 6 */
    trySync?: InnerMessage.InnerResponse.TrySync;
    /** repeated BinlogSync binlog_sync = 7 */
    binlogSync?: InnerMessage.InnerResponse.BinlogSync[];
    /** repeated RemoveSlaveNode remove_slave_node = 8 */
    removeSlaveNode?: InnerMessage.InnerResponse.RemoveSlaveNode[];
    /** optional ConsensusMeta consensus_meta = 9 */
    consensusMeta?: InnerMessage.ConsensusMeta;
  }
  export namespace InnerResponse {
    /** message MetaSync */
    export interface MetaSync {
      /** required bool classic_mode = 1 */
      classicMode: boolean;
      /** repeated DBInfo dbs_info = 2 */
      dbsInfo?: InnerMessage.InnerResponse.MetaSync.DBInfo[];
      /** required string run_id = 3 (absent in the 3.3 schema): since v3.5.0 */
      runId?: string;
      /** optional string replication_id = 4 (absent in the 3.3 schema): since v3.5.1 */
      replicationId?: string;
    }
    export namespace MetaSync {
      /** message DBInfo */
      export interface DBInfo {
        /** required string db_name = 1 */
        dbName: string;
        /** required int32 slot_num = 2: int32 here, uint32 in the top-level DBInfo */
        slotNum: number;
        /** required int32 db_instance_num = 3 (absent in the 3.5 and 3.3 schemas): since v4.0.0 */
        dbInstanceNum?: number;
      }
    }

    /** message DBSync */
    export interface DBSync {
      /** required Slot slot = 1 */
      slot: InnerMessage.Slot;
      /** required int32 session_id = 2 */
      sessionId: number;
    }

    /** message TrySync */
    export interface TrySync {
      /** required ReplyCode reply_code = 1 */
      replyCode: TrySyncReply;
      /** required Slot slot = 2 */
      slot: InnerMessage.Slot;
      /** optional BinlogOffset binlog_offset = 3 */
      binlogOffset?: InnerMessage.BinlogOffset;
      /** optional int32 session_id = 4 */
      sessionId?: number;
    }

    /** message BinlogSync */
    export interface BinlogSync {
      /** required Slot slot = 1 */
      slot: InnerMessage.Slot;
      /** required BinlogOffset binlog_offset = 2 */
      binlogOffset: InnerMessage.BinlogOffset;
      /** required bytes binlog = 3 */
      binlog: Buffer;
      /** required int32 session_id = 4 */
      sessionId: number;
    }

    /** message RemoveSlaveNode */
    export interface RemoveSlaveNode {
      /** required Node node = 1 */
      node: InnerMessage.Node;
      /** required Slot slot = 2 */
      slot: InnerMessage.Slot;
    }
  }
}

/** Every message of the schema, by the full name protobufjs looks it up by. */
export interface Messages {
  "InnerMessage.BinlogOffset": InnerMessage.BinlogOffset;
  "InnerMessage.Node": InnerMessage.Node;
  "InnerMessage.Slot": InnerMessage.Slot;
  "InnerMessage.DBInfo": InnerMessage.DBInfo;
  "InnerMessage.PikaMeta": InnerMessage.PikaMeta;
  "InnerMessage.ConsensusMeta": InnerMessage.ConsensusMeta;
  "InnerMessage.SlotInfo": InnerMessage.SlotInfo;
  "InnerMessage.InnerRequest": InnerMessage.InnerRequest;
  "InnerMessage.InnerRequest.MetaSync": InnerMessage.InnerRequest.MetaSync;
  "InnerMessage.InnerRequest.TrySync": InnerMessage.InnerRequest.TrySync;
  "InnerMessage.InnerRequest.DBSync": InnerMessage.InnerRequest.DBSync;
  "InnerMessage.InnerRequest.BinlogSync": InnerMessage.InnerRequest.BinlogSync;
  "InnerMessage.InnerRequest.RemoveSlaveNode": InnerMessage.InnerRequest.RemoveSlaveNode;
  "InnerMessage.InnerResponse": InnerMessage.InnerResponse;
  "InnerMessage.InnerResponse.MetaSync": InnerMessage.InnerResponse.MetaSync;
  "InnerMessage.InnerResponse.MetaSync.DBInfo": InnerMessage.InnerResponse.MetaSync.DBInfo;
  "InnerMessage.InnerResponse.DBSync": InnerMessage.InnerResponse.DBSync;
  "InnerMessage.InnerResponse.TrySync": InnerMessage.InnerResponse.TrySync;
  "InnerMessage.InnerResponse.BinlogSync": InnerMessage.InnerResponse.BinlogSync;
  "InnerMessage.InnerResponse.RemoveSlaveNode": InnerMessage.InnerResponse.RemoveSlaveNode;
}
