Feature: Keepalive and dead-peer detection on the master
  Replication has no heartbeat message of its own: the master pings every synced database
  session with an empty BinlogSync chip, the slave answers with a zero ack, and both sides drop
  what stays silent. These timers bound how long a dead slave is kept and how soon a live one
  notices a dead master (Pika #933).

  Rule: KA-PING: A master MUST ping every synced database session at least every 2 s while the slave answers
    Protocol: R28. Pika pings when 2 s have passed since its last send and checks every 100 ms,
    so the scenario allows 0.5 s of scheduling slack.

    @KA-PING-01 @must @master
    Scenario: A synced session that answers is pinged for as long as it answers
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave has a synced session for db0 on connection A
      Then during 30 s connection A receives a ping for db0 at least every 2.5 s

  Rule: KA-RECV: A master MUST drop a database session from which it has received nothing for 20 s
    Protocol: R28. A dropped session gets no more pings; the SlaveItem and the connection stay.

    @KA-RECV-01 @must @master
    Scenario: A session that stops answering pings is dropped
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave has a synced session for db0 on connection A
      When the probe slave stops answering pings on connection A
      Then the pings for db0 on connection A stop within 25 s
      And connection A receives no ping and no binlog during 10 s

  Rule: KA-IDLE: A master MUST close a replication connection on which it has received nothing for 180 s, and not much sooner
    Protocol: R28. Pika checks every 3 s and closes 181 to 184 s after the last read.

    @KA-IDLE-01 @must @master @slow
    Scenario: A registered connection that goes silent is closed after 180 s
      Given a master under test
      And a probe slave announcing 127.0.0.1:40000
      And the probe slave is registered on connection A
      Then connection A stays open during 170 s
      And the master closes connection A within 20 s
      And within 5 s INFO on the master lists 0 connected slaves
