Feature: Pairs of two Pika releases
  A deployment being upgraded runs a master and a slave of different releases for a while. Each
  release added a required field to the MetaSync reply (run_id in v3.5.0, db_instance_num in
  v4.0.0), so a slave cannot read the reply of a master of an older release: a v4.0.1 slave of a
  v3.5.5 master fails to parse it and stops for good (docs/PROTOCOL.md §7.3, §11.5). That is a
  refusal the operator can see; a slave that answered it by retrying at once, again and again,
  would load the master and hide the cause. A slave of the older release reads a newer master's
  reply (the field it does not know is skipped) and links, but a new one needs a full sync, and
  the dump it fetches is laid out per storage instance since v4.0.0 where v3.x has one directory
  per data type: a v3.5.5 slave of a v4.0.1 master cannot load it and fetches it again about 100
  times a second, for ever (§11.5). The kit has no Pika 3.5 binary: the reference's pika-3.5
  profile stands in for v3.5.5, on every target, in the kit's process.

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

  Rule: PR-VERFULL: A slave that cannot load the snapshot of its master's release MUST NOT fetch it again in a hot loop (it stops, or asks for a full sync and for the snapshot's file list at most once every 2 s each)
    Protocol: R40. Budget: 30 s window, at most 16 DBSync and 16 file-list requests (RsyncRequest
    kRsyncMeta on P+10001), none less than 2 s after the one of its kind before. A full sync that
    works takes one of each. The master is a 4.0 one: a node of the build under test when that
    is a 4.0 build (the scenario is then a full sync of a new slave), else the reference's
    pika-4.0 profile, whose dump is laid out as v4.0's (its content is the reference's own, which
    a real Pika 3.5 slave cannot load either).

    @PR-VERFULL-01 @must @pair @fresh-node
    Scenario: A new slave of an older release full-syncing from a Pika 4.0 master
      Given a master of Pika 4.0 and a new slave under test (no replication_id), with a wire proxy in front of the master
      And 100 writes are made on the master
      When the slave under test is told SLAVEOF the master through the proxy
      Then during 30 s the slave sends at most 16 DBSync and at most 16 requests for the snapshot's file list through the proxy, each none less than 2 s after the one before
