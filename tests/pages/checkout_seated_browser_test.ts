// Seated purchases in a real browser with JavaScript ON, from the seat map to tickets:
// best available ×2 in one zone, and two seats picked by hand, each paid in the sandbox.
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { rpc } from "../../lib/rest/mod.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { startServer } from "../payments/support.ts";

const phone = { viewport: { width: 360, height: 740 } };

/** From a checkout page: buyer details, sandbox card, approve, and wait for the tickets. */
async function payAndOpenTickets(page: Page, names: string[]) {
  await page.fill("#email", "tendai@example.com");
  await page.fill("#phone", "+263 71 555 0101");
  for (const [i, name] of names.entries()) await page.fill(`#attendee_${i}`, name);
  await page.check('input[name="method"][value="card"]');
  await Promise.all([page.waitForURL(/\/sandbox-pay\/pi_/), page.click('button[value="pay"]')]);
  await Promise.all([
    page.waitForURL(/\/o\//, { timeout: 20_000 }),
    page.click('button[value="approve"]'),
  ]);
  await page.waitForSelector(`text=Paid · ${names.length} tickets ready`, { timeout: 20_000 });
  assert.equal(await page.locator(".qr svg").count(), names.length);
  for (const name of names) assert.ok(await page.isVisible(`text=${name}`), `ticket for ${name}`);
  return await page.locator("main").innerText();
}

Deno.test({
  name: "seated purchases with JavaScript: best available and picked seats, paid, to tickets",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
    const slug = card!.slug;
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      // Best available: two seats in the Covered Stand, whichever the engine finds best.
      const context = await browser.newContext(phone);
      const page = await context.newPage();
      await page.goto(`${server.origin}/e/${slug}/seats`, { waitUntil: "networkidle" });
      await page.locator('select[name="quantity"]').selectOption("2");
      await page.locator('select[name="where"]').selectOption({ label: "Covered Stand" });
      await Promise.all([
        page.waitForURL(/\/checkout\/h_/),
        page.getByRole("button", { name: /^Best available/ }).click(),
      ]);
      const held = await page.locator("main").innerText();
      assert.match(held, /Covered Stand/);
      const tickets = await payAndOpenTickets(page, ["Tendai Moyo", "Nyasha Moyo"]);
      assert.match(tickets, /Covered Stand/);
      await context.close();

      // Picked seats: two seats of a VIP row chosen on the map.
      const context2 = await browser.newContext(phone);
      const page2 = await context2.newPage();
      await page2.goto(`${server.origin}/e/${slug}/seats`, { waitUntil: "networkidle" });
      await page2.getByRole("list", { name: "Sections" }).getByRole("link", { name: /VIP/ })
        .click();
      const row = Math.random() < 0.5 ? "T" : "U"; // rows other tests of this run leave alone
      await page2.getByRole("combobox", { name: "Row" }).selectOption(row);
      const seats = page2.getByRole("list", { name: `Seats in row ${row}` }).getByRole("button");
      await seats.first().waitFor();
      const free = seats.and(page2.locator("button:enabled")); // seats still free
      const [a, b] = [await free.nth(4).innerText(), await free.nth(5).innerText()];
      await free.nth(4).click();
      await free.nth(5).click();
      await Promise.all([
        page2.waitForURL(/\/checkout\/h_/),
        page2.getByRole("button", { name: "Hold these seats" }).click(),
      ]);
      const picked = await payAndOpenTickets(page2, ["Rutendo Chari", "Kuda Chari"]);
      assert.match(picked, new RegExp(`Row ${row}.*${a}|${row}${a}`));
      assert.match(picked, new RegExp(`Row ${row}.*${b}|${row}${b}`));
      await context2.close();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
