Feature: With requirepass set, the data goes only to a slave that gave the password
  requirepass guards a master's data; the replication port must not be a way around it. Pika
  checks the password in MetaSync only and serves TrySync and BinlogSync on any connection, so
  anyone who reaches P+2000 can read every write without the password (Pika #3270, reported
  against 3.5.7 in 2026; SY-REG shows the kOk and the session, this feature the data that
  follows them). The full-sync port P+10001 is another way: Pika's rsync server has no notion
  of a password and hands the last dump (of a BGSAVE or a full sync) to any client that asks.

  Rule: DS-AUTH: A master with requirepass set MUST send none of its writes to a connection that has not passed MetaSync authentication, nor to a slave without its password
    Protocol: R11, R36.

    @DS-AUTH-01 @must @master @fresh-node
    Scenario: The writes of a master with requirepass, asked for by TrySync without the password
      Given a master under test with requirepass "s3cret"
      And 20 writes are made on the master
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends TrySync for db0 on connection A
      And the probe slave starts the binlog session with session 0 for db0 on connection A
      Then connection A receives none of the master's writes during 5 s

    @DS-AUTH-02 @must @master @fresh-node
    Scenario: The writes of a master with requirepass, asked for after a MetaSync with the wrong password
      Given a master under test with requirepass "s3cret"
      And 20 writes are made on the master
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync with auth "wrong" on connection A
      And the probe slave sends TrySync for db0 on connection A
      And the probe slave starts the binlog session with session 0 for db0 on connection A
      Then connection A receives none of the master's writes during 5 s

    @DS-AUTH-03 @must @pair
    Scenario: A slave without masterauth
      Given a master under test with requirepass "s3cret" and a slave under test without masterauth, with a wire proxy in front of the master
      When the slave under test is told SLAVEOF the master through the proxy
      And 20 writes are made on the master
      Then during 5 s the slave under test holds none of the writes
      And within 1 s INFO on the master lists 0 connected slaves

    @DS-AUTH-04 @must @master
    Scenario: The snapshot of a master with requirepass, asked for on P+10001 without the password
      Given a master under test with requirepass "s3cret"
      And 20 writes are made on the master
      And the master has saved a snapshot of db0 with BGSAVE
      When a client that never authenticated asks the master's P+10001 for the snapshot of db0, kRsyncMeta then kRsyncFile, waiting 1 s for each answer
      Then the client receives neither a file list nor file bytes
