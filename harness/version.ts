/** Pika version strings ("4.0.1", "v3.5.5"): parsing and ordering. Imports nothing of the project. */

/** A Pika version as numbers; undefined for a string that is not x.y.z (the reference's, a branch name). */
export type Version = [number, number, number];

export function parseVersion(v: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** Orders release numbers numerically; strings that are not versions come after them, by name. */
export function compareVersions(a: string, b: string): number {
  const [va, vb] = [parseVersion(a), parseVersion(b)];
  if (va && vb) return va[0] - vb[0] || va[1] - vb[1] || va[2] - vb[2] || a.localeCompare(b);
  if (va || vb) return va ? -1 : 1;
  return a.localeCompare(b);
}
