/**
 * The reference node as a process of its own, started the way Pika is: `pika-reference-server
 * -c <pika.conf>`. It reads the same pika.conf keys, creates its path directories, writes its
 * pidfile, rewrites its config copy as Pika does (replication-id), and serves the Redis protocol
 * on P and replication on P+2000 on 127.0.0.1, in real time. It logs to stdout and to
 * `<log-path>/pika-reference.log`, and exits cleanly on SIGTERM or SIGINT.
 *
 * usage: pika-reference-server [--profile NAME] -c <pika.conf>   |   pika-reference-server -v
 * Environment: REFERENCE_SEED (the seed of its random choices: run_id, replication_id, jitter;
 * not a PIKA_* name, which Pika's official image entrypoint would write into pika.conf);
 * PIKA_REFERENCE_VARIANT (a variant or profile, as --profile; the binary target passes it on).
 *
 * With a profile such as pika-4.0 the process also behaves like that Pika release: a crash is
 * an abrupt exit by SIGSEGV, and SIGTERM takes about 14.5 s, the ports staying bound meanwhile.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { RealClock, Rng, seedFrom } from "../harness/clock";
import { REPL_SHIFT } from "../harness/net";
import { type Behaviour, behaviourOf } from "../harness/reference/behaviour";
import { PikaConf } from "../harness/reference/conf";
import { REFERENCE_VERSION, ReferenceNode } from "../harness/reference/node";

const USAGE = "usage: pika-reference-server [--profile NAME] -c <pika.conf>  (or -v for the version)";

function parseArgs(argv: string[]): { conf?: string; version?: boolean; profile?: string } {
  if (argv.length === 1 && (argv[0] === "-v" || argv[0] === "--version")) return { version: true };
  const profile = argv[0] === "--profile" ? argv[1] : undefined;
  const rest = profile === undefined ? argv : argv.slice(2);
  if (rest.length === 2 && rest[0] === "-c")
    return { conf: rest[1], profile: profile ?? process.env.PIKA_REFERENCE_VARIANT };
  return {};
}

class Log {
  private file: number | undefined;
  open(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    this.file = fs.openSync(path.join(dir, "pika-reference.log"), "a");
  }
  line(level: "I" | "W" | "E", text: string): void {
    const l = `${level}${new Date().toISOString()} ${process.pid} ${text}\n`;
    (level === "I" ? process.stdout : process.stderr).write(l);
    if (this.file !== undefined) fs.writeSync(this.file, l);
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.version) {
    process.stdout.write(`pika_version: ${REFERENCE_VERSION}\n`);
    return 0;
  }
  if (!args.conf) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const log = new Log();
  let behaviour: Behaviour;
  try {
    behaviour = behaviourOf(args.profile);
  } catch (err) {
    process.stderr.write(`pika-reference-server: ${(err as Error).message}\n`);
    return 2;
  }
  const confPath = path.resolve(args.conf);
  let conf: PikaConf;
  try {
    conf = PikaConf.load(confPath);
  } catch (err) {
    log.line("E", `cannot read config ${confPath}: ${(err as Error).message}`);
    return 1;
  }
  // Pika resolves relative paths against its working directory and creates the directories.
  const dirOf = (key: string, fallback: string) => path.resolve(conf.get(key) || fallback);
  const dirs: [key: string, fallback: string][] = [
    ["log-path", "./log/"],
    ["db-path", "./db/"],
    ["dump-path", "./dump/"],
    ["db-sync-path", "./dbsync/"],
  ];
  for (const [key, fallback] of dirs) fs.mkdirSync(dirOf(key, fallback), { recursive: true });
  log.open(dirOf("log-path", "./log/"));
  const pidfile = dirOf("pidfile", "./pika.pid");
  const seed = seedFrom(process.env.REFERENCE_SEED, "REFERENCE_SEED");
  let node: ReferenceNode | undefined;
  try {
    node = new ReferenceNode(conf, new RealClock(new Rng(seed)), behaviour);
    node.onCrash = (reason) => {
      log.line("E", `crash: ${reason}`);
      node?.persist();
      process.kill(process.pid, "SIGSEGV"); // as abrupt as Pika's null dereference
    };
    await node.start();
  } catch (err) {
    log.line("E", `cannot start: ${(err as Error).message}`);
    await node?.stop().catch(() => {});
    return 1;
  }
  fs.writeFileSync(pidfile, `${process.pid}\n`);
  log.line(
    "I",
    `pika-reference-server ${REFERENCE_VERSION} (seed ${seed}) ready: config ${confPath}, ` +
      `Redis protocol on 127.0.0.1:${node.port}, replication on 127.0.0.1:${node.port + REPL_SHIFT}${node.hostileSuffix}`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(s, () => resolve(s));
  });
  log.line("I", `${signal}: shutting down`);
  node.persist(); // what Pika holds on disk already: a SIGKILL during the slow exit loses nothing
  if (signal === "SIGTERM" && behaviour.sigtermExitS > 0)
    await new Promise((r) => setTimeout(r, behaviour.sigtermExitS * 1000)); // a slow exit, the ports still bound
  await node.stop();
  fs.rmSync(pidfile, { force: true });
  log.line("I", "stopped");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`pika-reference-server: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
