/**
 * Readiness of a node: P answers PING (through the kit's Redis-protocol client, admin.ts,
 * authenticated when the node has a password) and P+2000 accepts a connection. A start waits for
 * it raced against the node going away (its process exits, its container stops), so a node that
 * dies at once fails its start at once instead of at the end of its budget.
 */
import { RealClock, Rng } from "../clock";
import { connect, REPL_SHIFT } from "../net";
import { Admin, pingProblem } from "./admin";

/** Real time for the P+2000 connect's timeout (the probe draws no random numbers). */
const REAL_TIME = new RealClock(new Rng(0));

/**
 * One readiness probe: PING on P (after AUTH when there is a password), then a connect to
 * P+2000, both within `timeoutMs`. Resolves undefined when both answer, or what went wrong.
 */
export async function probeOnce(
  port: number,
  password?: string,
  timeoutMs = 2000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const why = await pingProblem(() => Admin.open(port, password, undefined, timeoutMs), timeoutMs);
  if (why !== undefined) return why;
  const repl = port + REPL_SHIFT;
  try {
    (await connect(REAL_TIME, repl, Math.max(1, deadline - Date.now()))).destroy();
    return undefined;
  } catch (err) {
    return `P+2000=${repl}: ${(err as Error).message}`;
  }
}

/**
 * Waits until the node answers PING on P and accepts connections on P+2000, or fails at once
 * when `gone` settles first (the process died), or after `budgetMs`.
 */
export async function waitReady(opts: {
  port: number;
  password?: string;
  budgetMs: number;
  /** Settles with the reason when the node is gone (exit status, container stopped). */
  gone?: Promise<string>;
  what: string;
}): Promise<void> {
  const deadline = Date.now() + opts.budgetMs;
  let gone: string | undefined;
  void opts.gone?.then((why) => {
    gone = why;
  });
  let last = "not tried";
  for (;;) {
    if (gone !== undefined) throw new Error(`${opts.what} exited before answering PING: ${gone}`);
    const why = await probeOnce(
      opts.port,
      opts.password,
      Math.max(100, Math.min(2000, deadline - Date.now())),
    );
    if (why === undefined) return;
    last = why;
    if (Date.now() >= deadline)
      throw new Error(`${opts.what} did not answer PING within ${opts.budgetMs / 1000} s (last: ${last})`);
    // The next attempt, or the process's exit, whichever comes first.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      opts.gone ?? new Promise(() => {}),
      new Promise<void>((r) => {
        timer = setTimeout(r, 25);
      }),
    ]);
    clearTimeout(timer);
  }
}
