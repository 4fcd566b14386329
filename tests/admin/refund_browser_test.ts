// Refunds in Debian's chromium: the owner finds a paid order by the buyer's phone, refunds one
// of its two tickets (reason, ticket ticked, the confirmation step names the attendee), then
// the rest of the order in full; each time the page shows the outcome without SQL: the ticket
// statuses, the order's status and the refund in the order's history. Tablet size (768×1024).
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { projectRoot } from "../../lib/config.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { adminApp, submitLogin } from "./support.ts";
import { demoEvent, markPaid } from "./live_support.ts";

Deno.test({
  name: "organiser refunds one ticket, then the whole order, in the browser",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await adminApp();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 18862, onListen() {} }, app.handler);
    const base = "http://127.0.0.1:18862";
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const event = await demoEvent();
      const tag = crypto.randomUUID().slice(0, 8);
      const phone = `+263 71 ${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
      const hold = await rpc<{ token: string }>("hold_tickets", {
        event_id: event.id,
        items: [{ ticket_type_id: event.adultId, quantity: 2, section_id: event.sectionId }],
        session_id: `s_refund-${tag}-000000000`,
      });
      const order = await rpc<{ id: string; code: string }>("create_order", {
        hold_token: hold.token,
        buyer_phone: phone,
        buyer_name: "Refund Buyer",
        attendees: ["Rudo Refund", "Kuda Stays"],
      });
      await markPaid(event, order.id);

      const page = await browser.newPage({ viewport: { width: 768, height: 1024 } });
      await page.goto(`${base}/admin/login`);
      await submitLogin(page, `${base}/admin/events`);
      await page.getByRole("link", { name: "Orders", exact: true }).first().click();
      await page.getByLabel("Search orders").fill(phone.replaceAll(" ", ""));
      await page.getByRole("button", { name: "Search" }).click();
      await page.locator("tbody a").first().click();
      await page.waitForURL(`${base}/admin/orders/${order.id}`);

      // One ticket: reason, tick Rudo's ticket, confirm.
      await page.getByLabel("Refund reason").fill("Rudo cannot come");
      await page.getByLabel("Rudo Refund").check();
      await page.getByRole("button", { name: "Refund…" }).click();
      await page.waitForURL(/confirm=refund/);
      const confirm = page.getByTestId("confirm");
      assert.match(await confirm.textContent() ?? "", /Tickets: Rudo Refund/);
      await confirm.getByRole("button", { name: "Yes, refund" }).click();
      await page.waitForURL(/ok=Refund/);
      const status = (name: string) =>
        page.locator("tr", { has: page.locator(`input[value="${name}"]`) }).or(
          page.locator("tr", { hasText: name }),
        ).first().locator("td").nth(2).textContent();
      assert.equal((await status("Rudo Refund"))?.trim(), "refunded");
      assert.equal((await status("Kuda Stays"))?.trim(), "valid");
      assert.equal((await page.locator("h1 + div span").first().textContent())?.trim(), "paid");

      // The rest of the order: no ticket ticked, no amount = everything still paid for.
      await page.getByLabel("Refund reason").fill("Event clash, whole order");
      await page.getByRole("button", { name: "Refund…" }).click();
      await page.waitForURL(/confirm=refund/);
      await page.getByTestId("confirm").getByRole("button", { name: "Yes, refund" }).click();
      await page.waitForURL(/ok=Refund/);
      assert.equal((await status("Kuda Stays"))?.trim(), "refunded");
      assert.notEqual(
        (await page.locator("h1 + div span").first().textContent())?.trim(),
        "paid",
        "the order is no longer paid",
      );
      assert.ok(await page.getByText("Event clash, whole order").first().isVisible());
      assert.equal(
        await page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth),
        0,
        "no sideways scroll on the tablet",
      );
      await page.screenshot({
        path: `${projectRoot}tests/screenshots/refund-tablet.png`,
        fullPage: true,
      });
    } finally {
      await browser.close();
      await server.shutdown();
      await closeKv();
      await closeDb();
    }
  },
});
