Feature: A slave with a history of its own never keeps it silently
  A node told SLAVEOF may hold data its new master never had: writes it took while it was a
  master itself, so its binlog is ahead of the master's (#893: SLAVEOF NO ONE, a write on the
  slave, SLAVEOF again), or the data of another master, whose replication_id it carries (#2905,
  #1965: a switchover between clusters). Continuing from its own binlog position would mix the two
  histories, and a slave that then reports master_link_status:up serves keys its master does not
  have while every check of the link says it is healthy. A slave may take a full sync, after which
  it holds exactly its master's data, or refuse and keep its link down where an operator sees it
  (Pika parks the database in Error, or stops the handshake, until `SLAVEOF ... force`); it must
  not do neither. The master's writes are those of features/data/stream.feature; the slave's own
  are keys of another prefix, as many bytes per write, so the slave's position can be set ahead of
  the master's or behind it.

  Rule: DS-DIV: A slave whose binlog is ahead of its master's, or whose replication_id is another master's, MUST either end with exactly the master's keys and values within 1 s of reporting its link up, or keep its link down
    Protocol: R22, R30, R41. The master answers a TrySync from beyond its own position with
    kSyncPointLarger (R30); a slave with another replication_id aborts the handshake (R22); a link
    reported up serves the master's data (R41).

    @DS-DIV-01 @must @pair @fresh-node
    Scenario: A slave that took more writes of its own than its master has (kSyncPointLarger, #893)
      Given a master and a slave under test sharing one replication_id, with a wire proxy in front of the master
      And 50 writes are made on the master
      And 100 writes of its own are made on the slave under test
      And within 1 s INFO on the slave under test shows a binlog_offset for db0 ahead of the master's
      When the slave under test is told SLAVEOF the master through the proxy
      Then during 10 s the slave under test keeps master_link_status down, or reports it up and within 1 s holds the same keys and values as the master

    @DS-DIV-02 @must @pair @fresh-node
    Scenario: A slave holding the data of another master, with that master's replication_id (#2905)
      Its binlog is behind the new master's, so a slave that ignored the replication_id would be
      answered TrySync kOk and stream the new master's later writes on top of its own data.
      Given a master under test and a slave under test with another master's replication_id, with a wire proxy in front of the master
      And 100 writes are made on the master
      And 50 writes of its own are made on the slave under test
      And within 1 s INFO on the slave under test shows a binlog_offset for db0 behind the master's
      When the slave under test is told SLAVEOF the master through the proxy
      Then during 10 s the slave under test keeps master_link_status down, or reports it up and within 1 s holds the same keys and values as the master
