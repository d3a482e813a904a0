Feature: Writes survive a node restart, each exactly once
  Operators restart Pika nodes for upgrades and configuration changes; a restarted slave must
  resume from what it holds, and a restarted master must still serve the slave from its binlog.
  A write lost or applied twice here is silent until a client reads it. Each write is a
  sequence key, an INCR of one counter and an RPUSH to one list, as in features/data/stream.feature.

  Rule: DS-RESTART: Writes the master acknowledged before and while a node restarts MUST all be on the slave within 1 s of the link being up again, none applied twice
    Protocol: R42, R27.

    @DS-RESTART-01 @must @pair @restarts
    Scenario: Writes while the slave is restarted
      Pika writes SLAVEOF to pika.conf only at its next config rewrite, so an operator makes the
      master durable with CONFIG REWRITE before restarting a slave.
      Given a master and a slave under test linked through a wire proxy
      And the slave under test has written its configuration with CONFIG REWRITE
      And 100 writes are made on the master
      When the slave under test is restarted
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master

    @DS-RESTART-02 @must @pair @restarts
    Scenario: Writes before and after the master is restarted
      Given a master and a slave under test linked through a wire proxy
      And 100 writes are made on the master
      When the master under test is restarted
      And 100 writes are made on the master
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s the slave under test holds each write exactly once
      And within 1 s the slave under test holds the same keys and values as the master
