// The organiser's flows in Debian's chromium against the app on a free port: sign in, create
// an event from a venue layout, add a ticket type, publish it after the confirmation step,
// find an order by email and cancel it. Screenshots at laptop (1280×800) and tablet
// (768×1024) sizes go to tests/screenshots/admin-*.png for a person to look at.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { projectRoot } from "../../lib/config.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, type Page } from "../support/browser.ts";
import { adminApp, submitLogin } from "./support.ts";

const app = await adminApp();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;
const shots = `${projectRoot}tests/screenshots`;
await Deno.mkdir(shots, { recursive: true });

// A pending web order on the demo football match, as a buyer would make it.
const buyerEmail = `browser-${crypto.randomUUID().slice(0, 8)}@example.com`;
const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
const event = await rpc<{ id: string; ticket_types: { id: string; name: string }[] }>(
  "event_by_slug",
  { slug: card!.slug },
);
const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
  event_id: event.id,
});
const hold = await rpc<{ token: string }>("hold_tickets", {
  event_id: event.id,
  items: [{
    ticket_type_id: event.ticket_types.find((t) => t.name === "Adult")!.id,
    quantity: 2,
    section_id: sections.find((s) => s.name === "Open Stand")!.id,
  }],
  session_id: "s_admin-browser-test-000001",
});
await rpc("create_order", {
  hold_token: hold.token,
  buyer_email: buyerEmail,
  buyer_name: "Nyasha Browser",
  attendees: ["Nyasha Browser", "Tino Browser"],
});

async function signIn(page: Page) {
  await page.goto(`${base}/admin/events`);
  await page.waitForURL(/\/admin\/login\?next=/);
  await submitLogin(page, `${base}/admin/events`);
}

Deno.test({
  name:
    "organiser: sign in, create and publish an event, find an order and cancel it (laptop and tablet)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const laptop = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await signIn(laptop);
      await laptop.screenshot({ path: `${shots}/admin-events-laptop.png`, fullPage: false });

      // Create a draft from a layout, add a ticket type with a price in every zone, publish.
      await laptop.getByRole("link", { name: "New event" }).click();
      const name = `Browser Cup ${crypto.randomUUID().slice(0, 6)}`;
      await laptop.getByLabel("Name").fill(name);
      await laptop.getByLabel("Venue layout").selectOption({ index: 0 });
      const start = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 16);
      await laptop.getByLabel("Starts (Harare time)").fill(start);
      await laptop.getByRole("button", { name: "Create draft event" }).click();
      await laptop.waitForURL(/\/admin\/events\/[0-9a-f-]{36}\?ok=/);
      assert.ok(await laptop.getByText("Event created as a draft").isVisible());
      await laptop.locator("#tt-name").fill("Adult");
      for (const input of await laptop.locator('input[name^="price:"]').all()) {
        await input.fill("12.50");
      }
      await laptop.getByRole("button", { name: "Add ticket type" }).click();
      await laptop.waitForURL(/ok=Ticket/);
      await laptop.getByRole("button", { name: "Publish (on sale)…" }).click();
      await laptop.waitForURL(/confirm=publish/);
      await laptop.screenshot({ path: `${shots}/admin-event-confirm-laptop.png`, fullPage: false });
      await laptop.getByRole("button", { name: "Yes, publish (on sale)" }).click();
      await laptop.waitForURL(/ok=Status/);
      assert.equal(
        (await laptop.locator("h1 + div span").first().textContent())?.trim(),
        "on sale",
      );
      await laptop.screenshot({ path: `${shots}/admin-event-laptop.png`, fullPage: true });

      // Find the buyer's order by email, open it and cancel it (confirmed).
      await laptop.getByRole("link", { name: "Orders", exact: true }).first().click();
      await laptop.getByLabel("Search orders").fill(buyerEmail);
      await laptop.getByRole("button", { name: "Search" }).click();
      await laptop.locator("tbody a").first().click();
      await laptop.waitForURL(/\/admin\/orders\/[0-9a-f-]{36}$/);
      assert.ok(await laptop.getByText("Nyasha Browser").first().isVisible());
      await laptop.getByLabel("Reason (optional)").fill("Buyer phoned to cancel");
      await laptop.getByRole("button", { name: "Cancel order…" }).click();
      await laptop.waitForURL(/confirm=cancel/);
      await laptop.getByRole("button", { name: "Yes, cancel" }).click();
      await laptop.waitForURL(/ok=Order/);
      assert.equal(
        (await laptop.locator("h1 + div span").first().textContent())?.trim(),
        "cancelled",
      );
      assert.ok(await laptop.getByText("Buyer phoned to cancel").first().isVisible());
      await laptop.screenshot({ path: `${shots}/admin-order-laptop.png`, fullPage: true });
      const orderUrl = laptop.url();

      const tablet = await browser.newPage({ viewport: { width: 768, height: 1024 } });
      await signIn(tablet);
      await tablet.screenshot({ path: `${shots}/admin-events-tablet.png`, fullPage: false });
      await tablet.goto(orderUrl);
      await tablet.screenshot({ path: `${shots}/admin-order-tablet.png`, fullPage: true });
      await tablet.goto(`${base}/admin/audit?action=order.`);
      await tablet.screenshot({ path: `${shots}/admin-audit-tablet.png`, fullPage: false });
      await tablet.goto(`${base}/admin/login`);
      await tablet.screenshot({ path: `${shots}/admin-login-tablet.png`, fullPage: false });
    } finally {
      await browser.close();
      await server.shutdown();
      await closeKv();
      await closeDb();
    }
  },
});
