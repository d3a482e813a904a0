Feature: A master and a slave under test, linked
  Two nodes of the system under test, seeded with one replication_id so that they continue with
  TrySync. What an operator sees in INFO on both sides must follow SLAVEOF promptly, including
  the quick re-SLAVEOF after SLAVEOF NO ONE that leaves Pika answering kOther for a while
  (docs/PROTOCOL.md §4.5).

  Rule: PR-LINK: A slave told SLAVEOF a master MUST bring the link up within 5 s, SLAVEOF NO ONE MUST remove it from the master's INFO within 5 s, and SLAVEOF again right after MUST bring the link up within 20 s with exactly one slave on the master
    Protocol: R14, R29, R38.

    @PR-LINK-01 @must @pair
    Scenario: SLAVEOF, SLAVEOF NO ONE, and SLAVEOF again at once
      Given a master and a slave under test sharing one replication_id
      When the slave under test is told SLAVEOF the master under test
      Then within 5 s INFO on the slave shows master_link_status:up
      And within 5 s INFO on the master lists exactly the slave under test
      When the slave under test is told SLAVEOF NO ONE
      Then within 5 s INFO on the master lists 0 connected slaves
      When the slave under test is told SLAVEOF the master under test
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test
