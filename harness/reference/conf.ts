/**
 * pika.conf as Pika reads it: one `key : value` per line, `#` comments. The reference node
 * keeps its own copy and rewrites it in place, keeping comments and key order. As in Pika, a
 * key set at run time (SLAVEOF, CONFIG SET) stays in memory until the next rewrite: CONFIG
 * REWRITE, or a replication-id being written.
 */
import * as fs from "node:fs";

export class PikaConf {
  private lines: string[];

  constructor(
    readonly path: string | undefined,
    text: string,
  ) {
    this.lines = text.split(/\r?\n/);
  }

  static load(path: string): PikaConf {
    return new PikaConf(path, fs.readFileSync(path, "utf8"));
  }

  private find(key: string): number {
    return this.lines.findIndex((l) => {
      const m = /^\s*([^#\s:][^:]*?)\s*:/.exec(l);
      return m !== null && m[1] === key;
    });
  }

  get(key: string): string | undefined {
    const line = this.lines[this.find(key)];
    return line?.slice(line.indexOf(":") + 1).trim();
  }

  /** A required positive integer, or the default; throws a clear error for a bad value. */
  int(key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.get(key);
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`pika.conf: ${key} must be an integer in [${min}, ${max}], got "${v}"`);
    return n;
  }

  /**
   * An integer that may end in K, M or G (powers of 1024), as Pika's GetConfIntHuman reads
   * sizes such as binlog-file-size; undefined when unset; throws for anything else.
   */
  size(key: string): number | undefined {
    const v = this.get(key);
    if (v === undefined || v === "") return undefined;
    const m = /^(\d+)([kKmMgG]?)$/.exec(v);
    if (!m) throw new Error(`pika.conf: ${key} must be a size (digits, then K, M or G), got "${v}"`);
    const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase()] ?? 1;
    return Number(m[1]) * unit;
  }

  /** Sets a key in memory; a new key goes after the last line, before the final newline. */
  set(key: string, value: string): void {
    const i = this.find(key);
    const line = `${key} : ${value}`;
    if (i >= 0) this.lines[i] = line;
    else if (this.lines.at(-1) === "") this.lines.splice(this.lines.length - 1, 0, line);
    else this.lines.push(line);
  }

  /** Sets a key and rewrites the file with every key set so far, as Pika's config rewrite does. */
  rewrite(key: string, value: string): void {
    this.set(key, value);
    this.save();
  }

  /** Writes every key set so far to the file (CONFIG REWRITE). */
  save(): void {
    if (this.path) fs.writeFileSync(this.path, this.text());
  }

  text(): string {
    return this.lines.join("\n");
  }

  static render(keys: Record<string, string | number | undefined>): string {
    return `${Object.entries(keys)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} : ${v}`)
      .join("\n")}\n`;
  }
}
