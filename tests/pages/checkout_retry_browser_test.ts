// In a real browser with JavaScript on: a declined payment then an approved retry on the same
// order, and a hold that expires while the buyer is filling in the checkout form.
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { adminSql } from "../support/db.ts";
import { gaEvent, startServer } from "../payments/support.ts";

const phone = { viewport: { width: 360, height: 740 } };

/** Event page → two standing tickets held → the checkout form filled in. */
async function toFilledCheckout(page: Page, origin: string, quantity = "2") {
  const ga = await gaEvent();
  await page.goto(origin + ga.path);
  await page.selectOption(`[name="${ga.field}"]`, quantity);
  await Promise.all([
    page.waitForURL(/\/checkout\/h_/),
    page.locator(`form:has([name="${ga.field}"]) button[type="submit"]`).first().click(),
  ]);
  await page.fill("#email", "rumbi@example.com");
  await page.fill("#phone", "+263 78 000 1111");
  for (let i = 0; i < Number(quantity); i++) await page.fill(`#attendee_${i}`, `Guest ${i + 1}`);
  await page.check('input[name="method"][value="card"]');
}

Deno.test({
  name: "browser: declined payment, then an approved retry of the same order, to tickets",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const page = await (await browser.newContext(phone)).newPage();
      await toFilledCheckout(page, server.origin);
      await Promise.all([page.waitForURL(/\/sandbox-pay\/pi_/), page.click('button[value="pay"]')]);
      const firstIntent = page.url();
      await Promise.all([
        page.waitForURL(/\/checkout\/return/),
        page.click('button[value="decline"]'),
      ]);
      await page.getByText("Your payment was declined").waitFor({ timeout: 15_000 });
      const orderCode = new URL(page.url()).searchParams.get("o");
      await Promise.all([
        page.waitForURL(/\/sandbox-pay\/pi_/),
        page.getByRole("button", { name: /Try again by card/ }).click(),
      ]);
      assert.notEqual(page.url(), firstIntent, "the retry is a new payment attempt");
      await Promise.all([
        page.waitForURL(/\/o\//, { timeout: 20_000 }),
        page.click('button[value="approve"]'),
      ]);
      await page.waitForSelector("text=Paid · 2 tickets ready", { timeout: 20_000 });
      assert.ok(page.url().includes(`/o/${orderCode}`), "the same order was paid");
      assert.equal(await page.locator(".qr svg").count(), 2);
    } finally {
      await browser.close();
      await server.close();
    }
  },
});

Deno.test({
  name: "browser: the hold expires during checkout; paying shows the expired page and starts again",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const sql = await adminSql(1);
    try {
      const page = await (await browser.newContext(phone)).newPage();
      await toFilledCheckout(page, server.origin, "1");
      const token = new URL(page.url()).pathname.split("/").pop()!;
      await sql`select core.set_hold_expiry(id, now() - interval '1 second')
                from core.holds where token = ${token}`;
      await page.click('button[value="pay"]');
      await page.getByText("Your seats were released").waitFor();
      await Promise.all([
        page.waitForURL(/\/e\/dynamos-vs-highlanders/),
        page.getByRole("link", { name: /Start again/ }).click(),
      ]);
    } finally {
      await sql.end();
      await browser.close();
      await server.close();
    }
  },
});
