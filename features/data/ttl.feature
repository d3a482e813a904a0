Feature: Keys with a TTL reach the slave alive
  Sessions, locks and caches are written with a TTL. Pika's binlog records a relative TTL as an
  absolute time (SET EX as PKSETEXAT, EXPIRE as EXPIREAT), so the slave must turn that time back
  into the same expiry. Found by the kit's mixed pairs (a reference master, a real Pika slave):
  Pika 4.0.1 and unstable 218b68bb apply PKSETEXAT with the time in milliseconds cast to 32
  bits (src/pika_kv.cc PKSetexAtCmd::Do), so a key written with SET EX on the master is already
  expired on every slave, while the master serves it.

  Rule: DS-TTL: A key the master holds with a TTL MUST be readable on the slave within 1 s, with a TTL no longer than the master gave it
    Protocol: R41.

    @DS-TTL-01 @must @pair
    Scenario: A key written with SET EX
      Given a master and a slave under test linked through a wire proxy
      When the master writes session:1 with a TTL of 100 s by SET EX
      Then within 1 s the slave under test holds session:1 with a TTL of at most 100 s

    @DS-TTL-02 @must @pair
    Scenario: A key given a TTL by EXPIRE
      Given a master and a slave under test linked through a wire proxy
      When the master writes session:2 with a TTL of 100 s by EXPIRE
      Then within 1 s the slave under test holds session:2 with a TTL of at most 100 s
