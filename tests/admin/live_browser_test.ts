// The live dashboard in Debian's chromium: sign in, open /admin/events/<id>/live, make a sale
// through the API functions and see the "Tickets sold" tile change without a reload.
// Screenshots at laptop (1280×800) and tablet (768×1024) sizes: tests/screenshots/live-*.png.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { stopLive } from "../../lib/live.ts";
import { projectRoot } from "../../lib/config.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { adminApp, DEMO_PASSWORD, OWNER } from "./support.ts";
import { demoEvent, markPaid, pendingOrder } from "./live_support.ts";

Deno.test({
  name: "live dashboard: a sale shows without reload (laptop and tablet)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await adminApp();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
    const base = `http://127.0.0.1:${server.addr.port}`;
    const shots = `${projectRoot}tests/screenshots`;
    await Deno.mkdir(shots, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const event = await demoEvent();
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(
        `${base}/admin/login?next=${encodeURIComponent(`/admin/events/${event.id}/live`)}`,
      );
      await page.getByLabel("Email").fill(OWNER);
      await page.getByLabel("Password").fill(DEMO_PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${base}/admin/events/${event.id}/live`);
      await page.locator('[data-live-state="live"]').waitFor({ timeout: 5000 });
      const tile = page.locator('[data-tile="tickets"]');
      const before = Number(await tile.textContent());
      const orderId = await pendingOrder(event, 3);
      await markPaid(event, orderId);
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-tile="tickets"]')?.textContent) >= n,
        before + 3,
        { timeout: 3000 },
      );
      assert.ok(Number(await tile.textContent()) >= before + 3);
      await page.screenshot({ path: `${shots}/live-laptop.png`, fullPage: true });
      await page.setViewportSize({ width: 768, height: 1024 });
      await page.waitForTimeout(200);
      await page.screenshot({ path: `${shots}/live-tablet.png`, fullPage: true });
    } finally {
      await browser.close();
      await server.shutdown();
      await stopLive();
      await closeKv();
      await closeDb();
    }
  },
});
