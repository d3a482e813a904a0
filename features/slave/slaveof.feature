Feature: SLAVEOF on the slave
  SLAVEOF is how operators and sentinels start and stop replication. Its replies are part of the
  contract tools depend on (#2170, #1563), and SLAVEOF NO ONE must really let go of the master,
  or the master keeps a stale registration that blocks the next SLAVEOF (#2291).

  Rule: SL-OF: SLAVEOF NO ONE MUST close the replication connection within 5 s, and SLAVEOF MUST refuse the node's own address and a node that has slaves, with Pika's errors
    Protocol: R37, R38.

    @SL-OF-01 @must @slave
    Scenario: SLAVEOF NO ONE closes the replication connection
      Given a slave under test
      And a probe master
      And the slave under test is linked to the probe master
      When the slave under test is told SLAVEOF NO ONE
      Then the slave closes its replication connection within 5 s
      And within 1 s INFO on the slave shows role:master

    @SL-OF-02 @must @slave
    Scenario: SLAVEOF the node's own address
      Given a slave under test
      When the slave under test is told SLAVEOF its own address
      Then SLAVEOF is answered "ERR The master ip:port and the slave ip:port are the same"

    @SL-OF-03 @must @slave
    Scenario: SLAVEOF on a node that has slaves
      Given a slave under test
      And a probe master
      And a probe slave of the slave under test, registered on connection A
      When the slave under test is told SLAVEOF the probe master
      Then SLAVEOF is answered "ERR already master of others, invalid usage"
      And the probe master receives no MetaSync during 5 s
