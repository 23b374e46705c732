// Opens a notebook in JupyterLab in headless Chromium, runs all cells, and
// reports what a user would see: whether any cell errored, whether the
// expected text appeared and how many images the outputs show. With a button
// label, it then presses that button (the planner's Run) and reports whether
// the answer under it shows an image and the expected text again. Usage:
//   node run_all_cells.mjs URL EXPECTED_TEXT SCREENSHOT_PATH [BUTTON_LABEL]
// Prints one JSON line; exits 0 when the run finished without errors and the
// text appeared (and, after the button, an image with it), 1 otherwise.
import { launch } from "./chromium.mjs";

const [url, expected, screenshot, button] = process.argv.slice(2);
const timeoutMs = Number(process.env.BROWSER_TIMEOUT_MS || 240000);

const browser = await launch();
const report = {
  url: url.replace(/token=[^&]+/, "token=…"),
  ok: false,
  errors: 0,
  found: false,
  cells: 0,
  images: 0,
  pressed: null,
  message: "",
};
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
  report.images = await page.locator(".jp-OutputArea-output img").count();
  report.ok = report.found && report.errors === 0;
  if (button && report.ok) {
    // The planner presses Run: the answer must be drawn again, with its figures.
    const press = page.getByRole("button", { name: button }).first();
    await press.scrollIntoViewIfNeeded();
    const answer = page.locator(".nahy-answer");
    await answer.evaluate((node) => { node.dataset.before = node.innerText; });
    const started = Date.now();
    await press.click();
    await page.waitForFunction(
      (b) => [...document.querySelectorAll("button")].some((x) => x.innerText.includes(b) && x.disabled),
      button, { timeout: 20000 },
    ).catch(() => {});
    await page.waitForFunction(
      ([b, text]) => {
        const run = [...document.querySelectorAll("button")].find((x) => x.innerText.includes(b));
        const node = document.querySelector(".nahy-answer");
        return run && !run.disabled && node && node.querySelectorAll("img").length > 0
          && node.innerText.includes(text);
      },
      [button, expected], { timeout: timeoutMs },
    );
    report.pressed = {
      seconds: (Date.now() - started) / 1000,
      images: await answer.locator("img").count(),
      rendered: await answer.locator("img").first().evaluate((img) => img.naturalWidth > 0),
    };
    await answer.scrollIntoViewIfNeeded();
    report.ok = report.pressed.images > 0 && report.pressed.rendered;
  }
} catch (error) {
  report.message = String(error).split("\n")[0];
} finally {
  const pages = browser.contexts().flatMap((c) => c.pages());
  if (screenshot && pages.length) await pages[0].screenshot({ path: screenshot }).catch(() => {});
  await browser.close();
}
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
