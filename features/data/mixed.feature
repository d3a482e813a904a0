Feature: Pairs across implementations stream the same binlog
  The reference node is the kit's own reading of Pika's protocol. Paired with the node under
  test, a reference master with the slave under test and the master under test with a reference
  slave, the two must stream one binlog: every write on either kind of master reaches the other
  kind of slave once, and both ends then stand at the same byte position in every database. A
  slave appends the items it is sent to its own binlog and acks with its own position, so an item
  that either side encodes, frames or counts differently puts the positions apart. Against a real
  Pika build this is the proof that the reference speaks Pika's protocol rather than its own
  reading of it; against the reference it pairs two reference nodes. Each write is a sequence
  key, an INCR of one counter and an RPUSH to one list, as in features/data/stream.feature.
  Full sync is not paired: its messages are Pika's, but the reference's snapshot is its own
  JSON, which a real Pika slave cannot load, as a reference slave cannot load a RocksDB one.

  Rule: DS-MIX: A master and a slave of two implementations MUST stream every write once and end at the same binlog position
    Protocol: R41, R34, R42.

    @DS-MIX-01 @must @pair @fresh-node
    Scenario: A reference master and the slave under test
      Given a master of the reference and a slave under test linked through a wire proxy
      When 500 writes are made on the master
      Then within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master
      And within 1 s INFO on the slave shows the master's binlog_offset for db0

    @DS-MIX-02 @must @pair @fresh-node
    Scenario: The master under test and a reference slave
      Given a master under test and a slave of the reference linked through a wire proxy
      When 500 writes are made on the master
      Then within 1 s the slave holds each write exactly once
      And within 1 s the slave holds the same keys and values as the master
      And within 1 s INFO on the slave shows the master's binlog_offset for db0

    @DS-MIX-03 @must @pair @fresh-node
    Scenario: A reference master and the slave under test across an RST cut
      Given a master of the reference and a slave under test linked through a wire proxy
      And 100 writes are made on the master
      When the proxy cuts the replication connection with RST
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s INFO on the slave shows the master's binlog_offset for db0
