// Opens the committee app (Voilà) in headless Chromium as a committee member would:
// waits for the first answer, ticks one more measure, presses Run, and reports what
// the page showed. Every request that leaves 127.0.0.1 is refused and recorded (the app
// must work offline). Usage:
//   node app_run.mjs URL MEASURE_LABEL SCREENSHOT_PATH
// Prints one JSON line; exits 0 when the run finished, the headline and the figure
// changed, the PDF downloaded and nothing was fetched from outside, 1 otherwise.
import { launch } from "./chromium.mjs";

const [url, measure, screenshot] = process.argv.slice(2);
const timeoutMs = Number(process.env.BROWSER_TIMEOUT_MS || 240000);

const browser = await launch();
const report = {
  url: url.replace(/token=[^&]+/, "token=…"),
  ok: false,
  external: [],
  code_shown: false,
  headline_before: "",
  headline_after: "",
  image_changed: false,
  images: 0,
  preliminary_seen: false,
  first_answer_s: null,
  final_answer_s: null,
  download: null,
  message: "",
};

async function waitFor(page, test, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await test();
    if (value) return value;
    await page.waitForTimeout(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const headline = (page) =>
  page.locator(".nahy-headline").allInnerTexts().then((t) => t.join(" "));
const status = (page) => page.locator(".nahy-status").allInnerTexts().then((t) => t.join(" "));
const answer = (page) => page.locator(".nahy-answer").allInnerTexts().then((t) => t.join(" "));
const runButton = (page) => page.getByRole("button", { name: "Chạy mô phỏng" });
const figureSource = (page) =>
  page.locator(".jp-OutputArea-output img").first().getAttribute("src").catch(() => null);

try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  await context.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (["127.0.0.1", "localhost"].includes(host) || route.request().url().startsWith("data:")) {
      return route.continue();
    }
    report.external.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60000 });
  // The first answer (the plan as the app opens) is on the page.
  await waitFor(page, async () => (await status(page)).includes("Kết quả đầy đủ"), "the first answer");
  report.headline_before = await headline(page);
  const before = await figureSource(page);
  report.code_shown = (await page.locator(".jp-CodeMirrorEditor, .cm-editor, .jp-InputArea-editor, .highlight").count()) > 0;
  // Tick one more measure, then Run.
  await page.locator(".widget-checkbox", { hasText: measure }).first().locator("input").check();
  const started = Date.now();
  await runButton(page).click();
  // The run has started when the button is disabled; it is over when it is enabled again.
  await waitFor(page, () => runButton(page).isDisabled(), "the run to start");
  await waitFor(page, async () => {
    if (report.first_answer_s === null && (await answer(page)).includes("Kết quả sơ bộ")) {
      report.preliminary_seen = true;
      report.first_answer_s = (Date.now() - started) / 1000;
    }
    return !(await runButton(page).isDisabled()) && (await status(page)).includes("Kết quả đầy đủ");
  }, "the full answer");
  report.final_answer_s = (Date.now() - started) / 1000;
  if (report.first_answer_s === null) report.first_answer_s = report.final_answer_s;
  report.headline_after = await headline(page);
  const after = await figureSource(page);
  report.image_changed = Boolean(before && after && before !== after);
  report.images = await page.locator(".jp-OutputArea-output img").count();
  // Download the briefing.
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 30000 }),
    page.locator("a.nahy-download").click(),
  ]);
  const path = await download.path();
  const { statSync } = await import("node:fs");
  report.download = { name: download.suggestedFilename(), bytes: path ? statSync(path).size : 0 };
  await page.screenshot({ path: screenshot, fullPage: true });
  report.ok =
    report.external.length === 0 &&
    !report.code_shown &&
    report.headline_after.includes("Với “") &&
    report.headline_after !== report.headline_before &&
    report.image_changed &&
    report.download.name.endsWith(".pdf") &&
    report.download.bytes > 10000;
} catch (error) {
  report.message = String(error).split("\n")[0];
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (screenshot && pages.length) await pages[0].screenshot({ path: screenshot, fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
