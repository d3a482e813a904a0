Feature: A full sync gives a new slave the master's data, every write once
  A slave that cannot continue from a binlog position, a new node with no replication_id or one
  whose position the master has purged, is sent a snapshot (DBSync, then the transfer on P+10001)
  and continues with TrySync from the snapshot's position. Pika's users lose data here: slaves
  that skip the full sync and report master_link_status:up while empty or behind (#2742, #2433),
  binlog purged between the snapshot and the transfer (#2795). Writes go on during the transfer,
  as they do in production; each write is a sequence key, an INCR of one counter and an RPUSH to
  one list, as in features/data/stream.feature, so a write lost and one applied twice both show.

  Rule: DS-FULL: A slave given a full sync MUST end with the master's keys and values, every write made before and during the sync once, within 1 s of reporting its link up
    Protocol: R41, R42.

    @DS-FULL-01 @must @pair @fresh-node
    Scenario: A new slave of a master that holds data, written to during the sync
      Given a master under test and 1 new slave under test (no replication_id), with a wire proxy in front of the master
      And 300 writes are made on the master
      When the slave is told SLAVEOF the master through the proxy
      And 100 writes are made on the master
      Then within 30 s INFO on the slave shows master_link_status:up
      And within 1 s the slave holds each write exactly once
      And within 1 s the slave holds the same keys and values as the master

    @DS-FULL-02 @must @pair @fresh-node
    Scenario: Two new slaves full-syncing at once (#2742)
      Given a master under test and 2 new slaves under test (no replication_id), with a wire proxy in front of the master
      And 300 writes are made on the master
      When the slaves are told SLAVEOF the master through the proxy
      And 100 writes are made on the master
      Then within 30 s INFO on every slave shows master_link_status:up
      And within 1 s every slave holds each write exactly once
      And within 1 s every slave holds the same keys and values as the master

    @DS-FULL-03 @must @pair @fresh-node
    Scenario: A slave whose binlog position the master has purged (#2795, #2433)
      Given a master and a slave under test linked through a wire proxy, with binlog files of 1024 bytes
      And 50 writes are made on the master
      When the slave under test is told SLAVEOF NO ONE
      Then within 5 s INFO on the master lists 0 connected slaves
      When 300 writes are made on the master
      And the master purges its binlog files before the current one of db0
      And the slave under test is told SLAVEOF the master through the proxy
      And 100 writes are made on the master
      Then within 30 s INFO on the slave shows master_link_status:up
      And within 1 s the slave holds each write exactly once
      And within 1 s the slave holds the same keys and values as the master

    @DS-FULL-04 @must @pair @fresh-node
    Scenario: Eight new slaves full-syncing at once (#2742)
      Given a master under test and 8 new slaves under test (no replication_id), with a wire proxy in front of the master
      And 300 writes are made on the master
      When the slaves are told SLAVEOF the master through the proxy
      And 100 writes are made on the master
      Then within 60 s INFO on every slave shows master_link_status:up
      And within 1 s every slave holds each write exactly once
      And within 1 s every slave holds the same keys and values as the master
