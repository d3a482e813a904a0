Feature: Many slaves losing their master together
  When a master restarts or its network flaps, every slave loses its replication connection at
  the same moment. Pika's slaves all retry on the same fixed 10 s gate, so they come back in
  lockstep and hit the master together. A slave should come back promptly, never hammer the
  master, and not march in step with the others.

  Rule: PR-STORM: Slaves that lose their master at once MUST all be linked again within 20 s, each with at most 2 MetaSync and none two less than 2 s apart, and their attempts SHOULD be spread in time
    Protocol: R25, R27. Budget table: re-handshake after a drop; spread of K slaves.

    @PR-STORM-01 @must @pair @fresh-node
    Scenario: Eight slaves lose their master at once
      Given a master under test and 8 slaves under test linked to it through a wire proxy
      When the proxy cuts every replication connection at once
      Then within 20 s INFO on every slave shows master_link_status:up
      And each slave sent at most 2 MetaSync through the proxy since the fault, none less than 2 s apart
      And within 1 s INFO on the master lists all 8 slaves

    @PR-STORM-02 @should @pair @fresh-node
    Scenario: The eight slaves do not retry in lockstep
      Given a master under test and 8 slaves under test linked to it through a wire proxy
      When the proxy cuts every replication connection at once
      Then within 20 s INFO on every slave shows master_link_status:up
      And at most 6 of the slaves' first MetaSync after the fault fall within any 1 s
