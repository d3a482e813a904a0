/**
 * INFO parsing (harness/targets/info.ts) against the layouts of pika-protocol.md §6.2.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseInfo } from "../harness/targets/info";

const REPL_ID = "0f".repeat(25);

/** A master with two slaves (unstable / v4 layout). */
const MASTER_2_SLAVES = [
  "# Replication(MASTER)",
  "role:master",
  `ReplicationID:${REPL_ID}`,
  "connected_slaves:2",
  "slave0:ip=127.0.0.1,port=9231,conn_fd=88,lag=(db0:0)(db1:0)",
  "slave1:ip=10.1.2.3,port=40000,conn_fd=92,lag=(db0:full syncing)(db1:not syncing)",
  "is_eligible_for_master_election:true",
  "db0:binlog_offset=0 394,safety_purge=none",
  "db1:binlog_offset=2 77,safety_purge=write2file1",
  "slave_repl_offset:209715671",
];

/** A slave with one database, link up. */
const SLAVE = [
  "# Replication(SLAVE)",
  "role:slave",
  `ReplicationID:${REPL_ID}`,
  "master_host:127.0.0.1",
  "master_port:9221",
  "master_link_status:up",
  "repl_connect_status:",
  "db0:connected",
  "slave_priority:100",
  "slave_read_only:1",
  "is_eligible_for_master_election:true",
  "db0:binlog_offset=0 394,safety_purge=none",
  "slave_repl_offset:394",
];

/** A node that is both: its link is down, one slave registered. */
const MASTER_AND_SLAVE = [
  "# Replication(Master && SLAVE)",
  "role:master&&slave",
  "ReplicationID:",
  "master_host:192.168.0.9",
  "master_port:9221",
  "master_link_status:down",
  "repl_connect_status:",
  "db0:no_connect",
  "db1:try_to_incr_sync",
  "slave_read_only:1",
  "db_repl_state:(db0:NoConnect)(db1:kTryConnect)",
  "connected_slaves:1",
  "slave0:ip=127.0.0.1,port=9241,conn_fd=101,lag=(db0:not syncing)(db1:not syncing)",
  "is_eligible_for_master_election:false",
  "db0:binlog_offset=0 0,safety_purge=none",
  "db1:binlog_offset=0 0,safety_purge=none",
  "slave_repl_offset:0",
];

/** v3.3.6: `db0 binlog_offset=` with a space, no ReplicationID or later lines. */
const V336_MASTER = [
  "# Replication(MASTER)",
  "role:master",
  "connected_slaves:1",
  "slave0:ip=127.0.0.1,port=9231,conn_fd=77,lag=(db0:0)",
  "db0 binlog_offset=0 394,safety_purge=none",
];

const crlf = (lines: string[]) => `${lines.join("\r\n")}\r\n`;
const lf = (lines: string[]) => `${lines.join("\n")}\n`;

describe("parseInfo", () => {
  for (const [name, join] of [
    ["\\r\\n", crlf],
    ["\\n", lf],
  ] as const) {
    describe(`line endings ${name}`, () => {
      test("a master with two slaves", () => {
        const info = parseInfo(join(MASTER_2_SLAVES));
        assert.equal(info.replicationHeader, "MASTER");
        assert.equal(info.role, "master");
        assert.equal(info.connectedSlaves, 2);
        assert.deepEqual(info.slaves, [
          { ip: "127.0.0.1", port: 9231, connFd: 88, lag: "(db0:0)(db1:0)" },
          { ip: "10.1.2.3", port: 40000, connFd: 92, lag: "(db0:full syncing)(db1:not syncing)" },
        ]);
        assert.equal(info.fields.get("ReplicationID"), REPL_ID);
        assert.equal(info.fields.get("db0"), "binlog_offset=0 394,safety_purge=none");
        assert.equal(info.fields.get("db1"), "binlog_offset=2 77,safety_purge=write2file1");
        assert.deepEqual(
          [...info.binlogOffsets],
          [
            ["db0", "0 394"],
            ["db1", "2 77"],
          ],
        );
        assert.equal(info.fields.get("is_eligible_for_master_election"), "true");
        assert.equal(info.fields.get("slave_repl_offset"), "209715671");
        assert.equal(info.masterLinkStatus, undefined);
        for (const v of info.fields.values()) assert.ok(!v.endsWith("\r"), JSON.stringify(v));
      });

      test("a slave", () => {
        const info = parseInfo(join(SLAVE));
        // db0 has two lines on a slave; the position is the binlog_offset one, not the first.
        assert.equal(info.binlogOffsets.get("db0"), "0 394");
        assert.equal(info.replicationHeader, "SLAVE");
        assert.equal(info.role, "slave");
        assert.equal(info.masterLinkStatus, "up");
        assert.equal(info.connectedSlaves, undefined);
        assert.deepEqual(info.slaves, []);
        assert.equal(info.fields.get("master_host"), "127.0.0.1");
        assert.equal(info.fields.get("master_port"), "9221");
        assert.equal(info.fields.get("repl_connect_status"), "");
        // db0 appears twice; the first line (the connect status) wins.
        assert.equal(info.fields.get("db0"), "connected");
        assert.equal(info.fields.get("slave_read_only"), "1");
      });

      test("a master and slave", () => {
        const info = parseInfo(join(MASTER_AND_SLAVE));
        assert.equal(info.replicationHeader, "Master && SLAVE");
        assert.equal(info.role, "master&&slave");
        assert.equal(info.masterLinkStatus, "down");
        assert.equal(info.connectedSlaves, 1);
        assert.deepEqual(info.slaves, [
          { ip: "127.0.0.1", port: 9241, connFd: 101, lag: "(db0:not syncing)(db1:not syncing)" },
        ]);
        assert.equal(info.fields.get("ReplicationID"), "");
        assert.equal(info.fields.get("db_repl_state"), "(db0:NoConnect)(db1:kTryConnect)");
        assert.equal(info.fields.get("db1"), "try_to_incr_sync");
        assert.equal(info.fields.get("is_eligible_for_master_election"), "false");
      });

      test("the v3.3.6 layout", () => {
        const info = parseInfo(join(V336_MASTER));
        assert.equal(info.role, "master");
        assert.equal(info.connectedSlaves, 1);
        assert.deepEqual(info.slaves, [{ ip: "127.0.0.1", port: 9231, connFd: 77, lag: "(db0:0)" }]);
        assert.equal(info.fields.has("ReplicationID"), false);
        // The `db0 binlog_offset=` line has no `key:` and is no field.
        assert.equal(info.fields.has("db0"), false);
        assert.equal(info.fields.has("db0 binlog_offset=0 394,safety_purge=none"), false);
        // ... but it is the position: DS-POS and DS-DIV read it on v3.3.x to v3.5.2.
        assert.deepEqual([...info.binlogOffsets], [["db0", "0 394"]]);
      });
    });
  }

  test("INFO with several sections: the server section's pika_version is read too", () => {
    const text = `${[
      "# Server",
      "pika_version:4.0.1",
      "pika_git_sha:abc",
      "tcp_port:9221",
      "",
      ...MASTER_2_SLAVES,
    ].join("\r\n")}\r\n`;
    const info = parseInfo(text);
    assert.equal(info.pikaVersion, "4.0.1");
    assert.equal(info.fields.get("tcp_port"), "9221");
    assert.equal(info.role, "master");
    assert.equal(info.slaves.length, 2);
  });

  test("a slave line without conn_fd or lag, as an old or foreign node may print", () => {
    const info = parseInfo("connected_slaves:1\nslave0:ip=10.0.0.1,port=7000\n");
    assert.deepEqual(info.slaves, [{ ip: "10.0.0.1", port: 7000, connFd: undefined, lag: undefined }]);
  });

  test("values keep their own colons (an IPv6 master_host)", () => {
    assert.equal(parseInfo("master_host:::1\r\n").fields.get("master_host"), "::1");
  });

  test("no trailing newline, blank lines and surrounding spaces are tolerated", () => {
    const info = parseInfo("\r\n  # Replication(MASTER)  \r\n\r\nrole:master  \r\nconnected_slaves:0");
    assert.equal(info.replicationHeader, "MASTER");
    assert.equal(info.role, "master");
    assert.equal(info.connectedSlaves, 0);
  });

  test("empty text parses to nothing", () => {
    const info = parseInfo("");
    assert.equal(info.fields.size, 0);
    assert.equal(info.role, undefined);
    assert.equal(info.connectedSlaves, undefined);
    assert.deepEqual(info.slaves, []);
  });
});
