Feature: A repeated MetaSync from a registered slave is idempotent
  When the master still holds a SlaveItem for a slave's ip:port (the slave reconnected after a
  half-open connection, or re-issued SLAVEOF quickly), Pika answers kOther "Slave AlreadyExist"
  and the slave retries every 10 s until the master's 180 s idle timer drops the old
  connection, or for ever if that connection is alive (Pika issue #2291; the fix in PR #2316
  was never merged). A repeated MetaSync is the same request as the first: it must succeed,
  and the registration must follow the connection the slave is using now.

  Rule: MS-DUP: A master MUST answer a MetaSync from an already registered ip:port with kOk, keep exactly one SlaveItem for it, bind it to the newest connection, and close the older connection
    Protocol: R14, R15, R16, R17. Pika #2291.

    @MS-DUP-01 @must @master
    Scenario: The same MetaSync again on the same connection
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends MetaSync on connection A
      Then connection A receives a second MetaSync reply kOk within 1 s
      And the two MetaSync replies on connection A carry the same run_id, replication_id and dbs_info
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000

    @MS-DUP-02 @must @master
    Scenario: The same ip:port on a new connection while the old one is still open
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends MetaSync on connection B
      Then connection B receives a MetaSync reply kOk within 1 s
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000
      And the master closes connection A within 3 s
      When the probe slave closes connection B
      Then within 5 s INFO on the master lists 0 connected slaves

    @MS-DUP-03 @must @master
    Scenario: The same ip:port after the old connection closed
      The master has seen the close before the new MetaSync comes (a MetaSync that overtakes it
      is the case of MS-DUP-02, where the old connection is still open).
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave closes connection A
      Then within 5 s INFO on the master lists 0 connected slaves
      When the probe slave sends MetaSync on connection B
      Then connection B receives a MetaSync reply kOk within 1 s
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000

    @MS-DUP-04 @must @master
    Scenario: Two connections race MetaSync for one ip:port
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync on connections A and B at once
      Then connections A and B each receive a MetaSync reply or are closed within 1 s
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000
      When the probe slave closes the connection that does not hold the registration
      Then after 5 s INFO on the master still lists exactly the slaves 127.0.0.1:40000

    @MS-DUP-05 @must @master
    Scenario: After a second connection re-registers, pings go only to the connection that holds the registration
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave has a synced session for db0 on connection A
      When the probe slave sends MetaSync on connection B
      And the probe slave starts a synced session for db0 on connection B
      Then during 6 s pings for db0 arrive on exactly one connection
      And closing that connection removes the slave from INFO within 5 s

  Rule: MS-RID: A master MUST send one stable replication_id of 50 lowercase hex characters, generated at its first kOk and kept across registrations and restarts
    Protocol: R13. Slaves compare it with their own id to choose between TrySync and a full
    sync; an id that changes forces needless full syncs or refusals (#2905).

    @MS-RID-01 @must @master
    Scenario: Every registration gets the same replication_id
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends MetaSync as 127.0.0.1:40001 on connection B
      Then connection B receives a MetaSync reply kOk within 1 s
      And the replication_id on connection A is 50 lowercase hex characters
      And connections A and B received the same replication_id

    @MS-RID-02 @must @master @restarts
    Scenario: The replication_id survives a restart of the master
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the master is restarted
      And the probe slave sends MetaSync on connection B
      Then connection B receives a MetaSync reply kOk within 1 s
      And connections A and B received the same replication_id
