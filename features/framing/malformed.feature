Feature: Malformed frames on the replication port
  Every frame on P+2000 is a 4-byte big-endian length and one protobuf message. A frame that
  cannot be a valid message (a zero length, a length Pika never accepts, a body that does not
  parse, a type the schema lacks) must cost the sender its connection and nothing else: other
  slaves keep being served and the master stays up.

  Rule: FR-BAD: A master MUST close a connection that sends a malformed frame, without a reply, and MUST keep serving every other connection
    Protocol: R2, R3, R5, R7.

    @FR-BAD-01 @must @master
    Scenario: A body that is not a protobuf message
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a frame with a malformed body on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

    @FR-BAD-02 @must @master
    Scenario: A zero-length frame
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a frame header with length 0 on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

    @FR-BAD-03 @must @master
    Scenario: A length of 536870908, the first one Pika refuses
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a frame header with length 536870908 on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

    @FR-BAD-04 @must @master
    Scenario: A request whose type is not in the schema
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a request of type 7 on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

    @FR-BAD-05 @must @master
    Scenario: A request of type 0
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a request of type 0 on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

    @FR-BAD-06 @must @master @destructive
    Scenario: A length near 2^32
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      When the probe slave sends a frame header with length 4294967295 on connection B
      Then the master closes connection B within 1 s
      And the master still serves the registered slave on connection A and new slaves

  Rule: FR-HB: A master MUST ignore a kHeatBeat request without closing the connection
    Protocol: R7. kHeatBeat is in the schema but never used; a peer that sends it is not
    malformed, and it counts as activity on the connection.

    @FR-HB-01 @must @master
    Scenario: A type-only kHeatBeat is ignored
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      When the probe slave sends a type-only kHeatBeat request on connection A
      Then connection A stays open and receives nothing during 3 s
      When the probe slave sends MetaSync on connection A
      Then connection A receives a MetaSync reply kOk within 1 s
