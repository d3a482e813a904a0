Feature: Pairs of two Pika releases
  A deployment being upgraded runs a master and a slave of different releases for a while. Each
  release added a required field to the MetaSync reply (run_id in v3.5.0, db_instance_num in
  v4.0.0), so a slave cannot read the reply of a master of an older release: a v4.0.1 slave of a
  v3.5.5 master fails to parse it and stops for good (docs/PROTOCOL.md §7.3, §11.5). That is a
  refusal the operator can see; a slave that answered it by retrying at once, again and again,
  would load the master and hide the cause. A slave of the older release reads a newer master's
  reply (the field it does not know is skipped) and links. The kit has no Pika 3.5 binary: the
  reference's pika-3.5 profile stands in for v3.5.5, on every target, in the kit's process.

  Rule: PR-VER: A slave that cannot read its master's MetaSync reply MUST NOT retry in a hot loop (it stops, or sends MetaSync at most once every 2 s); a slave of an older release MUST link to a master of a newer one
    Protocol: R40. Budget: 30 s window, at most 16 MetaSync, none less than 2 s apart; link up within 5 s.
    Against a Pika 3.5 build under test the first scenario pairs two 3.5 nodes, which link with
    one MetaSync: it holds there too.

    @PR-VER-01 @must @pair
    Scenario: A Pika 3.5 master and a slave of a newer release
      Given a master of the reference's pika-3.5 profile and a slave under test sharing one replication_id, with a wire proxy in front of the master
      When the slave under test is told SLAVEOF the master through the proxy
      Then during 30 s the slave sends at most 16 MetaSync through the proxy, none less than 2 s apart

    @PR-VER-02 @must @pair
    Scenario: A master under test and a Pika 3.5 slave
      Given a master under test and a slave of the reference's pika-3.5 profile sharing one replication_id, with a wire proxy in front of the master
      When the slave is told SLAVEOF the master through the proxy
      Then within 5 s INFO on every slave shows master_link_status:up
      And within 1 s INFO on the master lists exactly the slave under test
