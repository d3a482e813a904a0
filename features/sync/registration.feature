Feature: TrySync, DBSync and BinlogSync need a registered slave
  Pika serves TrySync, DBSync and BinlogSync on any connection, also one that never passed
  MetaSync, so with requirepass set anyone who can reach P+2000 can stream the binlog without
  the password (observed on Pika unstable, docs/PROTOCOL.md §11.4). Such a slave is not even
  counted in INFO.

  Rule: SY-REG: A master with requirepass set MUST refuse TrySync, DBSync and BinlogSync on a connection that has not passed MetaSync authentication, and MUST send it no pings or binlog
    Protocol: R11, R36.

    @SY-REG-01 @must @master
    Scenario: TrySync without MetaSync
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends TrySync for db0 on connection A
      Then the TrySync reply on connection A is a refusal within 1 s, or connection A is closed
      When the probe slave starts the binlog session with session 0 for db0 on connection A
      Then connection A receives no ping and no binlog during 5 s

    @SY-REG-02 @must @master
    Scenario: TrySync after a MetaSync with the wrong auth
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync with auth "wrong" on connection A
      And the probe slave sends TrySync for db0 on connection A
      Then the TrySync reply on connection A is a refusal within 1 s, or connection A is closed
      When the probe slave starts the binlog session with session 0 for db0 on connection A
      Then connection A receives no ping and no binlog during 5 s

    @SY-REG-03 @must @master
    Scenario: DBSync without MetaSync
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends DBSync for db0 on connection A
      Then the DBSync reply on connection A is a refusal within 1 s, or connection A is closed
      And connection A receives no ping and no binlog during 5 s

    @SY-REG-04 @must @master
    Scenario: BinlogSync without MetaSync
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave starts the binlog session with session 0 for db0 on connection A
      Then connection A receives no ping and no binlog during 5 s
      And within 1 s INFO on the master lists 0 connected slaves

  Rule: SY-ITEM: A master SHOULD refuse TrySync from an ip:port it holds no SlaveItem for, so that every slave it serves is listed in INFO
    Protocol: R36. Seen on Pika when a cut races its MetaSync kOk: the slave resumes with TrySync
    on a new connection and no MetaSync, and the master serves it while INFO lists 0 connected
    slaves (PR-CUT-03 makes that cut deterministic; this scenario stages what follows).

    @SY-ITEM-01 @should @master
    Scenario: TrySync on a new connection after the registering connection closed
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave closes connection A
      Then within 5 s INFO on the master lists 0 connected slaves
      When the probe slave sends TrySync for db0 on connection B
      Then the TrySync reply on connection B is a refusal within 1 s, or connection B is closed

  Rule: SY-TRY: A master MUST answer TrySync from a registered slave by its offset: kOk with a session id when it can continue, kSyncPointLarger when the slave is ahead, and an error reply for an unknown database
    Protocol: R30.

    @SY-TRY-01 @must @master
    Scenario: TrySync at the master's own offset gets kOk and a session id
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends TrySync for db0 on connection A
      Then the TrySync reply on connection A is kOk with a session id within 1 s

    @SY-TRY-02 @must @master
    Scenario: TrySync from a slave that is ahead of the master
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends TrySync for db0 at offset 7:4096 on connection A
      Then the TrySync reply on connection A is kSyncPointLarger within 1 s

    @SY-TRY-03 @must @master
    Scenario: TrySync for a database the master does not have
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends TrySync for db9 on connection A
      Then the TrySync reply on connection A is a refusal within 1 s, or connection A is closed

  Rule: SY-ANS: A master MUST answer every MetaSync, TrySync, DBSync and RemoveSlaveNode request, or close its connection, and MUST NOT crash, whatever database it names
    Protocol: R32. Pika crashes on DBSync and RemoveSlaveNode for an unknown database (a null
    dereference, docs/PROTOCOL.md §11.4; #2289, #2290).

    @SY-ANS-01 @must @master @destructive
    Scenario: DBSync for an unknown database
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends DBSync for db9 on connection A
      Then the DBSync reply on connection A is a refusal within 1 s, or connection A is closed
      And the master still answers MetaSync from 127.0.0.1:40001 on a new connection

    @SY-ANS-02 @must @master @destructive
    Scenario: RemoveSlaveNode for an unknown database
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends RemoveSlaveNode for db9 on connection A
      Then the RemoveSlaveNode reply on connection A is a refusal within 1 s, or connection A is closed
      And the master still answers MetaSync from 127.0.0.1:40001 on a new connection

    @SY-ANS-03 @must @master @destructive
    Scenario: A DBSync with only its type set
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a type-only kDBSync request on connection A
      Then the DBSync reply on connection A is a refusal within 1 s, or connection A is closed
      And the master still answers MetaSync from 127.0.0.1:40001 on a new connection
