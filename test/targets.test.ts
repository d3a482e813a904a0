/**
 * Real targets (harness/targets/{pikaconf,select,binary,external}.ts): pika.conf rendering per
 * version, settings and their error paragraphs, skips, and the binary driver against
 * bin/pika-reference-server (start, version check, restart with its config copy, death, a binary
 * that exits at once, cleanup). The pieces the binary driver is built from have tests of their
 * own: test/targets-{run-dir,node-process,readiness,owned-nodes}.test.ts.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { PikaConf } from "../harness/reference/conf";
import { REFERENCE_VERSION } from "../harness/reference/node";
import { BinaryTarget } from "../harness/targets/binary";
import { EXTERNAL_SKIPS, ExternalTarget } from "../harness/targets/external";
import {
  COMPOSE_CONFS,
  COMPOSE_REPLICATION_ID,
  confKeys,
  imageConf,
  keyApplies,
  renderPikaConf,
} from "../harness/targets/pikaconf";
import { probeOnce } from "../harness/targets/readiness";
import {
  ConfigError,
  DEFAULT_PARALLEL,
  loadSettings,
  prepareRun,
  settingsSkip,
} from "../harness/targets/select";
import type { SutNode } from "../harness/targets/target";
import { alive, until } from "./support/processes";

const ROOT = path.join(__dirname, "..");
const SERVER = path.join(ROOT, "bin", "pika-reference-server");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "targets-test-"));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const keysOf = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^[a-z]/.test(l))
    .map((l) => {
      const [key] = l.split(" : ");
      assert.ok(key !== undefined, `a key in "${l}"`);
      return key.replace(/ :$/, "");
    });

describe("pika.conf rendering", () => {
  const keys = confKeys(
    9301,
    { dir: "/n" },
    { requirepass: "pw", databases: 3, extra: { "sync-window-size": "100", "x-new": "1" } },
  );

  test("fills the template's keys in place, appends the others, and gives every path its own directory", () => {
    const text = renderPikaConf(keys, "4.0.1");
    const conf = new PikaConf(undefined, text);
    assert.equal(conf.get("port"), "9301");
    assert.equal(conf.get("requirepass"), "pw");
    assert.equal(conf.get("databases"), "3");
    assert.equal(conf.get("sync-window-size"), "100");
    assert.equal(conf.get("x-new"), "1");
    assert.equal(conf.get("daemonize"), "no");
    assert.equal(conf.get("maxclients"), "1000");
    for (const [k, dir] of Object.entries({
      "db-path": "db",
      "log-path": "log",
      "dump-path": "dump",
      "db-sync-path": "dbsync",
    }))
      assert.equal(conf.get(k), `/n/${dir}/`);
    assert.equal(conf.get("pidfile"), "/n/pika.pid");
    const ks = keysOf(text);
    assert.equal(new Set(ks).size, ks.length, "no key twice");
    assert.doesNotMatch(text, / $/m, "no trailing blanks");
  });

  test("leaves out the keys older versions lack", () => {
    const has = (v: string | undefined) => keysOf(renderPikaConf(keys, v));
    assert.ok(has("4.0.1").includes("db-instance-num") && has("4.0.1").includes("replication-id"));
    assert.ok(!has("3.5.5").includes("db-instance-num") && has("3.5.5").includes("replication-id"));
    assert.ok(!has("v3.5.0").includes("replication-id") && !has("3.5.0").includes("db-instance-num"));
    assert.ok(has(REFERENCE_VERSION).includes("db-instance-num"), "a non-release version gets every key");
    assert.ok(has(undefined).includes("replication-id"));
    assert.doesNotMatch(
      renderPikaConf(keys, "3.5.0"),
      /since v3\.5\.1/,
      "the dropped key's comment goes too",
    );
    assert.equal(keyApplies("db-instance-num", "3.5.5"), false);
    assert.equal(keyApplies("db-instance-num", "4.0.1"), true);
    assert.equal(
      keyApplies("db-instance-num", REFERENCE_VERSION),
      true,
      "a version that is not x.y.z gets every key",
    );
  });

  test("docker-compose.yml runs every compose config, each with a health check on its own port", () => {
    const compose = parseYaml(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8")) as {
      services: Record<string, { command: string[]; healthcheck: { test: string[] } }>;
    };
    assert.deepEqual(Object.keys(compose.services).sort(), Object.keys(COMPOSE_CONFS).sort());
    for (const [name, { port }] of Object.entries(COMPOSE_CONFS)) {
      const svc = compose.services[name];
      assert.match(
        svc?.command.join(" ") ?? "",
        new RegExp(`cp /conf/${name}\\.conf /pika/conf/pika\\.conf`),
      );
      assert.match(svc?.healthcheck.test.join(" ") ?? "", new RegExp(`/dev/tcp/127\\.0\\.0\\.1/${port} `));
    }
  });

  test("the compose files' configs are the rendered template, with one shared replication-id", () => {
    // PIKA_WRITE_COMPOSE_CONFS=1 npm run unit regenerates them after a change of the template.
    for (const { file, port, options } of Object.values(COMPOSE_CONFS)) {
      const want = imageConf(port, options);
      if (process.env.PIKA_WRITE_COMPOSE_CONFS === "1") fs.writeFileSync(file, want);
      assert.equal(
        fs.readFileSync(file, "utf8"),
        want,
        `${file} is stale: rerun with PIKA_WRITE_COMPOSE_CONFS=1`,
      );
      assert.match(want, new RegExp(`^replication-id : ${COMPOSE_REPLICATION_ID}$`, "m"));
    }
    assert.match(COMPOSE_REPLICATION_ID, /^[0-9a-f]{50}$/, "what MS-RID-01 asks of a master's id");
  });
});

describe("settings", () => {
  const bad = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
    assert.throws(
      () => loadSettings(env),
      (e: Error) => e instanceof ConfigError && pattern.test(e.message),
    );

  test("the reference target needs nothing", () => {
    const s = loadSettings({});
    assert.equal(s.kind, "reference");
    assert.ok(s.slow && s.destructive);
  });

  test("a bad or missing setting is one actionable paragraph", () => {
    bad({ PIKA_TARGET: "pika" }, /not a target this kit knows.*reference, binary, container, external/);
    bad({ PIKA_TARGET: "binary", PIKA_VERSION: "4.0.1" }, /needs PIKA_BIN.*output\/pika/);
    bad({ PIKA_TARGET: "binary", PIKA_BIN: "/no/such/pika", PIKA_VERSION: "4.0.1" }, /does not exist/);
    bad(
      { PIKA_TARGET: "binary", PIKA_BIN: path.join(ROOT, "README.md"), PIKA_VERSION: "4.0.1" },
      /not executable.*chmod \+x/,
    );
    bad({ PIKA_TARGET: "container", PIKA_VERSION: "4.0.1" }, /needs PIKA_IMAGE/);
    bad({ PIKA_TARGET: "container", PIKA_IMAGE: "pikadb/pika", PIKA_VERSION: "4.0.1" }, /no tag/);
    bad({ PIKA_TARGET: "external", PIKA_VERSION: "4.0.1" }, /PIKA_MASTER=127\.0\.0\.1/);
    bad({ PIKA_TARGET: "external", PIKA_MASTER: "10.0.0.5:9221", PIKA_VERSION: "4.0.1" }, /loopback/);
    bad({ PIKA_SLOW: "sometimes" }, /PIKA_SLOW=1 or PIKA_SLOW=0/);
    bad({ PIKA_REFERENCE_VARIANT: "no-such-variant" }, /PIKA_REFERENCE_VARIANT/);
  });

  test("real targets read their settings; @slow runs on binary only and @destructive nowhere by default", () => {
    const b = loadSettings({
      PIKA_TARGET: "binary",
      PIKA_BIN: "bin/pika-reference-server",
      PIKA_VERSION: "4.0.1",
    });
    assert.equal(b.bin, path.resolve("bin/pika-reference-server"));
    assert.ok(b.slow && !b.destructive);
    assert.match(settingsSkip(b, ["@destructive"]) ?? "", /PIKA_DESTRUCTIVE=1/);
    const c = loadSettings({
      PIKA_TARGET: "container",
      PIKA_IMAGE: "pika:4",
      PIKA_VERSION: "4.0.1",
      REQUIRE_CONTAINERS: "1",
    });
    assert.ok(c.requireContainers && !c.slow);
    assert.match(settingsSkip(c, ["@slow"]) ?? "", /PIKA_SLOW=1/);
    const e = loadSettings({
      PIKA_TARGET: "external",
      PIKA_MASTER: "127.0.0.1:9221",
      PIKA_MASTER_PASSWORD: "pw",
      PIKA_SLAVE: "localhost:9222",
      PIKA_VERSION: "4.0.1",
    });
    assert.deepEqual(e.external.get("master"), { from: "PIKA_MASTER", port: 9221, password: "pw" });
    assert.equal(e.external.get("slave")?.port, 9222);
    assert.equal(e.externalSets, 1);
  });

  test("several sets of running nodes: parallel worker w uses set w", () => {
    const sets = {
      PIKA_TARGET: "external",
      PIKA_MASTER: "127.0.0.1:9221,127.0.0.1:9223,127.0.0.1:9225",
      PIKA_SLAVE: "127.0.0.1:9222,127.0.0.1:9224,127.0.0.1:9226",
      PIKA_MASTER_PASSWORD: "a,b,c",
    };
    const w1 = loadSettings({ ...sets, CUCUMBER_WORKER_ID: "1" });
    assert.equal(w1.externalSets, 3);
    assert.deepEqual(w1.external.get("master"), { from: "PIKA_MASTER[1]", port: 9223, password: "b" });
    assert.equal(w1.external.get("slave")?.port, 9224);
    assert.equal(loadSettings(sets).external.get("slave")?.port, 9222, "no worker id: set 0");
    assert.throws(
      () => loadSettings({ ...sets, PIKA_SLAVE: "127.0.0.1:9222" }),
      /PIKA_MASTER names 3 node\(s\), PIKA_SLAVE names 1 node\(s\): give every name one address per set/,
    );
  });

  test("cucumber.js's real-target profiles use the kit's default number of workers", () => {
    const profiles = require("../cucumber.js") as Record<string, { parallel?: number }>;
    for (const kind of ["binary", "container", "external"] as const)
      assert.equal(profiles[kind]?.parallel || 1, DEFAULT_PARALLEL[kind], kind);
  });

  test("cucumber.js's profiles write progress to stdout, the one stream cucumber gives a single format", () => {
    const profiles = require("../cucumber.js") as Record<string, { format?: string[] }>;
    for (const [name, p] of Object.entries(profiles)) {
      const toStdout = (p.format ?? []).filter((f) => !f.includes(":")); // NAME:FILE goes to FILE
      assert.ok(toStdout.length <= 1, `${name}: cucumber drops all but the last of ${toStdout.join(", ")}`);
      if (name !== "report_test" && toStdout.length) assert.deepEqual(toStdout, ["progress"], name);
    }
  });

  test("the external target skips, saying why, what it cannot do on running nodes", async () => {
    const t = new ExternalTarget(1, { nodes: new Map() });
    for (const tag of Object.keys(EXTERNAL_SKIPS))
      assert.match((await t.cannotRun([tag])) ?? "", /skipped on PIKA_TARGET=external: /);
    assert.match((await t.cannotRun(["@master"])) ?? "", /set PIKA_MASTER=127\.0\.0\.1:<port>/);
    await assert.rejects(t.startNode("master"), /set PIKA_MASTER=127\.0\.0\.1:<port>/);
  });
});

describe("external target on running reference servers", () => {
  const id = "ab".repeat(25);
  const other = "cd".repeat(25);
  const ext = (ports: Record<string, number>) =>
    new ExternalTarget(3, {
      nodes: new Map(
        Object.entries(ports).map(([name, port]) => [name, { from: `PIKA_${name.toUpperCase()}`, port }]),
      ),
      build: { version: REFERENCE_VERSION },
    });
  const slaveof = async (n: SutNode, ...args: string[]) => {
    const a = await n.admin();
    try {
      return await a.call("slaveof", ...args);
    } finally {
      a.close();
    }
  };

  test("the secrets of an external target: the passwords it was given and the values a scenario replaced", async () => {
    const bin = new BinaryTarget(12, { bin: SERVER, version: REFERENCE_VERSION, startMs: 30_000 });
    try {
      const slave = await bin.startNode("slave", { replicationId: id, masterauth: "operator-ma" });
      const t = new ExternalTarget(3, {
        nodes: new Map([
          ["slave", { from: "PIKA_SLAVE", port: slave.port }],
          ["master", { from: "PIKA_MASTER", port: 1, password: "operator-pw" }],
        ]),
        build: { version: REFERENCE_VERSION },
      });
      assert.equal(await t.cannotRun(["@slave"]), undefined);
      await t.startNode("slave", { replicationId: id });
      assert.deepEqual(t.secrets().filter(Boolean).sort(), ["operator-ma", "operator-pw"]);
      await t[Symbol.asyncDispose]();
    } finally {
      await bin[Symbol.asyncDispose]();
    }
  });

  test("@slave and @pair run with the nodes' own replication-id, and the slave follows nobody afterwards", async () => {
    const bin = new BinaryTarget(11, { bin: SERVER, version: REFERENCE_VERSION, startMs: 30_000 });
    try {
      const [master, slave, stranger] = await Promise.all([
        bin.startNode("master", { replicationId: id }),
        bin.startNode("slave", { replicationId: id }),
        bin.startNode("stranger", { replicationId: other }),
      ]);
      const nodes = { master: master.port, slave: slave.port };

      // A slave-side scenario: the probe master answers with the slave's own id.
      let t = ext(nodes);
      assert.throws(() => t.sharedReplicationId(), /only for a scenario tagged @slave or @pair/);
      assert.equal(await t.cannotRun(["@SL-FIRST-01", "@must", "@slave"]), undefined);
      assert.equal(t.sharedReplicationId(), id);
      await assert.rejects(
        t.startNode("slave", { replicationId: "" }),
        new RegExp(`an empty replication-id \\(it has "${id}"\\).*@fresh-node`),
      );
      const s = await t.startNode("slave", { replicationId: id, masterauth: "pw" });
      assert.equal(s.options.databases, 1);
      assert.equal(await slaveof(s, "127.0.0.1", String(master.port)), "OK");
      await t[Symbol.asyncDispose]();
      const after = await slave.info("replication");
      assert.equal(after.role, "master", "SLAVEOF NO ONE after the scenario");
      assert.equal(after.fields.get("master_host"), undefined);
      assert.equal((await master.info("replication")).connectedSlaves, 0, "the master has no slaves left");
      const a = await slave.admin();
      try {
        assert.deepEqual(
          await a.call("config", "get", "masterauth"),
          ["masterauth", ""],
          "masterauth set back",
        );
      } finally {
        a.close();
      }

      // A pair: the master's id, which the slave shares; linked, then put back.
      t = ext(nodes);
      assert.equal(await t.cannotRun(["@pair"]), undefined);
      assert.equal(t.sharedReplicationId(), id);
      await t.startNode("master", { replicationId: id });
      const ps = await t.startNode("slave", { replicationId: id });
      assert.equal(await slaveof(ps, "127.0.0.1", String(master.port)), "OK");
      await t.clock.within(5, async () => (await master.info("replication")).connectedSlaves === 1);
      await t[Symbol.asyncDispose]();
      assert.equal((await master.info("replication")).connectedSlaves, 0);
      assert.equal((await slave.info("replication")).role, "master");

      // A pair whose nodes do not share an id, and a slave that follows someone, are skipped.
      t = ext({ master: master.port, slave: stranger.port });
      assert.match(
        (await t.cannotRun(["@pair"])) ?? "",
        new RegExp(
          `share one replication-id, and PIKA_MASTER=127\\.0\\.0\\.1:${master.port} has "${id}" while .* has "${other}"`,
        ),
      );
      assert.equal(
        await t.cannotRun(["@slave"]),
        undefined,
        "a slave-side scenario takes the slave's own id",
      );
      assert.equal(t.sharedReplicationId(), other);
      assert.equal(await slaveof(stranger, "127.0.0.1", String(master.port)), "OK");
      assert.match(
        (await ext({ slave: stranger.port }).cannotRun(["@slave"])) ?? "",
        /follows nobody.*follows 127\.0\.0\.1:/,
      );
      assert.equal(await slaveof(stranger, "no", "one"), "OK");
      // Scenarios that need more or other nodes than PIKA_MASTER and PIKA_SLAVE say so.
      assert.match(
        (await ext(nodes).cannotRun(["@pair", "@fresh-node"])) ?? "",
        /more nodes than PIKA_MASTER and PIKA_SLAVE/,
      );
    } finally {
      await bin[Symbol.asyncDispose]();
    }
  });
});

describe("binary target on bin/pika-reference-server", () => {
  const settings = { bin: SERVER, version: REFERENCE_VERSION, startMs: 30_000 };

  test("starts a node, checks its version, restarts it from its config copy, and cleans up", async () => {
    const t = new BinaryTarget(7, settings);
    const dir = t.dir;
    try {
      const n = await t.startNode("master", { requirepass: "pw" });
      const info = await n.info("server");
      assert.equal(info.pikaVersion, REFERENCE_VERSION);
      assert.equal(await probeOnce(n.port, "pw"), undefined);
      // Its own config copy, which a restart reuses (MS-RID-02 checks the replication-id in it).
      const conf = path.join(dir, `master-${n.port}`, "pika.conf");
      assert.match(fs.readFileSync(conf, "utf8"), /^requirepass : pw$/m);
      const pid = (n as unknown as { pid: number }).pid;
      await n.restart();
      assert.notEqual((n as unknown as { pid: number }).pid, pid);
      assert.ok(!alive(pid), "the old process is gone after a restart");
      assert.equal(n.died(), undefined);
      assert.equal(await n.liveness?.(), undefined);
      assert.match(n.logs(), /ready: config/);
      // A node that dies by itself is reported with its exit status.
      process.kill((n as unknown as { pid: number }).pid, "SIGKILL");
      await until(() => n.died() !== undefined);
      assert.equal(n.died(), "killed by SIGKILL");
    } finally {
      await t[Symbol.asyncDispose]();
    }
    assert.ok(!fs.existsSync(dir), "the run directory is removed");
  });

  test("a server of the pika-4.0 profile (a 14.5 s SIGTERM exit) restarted by the target keeps what it held, as Pika's disk does", async (t) => {
    const before = process.env.PIKA_REFERENCE_VARIANT;
    process.env.PIKA_REFERENCE_VARIANT = "pika-4.0";
    t.after(() => {
      if (before === undefined) delete process.env.PIKA_REFERENCE_VARIANT;
      else process.env.PIKA_REFERENCE_VARIANT = before;
    });
    const target = new BinaryTarget(7, { ...settings, version: "4.0.0" });
    try {
      const n = await target.startNode("master");
      const admin = await n.admin();
      assert.equal(await admin.call("SET", "kept", "yes"), "OK");
      admin.close();
      const started = Date.now();
      await n.restart();
      assert.ok(Date.now() - started < 10_000, "SIGKILLed after the grace, not waited out");
      const again = await n.admin();
      assert.equal(await again.call("GET", "kept"), "yes");
      again.close();
    } finally {
      await target[Symbol.asyncDispose]();
    }
  });

  test("a binary that exits at once fails the start with its status and output, without waiting out the budget", async () => {
    const fake = path.join(scratch, "fake-pika");
    fs.writeFileSync(fake, "#!/bin/sh\necho 'FATAL: cannot open conf' >&2\nexit 3\n", { mode: 0o755 });
    const t = new BinaryTarget(7, { ...settings, bin: fake });
    const start = Date.now();
    try {
      await assert.rejects(
        t.startNode("master"),
        /exited before answering PING: exited with status 3[\s\S]*FATAL: cannot open conf/,
      );
    } finally {
      await t[Symbol.asyncDispose]();
    }
    assert.ok(Date.now() - start < 5000);
  });

  test("a node that is not the build under test fails its start with its log", async () => {
    const t = new BinaryTarget(7, { ...settings, build: { version: "4.0.0" } });
    try {
      await assert.rejects(t.startNode("master"), (e: Error) => {
        assert.match(e.message, /pika_version reference-0\.1\.0/);
        assert.match(e.message, /node master: \S+pika-reference-server -c \S+pika\.conf[\s\S]*ready: config/);
        return true;
      });
    } finally {
      await t[Symbol.asyncDispose]();
    }
  });
});

describe("the run's first node identifies the build", () => {
  test("a build is what it reports; a PIKA_VERSION that does not describe it is one paragraph", async () => {
    const s = loadSettings({ PIKA_TARGET: "binary", PIKA_BIN: SERVER });
    assert.equal(await prepareRun(s, () => {}), undefined);
    assert.deepEqual(s.build, { version: REFERENCE_VERSION });
    assert.equal(s.version, REFERENCE_VERSION, "nodes get the keys of the version the build reports");
    const wrong = loadSettings({ PIKA_TARGET: "binary", PIKA_BIN: SERVER, PIKA_VERSION: "4.0.1" });
    await assert.rejects(
      prepareRun(wrong, () => {}),
      (e: Error) =>
        e instanceof ConfigError &&
        /^PIKA_VERSION=4\.0\.1 does not describe the build under test \(pika_version reference-0\.1\.0, no git sha\): the 4\.0\.1 ledger is for the builds with git sha 23d9bf6f/.test(
          e.message,
        ) &&
        /Set PIKA_VERSION=reference-0\.1\.0, or leave it unset/.test(e.message),
    );
  });
});
