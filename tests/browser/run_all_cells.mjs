// Opens a notebook in JupyterLab in headless Chromium, runs all cells, and
// reports what a user would see: whether any cell errored and whether the
// expected text appeared. Usage:
//   node run_all_cells.mjs URL EXPECTED_TEXT SCREENSHOT_PATH
// Prints one JSON line; exits 0 when the run finished without errors and the
// text appeared, 1 otherwise.
import { chromium } from "playwright-core";

const [url, expected, screenshot] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const timeoutMs = Number(process.env.BROWSER_TIMEOUT_MS || 240000);

const browser = await chromium.launch({
  executablePath,
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
const report = { url, ok: false, errors: 0, found: false, cells: 0, message: "" };
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: 60000 });
  // The notebook is open when its cells are on the page and the kernel is idle.
  await page.waitForSelector(".jp-Notebook .jp-Cell", { timeout: 90000 });
  await page.waitForSelector(".jp-Notebook-ExecutionIndicator[data-status='idle']", {
    timeout: 90000,
  }).catch(() => {});
  // A notebook without a kernel asks which one to use: take the default.
  const accept = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").first();
  if (await accept.waitFor({ timeout: 5000 }).then(() => true, () => false)) await accept.click();
  // Run > Run All Cells, through the menu a user would use.
  await page.locator(".jp-Notebook").first().click();
  await page.getByRole("menuitem", { name: "Run", exact: true }).click();
  await page.getByRole("menuitem", { name: /^Run All Cells/ }).click();
  // Wait until no cell is queued or running ("[*]") and the expected text shows.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const busy = await page.locator(".jp-InputPrompt", { hasText: "[*]" }).count();
    const text = await page.locator(".jp-OutputArea-output").allInnerTexts();
    report.found = text.some((t) => t.includes(expected));
    if (busy === 0 && report.found) break;
    await page.waitForTimeout(1000);
  }
  report.cells = await page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt", { hasText: /\[\d+\]/ }).count();
  report.errors = await page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']", { hasText: /Traceback|Error/ }).count()
    + await page.locator(".jp-RenderedText .ansi-red-fg", { hasText: /Error/ }).count();
  report.ok = report.found && report.errors === 0;
} catch (error) {
  report.message = String(error).split("\n")[0];
} finally {
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (screenshot && pages.length) await pages[0].screenshot({ path: screenshot }).catch(() => {});
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
