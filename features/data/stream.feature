Feature: Writes reach the slave, each exactly once
  A replication link is there for the data. What Pika users lose comes after the handshake:
  slaves that report master_link_status:up while they are behind or empty (#2742, #2433), a
  TrySync resent after a timeout that resumes at a wrong offset (#2655, #2659). These scenarios
  judge only what a client sees, writes on the master's port and reads on the slave's, so they
  hold any implementation to the same account. Each write is a sequence key, an INCR of one
  counter and an RPUSH of its number to one list: a write lost and a write applied twice both
  show (Pika logs INCR as the value it reached, so the list is what shows a write applied twice).
  Each scenario's keys carry a prefix of its own, and on running nodes (PIKA_TARGET=external) the
  comparison of master and slave looks at those keys only, so these scenarios run there too.
  DS-POS-01 compares whole positions, which running nodes share as long as no scenario left the
  slave's binlog apart from the master's; DS-LOST-01 can do that on real Pika when it fails, so
  it needs nodes with no history (@fresh-node).

  Rule: DS-STREAM: A write the master acknowledged while the link is up MUST be readable on the slave within 1 s
    Protocol: R41.

    @DS-STREAM-01 @must @pair
    Scenario: Writes on a linked master appear on the slave
      Given a master and a slave under test linked through a wire proxy
      When 500 writes are made on the master
      Then within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master

  Rule: DS-POS: Once the slave holds every write, its binlog position for each database MUST equal its master's, so that its acks name the master's chips
    Protocol: R34. The slave acks with its own position after appending (docs/PROTOCOL.md §5.3,
    §5.4), so a master computing other end offsets, or a slave appending an item twice, breaks
    the stream; INFO replication shows both positions (`db0:binlog_offset=0 700`).

    @DS-POS-01 @must @pair
    Scenario: The positions agree after a stream of writes
      Given a master and a slave under test linked through a wire proxy
      When 500 writes are made on the master
      Then within 1 s the slave under test holds each write exactly once
      And within 1 s INFO on the slave shows the master's binlog_offset for db0

  Rule: DS-DOWN: Writes the master acknowledged while the link was down MUST all be on the slave within 1 s of the link being up again, none applied twice
    Protocol: R42, R27, R14.

    @DS-DOWN-01 @must @pair
    Scenario: Writes while the replication connection is cut
      Given a master and a slave under test linked through a wire proxy
      And 100 writes are made on the master
      When the proxy cuts the replication connection with RST
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master

    @DS-DOWN-02 @must @pair
    Scenario: Writes while the replication connection is half-open (#2291)
      Given a master and a slave under test linked through a wire proxy
      And 100 writes are made on the master
      When the proxy makes the replication connection half-open
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master

    @DS-DOWN-03 @must @pair
    Scenario: Writes while the TrySync reply is delayed by 12 s (#2655)
      A slave that gives up on the reply after 10 s and sends TrySync again gets two answers
      and two sessions; the one it keeps must resume at its own offset.
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And 100 writes are made on the master
      And the proxy delays the first TrySync response by 12 s
      When the slave under test is told SLAVEOF the master through the proxy
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master

  Rule: DS-LOST: After a BinlogSync response is lost on the wire, every write the master acknowledged MUST be on the slave, none twice, within 20 s of the loss
    Protocol: R42, R34. Each response carries the binlog offset of its first item, so a slave can
    tell that what it got does not continue its own binlog; the budget is the re-handshake's. The
    proxy keeps the connection open and drops one frame, as a broken middlebox would.

    @DS-LOST-01 @must @pair @fresh-node
    Scenario: A BinlogSync response carrying writes is lost
      Given a master and a slave under test linked through a wire proxy
      And 100 writes are made on the master
      And within 1 s the slave under test holds each write exactly once
      And the proxy drops the first BinlogSync response carrying writes
      When 100 writes are made on the master
      Then within 20 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master
