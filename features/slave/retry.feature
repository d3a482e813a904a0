Feature: MetaSync retries and their pacing
  A slave that cannot finish MetaSync must keep trying, neither so fast that it floods a master
  that is struggling nor so slowly that replication stays down for minutes. Pika retries every
  10 s (3 s after a refused probe of P), and loops on kOther "Slave AlreadyExist" for up to
  three minutes, or for ever (#2291, #894). Pacing is measured from the frames the probe master
  receives, never from the slave's own logs.

  Rule: SL-OTHER: A slave answered kOther MUST retry MetaSync on the same connection, no sooner than 2 s and no later than 15 s after the previous attempt, and MUST complete the handshake once answered kOk
    Protocol: R15, R25, R26.

    @SL-OTHER-01 @must @slave
    Scenario: Two kOther answers, then kOk
      Given a slave under test
      And a probe master
      And the probe master answers MetaSync with kOther 2 times, then kOk
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives 3 MetaSync within 32 s
      And the MetaSync attempts came on one connection, each 2 s to 15 s after the previous one
      And the probe master receives a new TrySync for db0 within 2 s
      And within 1 s INFO on the slave shows master_link_status:up

  Rule: SL-RETRY: A slave whose master does not answer MetaSync, or refuses its replication port, MUST keep retrying, no sooner than 2 s and no later than 15 s after the previous attempt
    Protocol: R25. Budget: at least 2 attempts in 25 s, none closer than 2 s.

    @SL-RETRY-01 @must @slave
    Scenario: The master never answers MetaSync
      Given a slave under test
      And a probe master
      And the probe master does not answer MetaSync
      When the slave under test is told SLAVEOF the probe master
      Then during 25 s the probe master receives at least 2 MetaSync, each 2 s to 15 s after the previous one

    @SL-RETRY-02 @must @slave
    Scenario: The master's replication port refuses connections
      Given a slave under test
      And a probe master
      And the probe master resets every connection to its replication port
      When the slave under test is told SLAVEOF the probe master
      Then during 25 s the probe master sees at least 2 replication connections, each 2 s to 15 s after the previous one

  Rule: SL-PROBE: A slave MUST NOT send MetaSync while the master's port P refuses connections, and MUST send one within 15 s after P accepts them again
    Protocol: R25. A Pika slave probes P before each attempt (every 3 s while refused).

    @SL-PROBE-01 @must @slave
    Scenario: Port P refuses connections for 20 s
      Given a slave under test
      And a probe master
      And the probe master refuses connections on P
      When the slave under test is told SLAVEOF the probe master
      Then the probe master receives no MetaSync during 20 s
      When the probe master accepts connections on P again
      Then the probe master receives a new MetaSync within 15 s
