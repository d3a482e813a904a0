Feature: Reconnecting a linked pair through faults on the replication connection
  The replication connection between a real master and a real slave fails in ways a probe
  cannot stage alone: it turns half-open (the slave's side is gone, the master's socket stays),
  it is cut, a frame is lost, delayed or duplicated, a node restarts. Pika issue #2291 is the
  half-open case: the master keeps the old SlaveItem and answers the slave's new MetaSync with
  kOther "Slave AlreadyExist" until its 180 s idle timer drops the old socket; measured on
  Pika, the link was down for 182 s and the slave sent 18 MetaSync (docs/PROTOCOL.md §11.3).
  Every scenario here runs the pair through the kit's wire proxy, which records both directions.

  Rule: PR-HALF: After the replication connection turns half-open, the link MUST be up again within 20 s with at most 2 MetaSync and one SlaveItem, and the new session MUST keep receiving pings
    Protocol: R14, R15, R16, R28. Budget: half-open connection, link up within 20 s of the fault.

    @PR-HALF-01 @must @pair
    Scenario: The half-open reconnect of #2291
      Given a master and a slave under test linked through a wire proxy
      When the proxy makes the replication connection half-open
      Then within 20 s INFO on the slave shows master_link_status:up
      And the slave sent at most 2 MetaSync through the proxy since the fault
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-HALF-02 @must @pair @slow
    Scenario: The new session outlives the master's idle timer of the old connection
      Given a master and a slave under test linked through a wire proxy
      When the proxy makes the replication connection half-open
      Then within 20 s INFO on the slave shows master_link_status:up
      And during 200 s pings reach the slave with no gap over 5 s
      And within 1 s INFO on the master lists exactly the slave under test

  Rule: PR-CUT: When the replication connection is cut, the link MUST be up again within 20 s, with one MetaSync when the cut came after the handshake
    Protocol: R27, R29. Budget: MetaSync within 15 s, link up within 20 s.

    @PR-CUT-01 @must @pair
    Scenario: The connection is closed (FIN)
      Given a master and a slave under test linked through a wire proxy
      When the proxy cuts the replication connection with FIN
      Then within 20 s INFO on the slave shows master_link_status:up
      And the slave sent exactly 1 MetaSync through the proxy since the fault
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-CUT-02 @must @pair
    Scenario: The connection is reset (RST)
      Given a master and a slave under test linked through a wire proxy
      When the proxy cuts the replication connection with RST
      Then within 20 s INFO on the slave shows master_link_status:up
      And the slave sent exactly 1 MetaSync through the proxy since the fault
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-CUT-03 @must @pair
    Scenario: The connection is cut right after the MetaSync kOk
      The cut waits until the slave has acted on the kOk: the proxy swallows the slave's first
      TrySync and cuts in its place, so the master saw nothing after its kOk. (A cut that races
      the kOk itself has two outcomes on Pika; the one where the slave resumes with TrySync on a
      new connection and the master serves it unlisted is SY-ITEM-01.)
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And the proxy cuts the replication connection at the slave's first TrySync request, which it does not forward
      When the slave under test is told SLAVEOF the master through the proxy
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test

  Rule: PR-LOST: A MetaSync reply lost on the wire, or a MetaSync request duplicated, MUST NOT keep the link down: up within 20 s after a lost reply, within 5 s after a duplicated request, with one SlaveItem
    Protocol: R14, R15, R17. Stock Pika answers every retry on the live connection with kOther,
    so it never recovers from a lost MetaSync reply.

    @PR-LOST-01 @must @pair
    Scenario: The first MetaSync reply is lost
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And the proxy drops the first MetaSync response
      When the slave under test is told SLAVEOF the master through the proxy
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-LOST-02 @must @pair
    Scenario: The first MetaSync request arrives twice
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And the proxy duplicates the first MetaSync request
      When the slave under test is told SLAVEOF the master through the proxy
      Then within 5 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test

  Rule: PR-TRY: A slave MUST bring the link up within 30 s when the TrySync reply is delayed by 25 s, and SHOULD when the reply is lost
    Protocol: R31. Pika's slave waits for a TrySync reply with no timeout.

    @PR-TRY-01 @must @pair
    Scenario: The TrySync reply is delayed by 25 s
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And the proxy delays the first TrySync response by 25 s
      When the slave under test is told SLAVEOF the master through the proxy
      Then within 30 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-TRY-02 @should @pair
    Scenario: The TrySync reply is lost
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And the proxy drops the first TrySync response
      When the slave under test is told SLAVEOF the master through the proxy
      Then within 30 s INFO on the slave shows master_link_status:up

  Rule: PR-RESTART: After the master or the slave restarts, the link MUST be up within 20 s of the restarted node's first PONG, with one SlaveItem
    Protocol: R27, R29.

    @PR-RESTART-01 @must @pair @restarts
    Scenario: The master restarts
      Given a master and a slave under test linked through a wire proxy
      When the master under test is restarted
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test

    @PR-RESTART-02 @must @pair @restarts
    Scenario: The slave restarts
      Pika writes SLAVEOF to pika.conf only at its next config rewrite, so an operator makes the
      master durable with CONFIG REWRITE before restarting a slave.
      Given a master and a slave under test linked through a wire proxy
      And the slave under test has written its configuration with CONFIG REWRITE
      When the slave under test is restarted
      Then within 20 s INFO on the slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test
