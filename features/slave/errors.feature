Feature: Terminal handshake errors on the slave
  Some answers mean the slave must not go on: a refused password (kError), a master whose
  databases differ, a master with another replication history. A Pika slave then stops for good
  and only SLAVEOF NO ONE followed by SLAVEOF starts it again; SLAVEOF to the same master
  answers +OK and does nothing (#1178). Where a reply is merely broken, a slave should recover
  by itself (R6, R21).

  Rule: SL-ERR: A slave answered kError, a different database set or a different replication_id MUST stop sending MetaSync and report the link down, and MUST start again after SLAVEOF NO ONE and SLAVEOF
    Protocol: R20, R22, R24. Budget: no MetaSync for 30 s; MetaSync within 2 s of the new SLAVEOF.

    @SL-ERR-01 @must @slave
    Scenario: kError
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kError
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the probe master receives no further MetaSync during 30 s
      And within 1 s INFO on the slave shows master_link_status:down
      When the slave under test is told SLAVEOF NO ONE
      And the slave under test is told SLAVEOF the probe master
      Then the probe master receives a new MetaSync within 2 s

    @SL-ERR-02 @must @slave
    Scenario: The master's databases differ
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kOk listing db0 with db_instance_num 4
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the probe master receives no further MetaSync during 30 s
      And within 1 s INFO on the slave shows master_link_status:down
      When the slave under test is told SLAVEOF NO ONE
      And the slave under test is told SLAVEOF the probe master
      Then the probe master receives a new MetaSync within 2 s

    @SL-ERR-03 @must @slave
    Scenario: The master's replication_id differs
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kOk and another replication_id
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the probe master receives no further MetaSync during 30 s
      And within 1 s INFO on the slave shows master_link_status:down
      When the slave under test is told SLAVEOF NO ONE
      And the slave under test is told SLAVEOF the probe master
      Then the probe master receives a new MetaSync within 2 s

  Rule: SL-SAME: SLAVEOF to the same master SHOULD restart the handshake of a slave that stopped on an error
    Protocol: R37. Pika answers +OK and does nothing, so an operator must know to send
    SLAVEOF NO ONE first (#1178).

    @SL-SAME-01 @should @slave
    Scenario: SLAVEOF the same master after kError
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kError
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives a new MetaSync within 2 s

  Rule: SL-EMPTY: A slave SHOULD treat a kOk without a replication_id as an error, not retry it silently
    Protocol: R21. The master registered the slave on that kOk, so a retry gets kOther for ever.

    @SL-EMPTY-01 @should @slave
    Scenario: kOk with an empty replication_id
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kOk and an empty replication_id
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the probe master receives no further MetaSync during 30 s
      And within 1 s INFO on the slave shows master_link_status:down

  Rule: SL-BAD: A slave that receives an undecodable frame from its master SHOULD reconnect and send MetaSync again within 15 s
    Protocol: R6. Pika goes to its terminal error state and needs an operator.

    @SL-BAD-01 @should @slave
    Scenario: The MetaSync reply is undecodable
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with an undecodable frame, then kOk
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives MetaSync within 2 s
      And the probe master receives a new MetaSync on a new connection within 15 s
