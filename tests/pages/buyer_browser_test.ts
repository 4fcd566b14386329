// The buyer's flows in Debian's chromium against the app served on a free port: holding
// standing tickets and best-available seats with JavaScript off, picking seats on the map with
// JavaScript on, and two buyers racing for the same seats. Screenshots at 360×740 go to
// tests/screenshots/ (gitignored) for a person to look at.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { projectRoot } from "../../lib/config.ts";
import { testApp } from "../support/app.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, type Page } from "../support/browser.ts";

const app = await testApp();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;
const shots = `${projectRoot}tests/screenshots`;
await Deno.mkdir(shots, { recursive: true });
const phone = { viewport: { width: 360, height: 740 } };

const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
const slug = card!.slug;

async function withBrowser(fn: (browser: import("playwright-core").Browser) => Promise<void>) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}

async function release(page: Page) {
  await page.getByRole("button", { name: "Release" }).click();
  await page.waitForURL(/released=1/);
}

const browserTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

browserTest(
  "JavaScript off: standing tickets and best-available seats reach checkout",
  async () => {
    await withBrowser(async (browser) => {
      const context = await browser.newContext({ ...phone, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${base}/e/${slug}`);
      await page.screenshot({ path: `${shots}/event.png`, fullPage: true });
      await page.locator("label", { hasText: "Adult" }).filter({ hasText: "Open Stand" })
        .locator("select").selectOption("2");
      await page.getByRole("button", { name: "Hold my tickets" }).click();
      await page.waitForURL(/\/checkout\/h_/);
      const text = await page.locator("main").innerText();
      assert.match(text, /Adult · Open Stand/);
      assert.match(text, /2 × US\$3\.00/);
      await page.screenshot({ path: `${shots}/checkout-nojs.png`, fullPage: true });
      await release(page);

      await page.goto(`${base}/e/${slug}`);
      await page.getByRole("link", { name: "Choose your seats" }).click();
      await page.waitForURL(/\/seats$/);
      await page.screenshot({ path: `${shots}/seats-nojs.png`, fullPage: true });
      await page.locator('select[name="quantity"]').selectOption("3");
      await page.locator('select[name="where"]').selectOption({ label: "Covered Stand" });
      await page.getByRole("button", { name: /^Best available/ }).click();
      await page.waitForURL(/\/checkout\/h_/);
      const seats = await page.locator("main").innerText();
      assert.match(seats, /Adult · Covered Stand/);
      assert.equal((seats.match(/Row \w+ seat \d+/g) ?? []).length, 3);
      await release(page);
      await context.close();
    });
  },
);

/** Opens the seats page, the VIP section, and a row chosen for this run; returns the page. */
async function openRow(page: Page, row: string) {
  await page.goto(`${base}/e/${slug}/seats`, { waitUntil: "networkidle" });
  await page.getByRole("list", { name: "Sections" }).getByRole("link", { name: /VIP/ }).click();
  await page.getByRole("combobox", { name: "Row" }).selectOption(row);
  return page.getByRole("list", { name: `Seats in row ${row}` }).getByRole("button");
}

const rows = "ABCDEFGHJKLMNPQRSTUV".split("");
const pickRow = () => rows[Math.floor(Math.random() * rows.length)]!;

browserTest(
  "JavaScript on: open a section, pick two seats, hold them, see them on checkout",
  async () => {
    await withBrowser(async (browser) => {
      const context = await browser.newContext(phone);
      const page = await context.newPage();
      await page.goto(`${base}/e/${slug}/seats`, { waitUntil: "networkidle" });
      await page.screenshot({ path: `${shots}/seats.png`, fullPage: true });
      const row = pickRow();
      const seats = await openRow(page, row);
      const first = seats.first();
      await first.waitFor();
      const label = await first.getAttribute("aria-label");
      const [n0, n1] = [await seats.nth(0).innerText(), await seats.nth(1).innerText()];
      assert.match(label ?? "", new RegExp(`^Row ${row} seat ${n0}, US\\$30\\.00`));
      await seats.nth(0).click();
      await seats.nth(1).click();
      assert.equal(await seats.nth(0).getAttribute("aria-pressed"), "true");
      await page.getByText(`2 seats: ${row}${n0}, ${row}${n1} · US$60.00`).waitFor();
      await page.screenshot({ path: `${shots}/seats-picked.png`, fullPage: true });
      await page.getByRole("button", { name: "Hold these seats" }).click();
      await page.waitForURL(/\/checkout\/h_/);
      const text = await page.locator("main").innerText();
      assert.match(text, new RegExp(`Row ${row} seat ${n0}\\b`));
      assert.match(text, new RegExp(`Row ${row} seat ${n1}\\b`));
      assert.match(text, /US\$60\.00/);
      await page.getByRole("timer").waitFor();
      await page.screenshot({ path: `${shots}/checkout.png`, fullPage: true });
      await release(page);
      await context.close();
    });
  },
);

browserTest(
  "two buyers race for the same seats: one wins, the other is told which seat",
  async () => {
    await withBrowser(async (browser) => {
      const a = await (await browser.newContext(phone)).newPage();
      const b = await (await browser.newContext(phone)).newPage();
      const row = pickRow();
      const numbers: string[] = [];
      for (const page of [a, b]) {
        const seats = await openRow(page, row);
        numbers[0] = await seats.nth(0).innerText();
        numbers[1] = await seats.nth(1).innerText();
        await seats.nth(0).click();
        await seats.nth(1).click();
      }
      await Promise.all(
        [a, b].map((p) => p.getByRole("button", { name: "Hold these seats" }).click()),
      );
      await Promise.all([a, b].map((p) => p.waitForLoadState("load")));
      const won = [a, b].filter((p) => p.url().includes("/checkout/"));
      const lost = [a, b].filter((p) => !p.url().includes("/checkout/"));
      assert.equal(won.length, 1, "exactly one buyer holds the seats");
      const message = await lost[0]!.getByRole("alert").innerText();
      assert.match(message, /in VIP (are|is) no longer available|just taken by someone else/);
      assert.match(message, /Best available/, "the buyer is pointed at the best seats still free");
      for (const n of numbers) {
        assert.ok(message.includes(`${row}${n}`), `the message names ${row}${n}`);
      }
      await lost[0]!.screenshot({ path: `${shots}/seats-race-lost.png`, fullPage: true });
      await release(won[0]!);
    });
  },
);

Deno.test({
  name: "stop the server and close the pool",
  async fn() {
    await server.shutdown();
    await closeDb();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
