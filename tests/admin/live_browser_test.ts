// The live dashboard in Debian's chromium while a buyer buys on the buyer site: the organiser
// signs in and opens /admin/events/<id>/live (laptop size); in a second browser context a
// buyer (phone size) opens the event page /e/<slug>, chooses two Adult tickets in the Open
// Stand, checks out and approves the payment on the sandbox's hosted page. The dashboard's
// tickets, revenue and the Open Stand on the section heatmap change without a reload.
// Screenshots at laptop (1280×800) and tablet (768×1024): tests/screenshots/live-*.png.
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { closeKv } from "../../lib/admin_session.ts";
import { stopLive } from "../../lib/live.ts";
import { projectRoot } from "../../lib/config.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { startServer } from "../payments/support.ts";
import { submitLogin } from "./support.ts";
import { demoEvent } from "./live_support.ts";

/** The buyer's whole purchase on the buyer pages: event page → checkout → sandbox approve. */
async function buyOnBuyerSite(page: Page, origin: string, slug: string, names: string[]) {
  await page.goto(`${origin}/e/${slug}`);
  await page.locator("label", { hasText: "Adult" }).filter({ hasText: "Open Stand" })
    .locator("select").selectOption(String(names.length));
  await Promise.all([
    page.waitForURL(/\/checkout\/h_/),
    page.getByRole("button", { name: "Hold my tickets" }).click(),
  ]);
  await page.fill("#email", "chipo.live@example.com");
  await page.fill("#phone", "+263 77 555 0142");
  for (const [i, name] of names.entries()) await page.fill(`#attendee_${i}`, name);
  await page.check('input[name="method"][value="card"]');
  await Promise.all([page.waitForURL(/\/sandbox-pay\/pi_/), page.click('button[value="pay"]')]);
  await Promise.all([
    page.waitForURL(/\/o\//, { timeout: 20_000 }),
    page.click('button[value="approve"]'),
  ]);
  await page.waitForSelector(`text=Paid · ${names.length} tickets ready`, { timeout: 20_000 });
}

const openStandSold = (page: Page) =>
  page.locator('g[data-section="Open Stand"]').getAttribute("data-sold").then(Number);

Deno.test({
  name: "live dashboard: a purchase on the buyer site shows without reload (laptop and tablet)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!Deno.env.get("MUTAMBO_KV_PATH")) {
      Deno.env.set("MUTAMBO_KV_PATH", await Deno.makeTempFile({ suffix: ".kv.sqlite3" }));
    }
    const server = await startServer();
    const base = server.origin;
    const shots = `${projectRoot}tests/screenshots`;
    await Deno.mkdir(shots, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const event = await demoEvent();
      const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
      const organiser = await (await browser.newContext({ viewport: { width: 1280, height: 800 } }))
        .newPage();
      await organiser.goto(
        `${base}/admin/login?next=${encodeURIComponent(`/admin/events/${event.id}/live`)}`,
      );
      await submitLogin(organiser, `${base}/admin/events/${event.id}/live`);
      await organiser.locator('[data-live-state="live"]').waitFor({ timeout: 5000 });
      // A mark on the window: gone if the page reloads.
      await organiser.evaluate(() => Object.assign(window, { notReloaded: true }));
      const tile = (id: string) => organiser.locator(`[data-tile="${id}"]`).textContent();
      const tickets = Number(await tile("tickets"));
      const revenue = await tile("revenue");
      const sold = await openStandSold(organiser);

      const buyer = await (await browser.newContext({ viewport: { width: 360, height: 740 } }))
        .newPage();
      await buyOnBuyerSite(buyer, base, card!.slug, ["Chipo Live", "Tawanda Live"]);

      await organiser.waitForFunction(
        ([n, s]) =>
          Number(document.querySelector('[data-tile="tickets"]')?.textContent) >= n &&
          Number(
              document.querySelector('g[data-section="Open Stand"]')?.getAttribute("data-sold"),
            ) >=
            s,
        [tickets + 2, sold + 2] as const,
        { timeout: 15_000 },
      );
      assert.ok(Number(await tile("tickets")) >= tickets + 2, "tickets sold went up by the sale");
      assert.notEqual(await tile("revenue"), revenue, "revenue changed");
      assert.ok(await openStandSold(organiser) >= sold + 2, "the Open Stand's heat went up");
      const row = await organiser.locator('tr[data-section-row="Open Stand"] td').nth(1)
        .textContent();
      assert.ok(Number(row) >= sold + 2, "the section table shows the sale");
      assert.equal(
        await organiser.evaluate(() =>
          (window as unknown as { notReloaded?: boolean }).notReloaded
        ),
        true,
        "the dashboard changed without a reload",
      );
      await organiser.screenshot({ path: `${shots}/live-laptop.png`, fullPage: true });
      await organiser.setViewportSize({ width: 768, height: 1024 });
      await organiser.waitForTimeout(200);
      await organiser.screenshot({ path: `${shots}/live-tablet.png`, fullPage: true });
    } finally {
      await browser.close();
      await stopLive();
      await closeKv();
      await server.close();
    }
  },
});
