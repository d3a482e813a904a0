Feature: The slave's side of the handshake
  After SLAVEOF, a Pika slave probes the master's port P, sends MetaSync on P+2000, checks the
  reply (databases, replication_id), and then asks for each database: TrySync when it shares
  the master's replication_id, DBSync (a full sync) when it had none or when told `force`.
  Slaves that send the wrong request here either mix histories or force needless full syncs.

  Rule: SL-FIRST: A slave MUST send MetaSync within 2 s of SLAVEOF, announcing its own ip and port, and its masterauth when it has one
    Protocol: R19. The master keys everything on the announced ip:port.

    @SL-FIRST-01 @must @slave
    Scenario: MetaSync follows SLAVEOF at once
      Given a slave under test
      And a probe master
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the MetaSync announces ip 127.0.0.1 and the slave's port, without auth

    @SL-FIRST-02 @must @slave
    Scenario: MetaSync carries the slave's masterauth
      Given a slave under test with masterauth "s3cret"
      And a probe master
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the MetaSync announces ip 127.0.0.1 and the slave's port, with auth "s3cret"

  Rule: SL-SYNC: After a kOk, a slave MUST send one TrySync per database when its replication_id matches the master's, and one DBSync per database when it had none
    Protocol: R22, R27. TrySync continues from the slave's binlog offset; a full sync is only
    needed when the slave has no history with this master.

    @SL-SYNC-01 @must @slave @fresh-node
    Scenario: A slave that shares the master's replication_id asks for TrySync
      Given a slave under test with 2 databases
      And a probe master
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives TrySync for db0, db1 within 2 s, from the announced node at offset 0:0
      And the probe master receives no DBSync
      And within 1 s INFO on the slave shows master_link_status:up

    @SL-SYNC-02 @must @slave @fresh-node
    Scenario: A slave with no replication_id adopts the master's and asks for DBSync
      Given a slave under test with 2 databases and an empty replication-id
      And a probe master
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives DBSync for db0, db1 within 2 s, from the announced node at offset 0:0
      And the probe master receives no TrySync
      And within 1 s INFO on the slave shows the probe master's ReplicationID

  Rule: SL-FORCE: After SLAVEOF host port force, a slave MUST ask for a full sync (DBSync) of every database, even when the replication_ids match
    Protocol: R23. The operator's way out of a diverged slave (#893, #1106).

    @SL-FORCE-01 @must @slave @fresh-node
    Scenario: SLAVEOF with force asks for DBSync
      Given a slave under test with 2 databases
      And a probe master
      When the slave under test is told SLAVEOF the probe master with force
      Then the probe master receives DBSync for db0, db1 within 2 s, from the announced node at offset 0:0
      And the probe master receives no TrySync

  Rule: SL-DROP: A slave that loses its replication connection after the handshake MUST send MetaSync again within 15 s and then TrySync, never a full sync
    Protocol: R27. Budget: MetaSync within 15 s, link up within 20 s (Pika: about 10 to 12 s).

    @SL-DROP-01 @must @slave
    Scenario: The master drops the connection after the handshake
      Given a slave under test
      And a probe master
      And the slave under test is linked to the probe master
      When the probe master drops the replication connection
      Then the probe master receives a new MetaSync within 15 s
      And the probe master receives a new TrySync for db0 within 2 s
      And the probe master receives no DBSync
      And within 20 s INFO on the slave shows master_link_status:up
