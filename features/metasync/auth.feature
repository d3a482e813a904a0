Feature: MetaSync authentication
  A master with requirepass set must only register slaves that send the same password in
  MetaSync's auth field (a Pika slave sends its masterauth). A refused slave must not appear in
  INFO or receive anything; it may try again on the same connection.

  Rule: MS-AUTH: When requirepass is set, a master MUST answer a MetaSync whose auth differs with kError "Auth with master error, Invalid masterauth" and register nothing; with no requirepass it MUST accept any auth
    Protocol: R9, R10.

    @MS-AUTH-01 @must @master
    Scenario: Wrong auth is refused, then the right auth succeeds on the same connection
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync with auth "wrong" on connection A
      Then connection A receives a MetaSync reply kError within 1 s
      And the MetaSync reply on connection A has the reply text "Auth with master error, Invalid masterauth"
      And within 1 s INFO on the master lists 0 connected slaves
      When the probe slave sends MetaSync with auth "s3cret" on connection A
      Then connection A receives a second MetaSync reply kOk within 1 s
      And within 1 s INFO on the master lists exactly the slaves 127.0.0.1:40000

    @MS-AUTH-02 @must @master
    Scenario: Missing auth is refused
      Given a master under test with requirepass "s3cret"
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync without auth on connection A
      Then connection A receives a MetaSync reply kError within 1 s
      And within 1 s INFO on the master lists 0 connected slaves

    @MS-AUTH-03 @must @master
    Scenario: Without requirepass any auth is accepted
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends MetaSync with auth "anything" on connection A
      Then connection A receives a MetaSync reply kOk within 1 s
