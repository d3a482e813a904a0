/**
 * INFO as Pika prints it (docs/PROTOCOL.md, INFO replication), parsed in exactly one place.
 * Accepts `\r\n` or `\n` line endings and both the v3.3.x-v3.5.2 (`db0 binlog_offset=`) and later
 * layouts; unknown lines are kept as plain fields.
 */

export interface InfoSlave {
  ip: string;
  port: number;
  connFd?: number;
  lag?: string;
}

export interface Info {
  /** Every `key:value` line, first occurrence wins. */
  fields: Map<string, string>;
  /** The `# Replication(...)` header's role text, e.g. "MASTER", "SLAVE", "Master && SLAVE". */
  replicationHeader?: string;
  role?: string;
  connectedSlaves?: number;
  slaves: InfoSlave[];
  masterLinkStatus?: string;
  pikaVersion?: string;
  /** INFO server's pika_git_sha, when the build reports one. */
  gitSha?: string;
  /** Each database's binlog position, "filenum offset", from `db0:binlog_offset=0 700,...` (or `db0 binlog_offset=`) lines. */
  binlogOffsets: Map<string, string>;
}

/** A binlog position as `binlogOffsets` holds it ("filenum offset") read as numbers; "0 0" when absent. */
export function binlogPosition(at: string | undefined): { filenum: number; offset: number } {
  const [filenum = 0, offset = 0] = (at ?? "0 0").split(" ").map(Number);
  return { filenum, offset };
}

export function parseInfo(text: string): Info {
  const fields = new Map<string, string>();
  const slaves: InfoSlave[] = [];
  const binlogOffsets = new Map<string, string>();
  let replicationHeader: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    const header = /^#\s*Replication\((.*)\)$/.exec(line);
    if (header) {
      replicationHeader = header[1];
      continue;
    }
    if (line.startsWith("#")) continue;
    // v3.3.x to v3.5.2 print `db0 binlog_offset=0 700`, v3.5.3 on `db0:binlog_offset=...`.
    const offset = /^(db\d+)[: ]binlog_offset=(\d+ \d+)/.exec(line);
    if (offset?.[1] && offset[2]) binlogOffsets.set(offset[1], offset[2]);
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (/^slave\d+$/.test(key)) {
      const kv = new Map(
        value.split(",").map((p) => {
          const eq = p.indexOf("=");
          return [p.slice(0, eq), p.slice(eq + 1)] as [string, string];
        }),
      );
      slaves.push({
        ip: kv.get("ip") ?? "",
        port: Number(kv.get("port") ?? "0"),
        connFd: kv.has("conn_fd") ? Number(kv.get("conn_fd")) : undefined,
        lag: kv.get("lag"),
      });
    }
    if (!fields.has(key)) fields.set(key, value);
  }
  const num = (k: string) => (fields.has(k) ? Number(fields.get(k)) : undefined);
  return {
    fields,
    replicationHeader,
    role: fields.get("role"),
    connectedSlaves: num("connected_slaves"),
    slaves,
    masterLinkStatus: fields.get("master_link_status"),
    pikaVersion: fields.get("pika_version"),
    gitSha: fields.get("pika_git_sha"),
    binlogOffsets,
  };
}
