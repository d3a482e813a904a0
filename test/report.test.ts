/**
 * The HTML report of a failing scenario, as a reviewer sees it: cucumber-js runs one scenario
 * made to fail (the reference's dup-kother variant answers a duplicate MetaSync with kOther, so
 * @MS-DUP-02 fails), writes its HTML report into a temp dir, and headless Chromium (Debian's
 * `chromium`) opens it. The page must show the rule ID, Expected/Actual, the wire trace and the
 * SVG sequence diagram, and Chromium's own XML parser must accept the SVG.
 *
 * Without /usr/bin/chromium the test is skipped, loudly; with CI=true or REQUIRE_CHROMIUM=1 it
 * fails instead, saying how to install it.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { matrixHtml } from "../harness/report/matrix";
import { timelineSvg } from "../harness/report/timeline";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const ROOT = join(__dirname, "..");
const CUCUMBER = join(dirname(require.resolve("@cucumber/cucumber/package.json")), "bin", "cucumber.js");
const run = promisify(execFile);

// Code passed to page.evaluate runs in Chromium, but the project compiles without the DOM
// library: the few browser APIs it uses are declared here, in this module only.
interface BrowserNode {
  localName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface BrowserDocument {
  body: { innerText: string };
  documentElement: BrowserNode;
  getElementsByTagName(name: string): { length: number };
  querySelectorAll(selector: string): Iterable<BrowserNode>;
}
interface BrowserImage {
  src: string;
  naturalWidth: number;
  decode(): Promise<void>;
}
declare const document: BrowserDocument;
declare const DOMParser: new () => { parseFromString(source: string, type: string): BrowserDocument };

test("the HTML report of a failing scenario shows rule, Expected/Actual, trace and SVG diagram", {
  timeout: 90_000,
}, async (t) => {
  if (noChromium(t)) return;

  const dir = await mkdtemp(join(tmpdir(), "pika-report-"));
  const userData = join(dir, "chromium-profile");
  const html = join(dir, "report.html");
  try {
    // 1. One scenario made to fail; the report_test profile writes no files of its own, so
    //    nothing lands in reports/ (the trace goes to PIKA_TRACE_DIR).
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PIKA_TARGET: "reference",
      PIKA_REFERENCE_VARIANT: "dup-kother",
      PIKA_TRACE_DIR: join(dir, "traces"),
      PIKA_SEED: "1",
      FORCE_COLOR: "0",
    };
    delete env.PIKA_TRACE;
    const args = [CUCUMBER, "--profile", "report_test", "--tags", "@MS-DUP-02", "--format", `html:${html}`];
    const result = await run(process.execPath, args, { cwd: ROOT, env, timeout: 60_000 }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        stdout: err.stdout ?? "",
        stderr: err.stderr ?? "",
      }),
    );
    const output = `${result.stdout}\n${result.stderr}`;
    assert.equal(
      result.code,
      1,
      `cucumber-js must fail the scenario (exit 1), got ${result.code}:\n${output}`,
    );
    assert.match(output, /1 scenario \(1 failed\)/, output);
    assert.ok(existsSync(html), `no report at ${html}:\n${output}`);
    assert.deepEqual(await readdir(join(dir, "traces")), ["MS-DUP-02.ndjson"]);

    // 2. The report in headless Chromium.
    const browser = await launch(userData);
    try {
      const page = await browser.newPage();
      await page.goto(`file://${html}`);
      // The failed scenario is open; its error is on the page once the report has rendered.
      await page.getByText("Expected:").first().waitFor({ timeout: 15_000 });
      // The After hook's attachments sit behind "N hooks"; open it and every <details>.
      const hooks = page.getByRole("button", { name: /^\d+ hooks?$/ });
      if ((await hooks.count()) > 0) await hooks.first().click();
      await page.locator("details").first().waitFor({ timeout: 5_000 });
      await openAll(page);
      // What a reader sees (rendered text), not what the DOM merely holds.
      // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point here
      const text = await page.evaluate(() => document.body.innerText);

      // Rule ID and the h2spec-style error.
      assert.match(text, /MS-DUP-02 violates MS-DUP: A master MUST answer a MetaSync/);
      assert.match(text, /Expected: the MetaSync reply is kOk/);
      assert.match(text, /Actual:\s+kMetaSync kOther "Slave AlreadyExist"/);

      // The trace: the readable table attached in full, and the ndjson as a download.
      const trace = (await attachment(page, "MS-DUP-02.trace.txt").locator("pre").textContent()) ?? "";
      assert.match(
        trace,
        /0\.000 s {2}A {4}probe-slave -> master {2}kMetaSync node=127\.0\.0\.1:40000 auth=none/,
      );
      assert.match(trace, /B {4}master -> probe-slave {2}kMetaSync kOther "Slave AlreadyExist"/);
      assert.match(text, /Download MS-DUP-02\.trace\.ndjson/);

      // The diagram: an <img> of the SVG attachment that Chromium rendered at 900 px wide,
      // and whose source Chromium's XML parser reads as an <svg> document.
      const svg = await diagram(page, "MS-DUP-02.sequence.svg");
      assert.equal(svg.prefix, "data:image/svg+xml;base64");
      assert.equal(svg.parseErrors, 0, "Chromium parses the SVG as XML without errors");
      assert.equal(svg.root, "svg");
      assert.equal(svg.width, 900, "Chromium rendered the diagram");
      assert.deepEqual(svg.participants, ["probe-slave", "master"]);
      assert.ok(svg.texts.includes('kMetaSync kOther "Slave AlreadyExist"'), svg.texts.join("\n"));
      assert.ok(
        svg.texts.some((s) => s.startsWith("MS-DUP-02: ")),
        "the diagram is titled with the scenario",
      );
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** True (and the test skipped, loudly) when there is no Chromium; under CI=true it fails instead. */
function noChromium(t: { skip(message: string): void }): boolean {
  if (existsSync(CHROMIUM)) return false;
  const why =
    `headless Chromium not found at ${CHROMIUM}: install Debian's package as root with ` +
    "`apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH)";
  if (process.env.CI === "true" || process.env.REQUIRE_CHROMIUM === "1")
    assert.fail(`${why}. CI=true or REQUIRE_CHROMIUM=1 is set, so the HTML report test must run.`);
  console.error(`\n*** SKIPPED the HTML report test: ${why}\n`);
  t.skip(`SKIPPED: ${why}`);
  return true;
}

async function launch(userData: string) {
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

test("the CLI's HTML report shows an expected failure as passed, with the ledger's reason", {
  timeout: 90_000,
}, async (t) => {
  if (noChromium(t)) return;
  await cliReportInChromium(
    ["--variant", "pika-4.0", "--ledger", "4.0.1", "--id", "MS-DUP-01"],
    {},
    async (page) => {
      // A passed scenario is folded: open its feature, then every attachment.
      await page.getByRole("button", { name: "features/metasync/duplicate.feature" }).click();
      await page.locator("details").first().waitFor({ timeout: 15_000 });
      await openAll(page);
      // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point here
      const text = await page.evaluate(() => document.body.innerText);
      assert.match(text, /expected failure \(ledger 4\.0\.1\): Pika #2291/);
      assert.match(text, /The step failed: MS-DUP-01 violates MS-DUP/);
      assert.match(text, /100% \(1 \/ 1\) passed/);
    },
  );
});

/**
 * Runs the CLI on the reference with `args`, its reports and traces in a temp dir, then `look`s at
 * its cucumber.html in Chromium (with the CLI's output); the browser and the dir are removed after.
 */
async function cliReportInChromium(
  args: string[],
  extraEnv: NodeJS.ProcessEnv,
  look: (page: import("playwright-core").Page, stdout: string) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "pika-report-"));
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PIKA_TRACE_DIR: join(dir, "traces"), ...extraEnv };
    delete env.PIKA_REFERENCE_VARIANT;
    const cli = [join(ROOT, "bin", "pika-conformance.js"), ...args, "--report-dir", dir];
    const { stdout } = await run(process.execPath, cli, { env, timeout: 60_000 }).catch(
      (err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }),
    );
    const browser = await launch(join(dir, "chromium-profile"));
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(dir, "cucumber.html")}`);
      await look(page, stdout);
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Opens every <details> of the page (attachments are folded). */
async function openAll(page: import("playwright-core").Page): Promise<void> {
  await page.locator("details").evaluateAll((all) => {
    for (const d of all) (d as unknown as { open: boolean }).open = true;
  });
}

/** The SVG attachment as Chromium shows it: rendered as an <img>, and its source read by Chromium's XML parser. */
async function diagram(page: import("playwright-core").Page, fileName: string) {
  const img = attachment(page, fileName).locator("img");
  await img.waitFor({ state: "attached", timeout: 5_000 });
  return img.evaluate(async (el) => {
    const image = el as unknown as BrowserImage;
    await image.decode().catch(() => undefined);
    const src = image.src;
    const comma = src.indexOf(",");
    const bytes = Uint8Array.from(atob(src.slice(comma + 1)), (c) => c.charCodeAt(0));
    const source = new TextDecoder().decode(bytes);
    const doc = new DOMParser().parseFromString(source, "image/svg+xml");
    return {
      prefix: src.slice(0, comma),
      width: image.naturalWidth,
      root: doc.documentElement.localName,
      parseErrors: doc.getElementsByTagName("parsererror").length,
      texts: [...doc.querySelectorAll("text")].map((t) => t.textContent ?? ""),
      participants: [...doc.querySelectorAll("g.participant.top")].map((g) => g.getAttribute("data-name")),
    };
  });
}

test("a system under test sending controls, ANSI escapes and markup cannot break the HTML report", {
  timeout: 90_000,
}, async (t) => {
  if (noChromium(t)) return;
  await cliReportInChromium(
    ["--variant", "hostile-texts", "--id", "MS-AUTH-01"],
    { PIKA_TRACE: "all" },
    async (page, stdout) => {
      assert.match(stdout, /FAIL +MS-AUTH-01 /, stdout);
      await page.getByText("Expected:").first().waitFor({ timeout: 15_000 });
      await page
        .getByRole("button", { name: /^\d+ hooks?$/ })
        .first()
        .click();
      await openAll(page);
      // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point here
      const text = await page.evaluate(() => document.body.innerText);
      // The reply text is shown as text, its controls as escapes; its markup did not become markup.
      assert.match(
        text,
        /Actual: +reply "Auth with master error, Invalid masterauth \[requirepass <redacted> masterauth \]\\x00\\x01\\x07\\x1b\[2J\\x1b\[31m<\/script><script>window\.pwned=1<\/script>\]\]\\x3e<!--&amp;\\ufffe\\x9b"/,
      );
      assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
      const svg = await diagram(page, "MS-AUTH-01.sequence.svg");
      assert.equal(svg.parseErrors, 0, "Chromium parses the SVG as XML without errors");
      assert.equal(svg.width, 900, "Chromium rendered the diagram");
      assert.ok(
        svg.texts.some((s) => s.startsWith('kMetaSync kError "Auth with master error')),
        svg.texts.join("\n"),
      );
    },
  );
});

test("the matrix and the storm timeline as a reviewer sees them in Chromium: legends, levels, links, fault marker", {
  timeout: 60_000,
}, async (t) => {
  if (noChromium(t)) return;
  const dir = await mkdtemp(join(tmpdir(), "pika-report-"));
  try {
    const column = (label: string, verdict: "pass" | "fail" | "expected-fail") => ({
      label,
      traces: `../${label}/traces`,
      judged: [
        { id: "MS-DUP-01", name: "dup", verdict: "expected-fail" as const },
        { id: "PR-CUT-03", name: "cut", verdict },
      ],
    });
    const levels = new Map([
      ["MS-DUP-01", "must"],
      ["PR-CUT-03", "should"],
    ]);
    await writeFile(join(dir, "matrix.html"), matrixHtml([column("a", "pass"), column("b", "fail")], levels));
    const recoveries = [
      { slave: "slave1", attempts: 2, recoveredS: 12, timeline: [3, 9] },
      { slave: "slave2", attempts: 1, recoveredS: undefined, timeline: [5] },
    ];
    await writeFile(
      join(dir, "storm.svg"),
      timelineSvg([{ title: "PR-STORM-01", horizonS: 60, recoveries }]),
    );
    const browser = await launch(join(dir, "chromium-profile"));
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(dir, "matrix.html")}`);
      // biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point here
      const text = await page.evaluate(() => document.body.innerText);
      assert.match(text, /expected-fail: failed as the ledger lists/);
      assert.match(text, /PR-CUT-03 cut\s+SHOULD\s+pass\s+FAIL/);
      const links = await page.locator("a").evaluateAll((all) => all.map((a) => a.getAttribute("href")));
      assert.ok(links.includes("../b/traces/PR-CUT-03.ndjson"), links.join(", "));

      await page.goto(`file://${join(dir, "storm.svg")}`);
      const svg = await page.evaluate(() => ({
        root: document.documentElement.localName,
        parseErrors: document.getElementsByTagName("parsererror").length,
        texts: [...document.querySelectorAll("text")].map((e) => e.textContent ?? ""),
        faults: [...document.querySelectorAll("line.fault")].length,
      }));
      assert.equal(svg.parseErrors, 0, "Chromium parses the timeline as XML without errors");
      assert.equal(svg.root, "svg");
      assert.equal(svg.faults, 1, "the fault marker at 0 s");
      for (const key of [
        "MetaSync attempt",
        "until recovery",
        "not recovered",
        "the fault (0 s)",
        "slave1",
        "60 s",
      ])
        assert.ok(
          svg.texts.some((x) => x.includes(key)),
          `${key} in ${svg.texts.join(" | ")}`,
        );
    } finally {
      await browser.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The <details> of the attachment with this file name. */
function attachment(page: import("playwright-core").Page, fileName: string) {
  return page.locator("details").filter({ has: page.locator("summary", { hasText: fileName }) });
}
