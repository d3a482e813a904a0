Feature: MetaSync registers a slave with the master
  A Pika slave opens replication with a MetaSync request on the master's port P+2000. The
  reply tells it the master's databases, run_id and replication_id, and the master records the
  slave as a SlaveItem that INFO lists. Every later step of replication (TrySync, DBSync,
  binlog streaming) depends on this first exchange being right.

  Rule: MS-REG: A master MUST answer a first MetaSync with kOk, one dbs_info entry per database, a 40-character run_id and a non-empty replication_id, and MUST list the slave in INFO
    Protocol: R12, R13. A newer slave cannot parse a reply that lacks a required field, and a
    reply without a replication_id leaves the slave retrying for ever (R21).

    @MS-REG-01 @must @master
    Scenario: First MetaSync from a slave is accepted and the slave is listed
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync on connection A
      Then connection A receives a MetaSync reply kOk within 1 s
      And the MetaSync reply on connection A carries one dbs_info entry per database, a 40-character run_id and a non-empty replication_id
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000

    @MS-REG-02 @must @master @fresh-node
    Scenario: The reply describes every configured database
      Given a master under test with 3 databases and db-instance-num 5
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync on connection A
      Then connection A receives a MetaSync reply kOk within 1 s
      And the MetaSync reply on connection A lists the databases db0, db1, db2 with db_instance_num 5

  Rule: MS-NODE: A master MUST refuse a MetaSync that names no slave node, and MUST NOT register it
    Protocol: R8. Pika reads a missing node as ip "" and port 0 and registers a phantom slave
    under the key "", which then blocks every later request without a node.

    @MS-NODE-01 @must @master
    Scenario: A MetaSync with only its type set registers nothing
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends a MetaSync without a node on connection A
      Then connection A receives a MetaSync reply kError within 1 s, or is closed
      And within 1 s INFO on the master lists 0 connected slaves

    @MS-NODE-02 @must @master
    Scenario: A MetaSync with an empty ip registers nothing
      Given a master under test
      And a probe slave announcing :40000
      When the probe slave sends MetaSync on connection A
      Then connection A receives a MetaSync reply kError within 1 s, or is closed
      And within 1 s INFO on the master lists 0 connected slaves

  Rule: MS-GONE: When the connection that holds a SlaveItem closes, the master MUST remove the slave from INFO within 5 s
    Protocol: R29. A slave that is gone but still listed misleads operators and keeps the
    master role of a node that has no slaves.

    @MS-GONE-01 @must @master
    Scenario: The slave closes its connection
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave closes connection A
      Then within 5 s INFO on the master lists 0 connected slaves

    @MS-GONE-02 @must @master
    Scenario: The slave's connection is reset
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave resets connection A
      Then within 5 s INFO on the master lists 0 connected slaves
