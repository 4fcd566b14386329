// The admin pages in Debian's chromium at laptop (1366×768) and tablet (768×1024, 1024×768)
// sizes over the demo data with a few sales: events list, an event, its live dashboard,
// orders, an order, check-in setup and the designer with the 60,000-seat stadium (and the
// venues, team and audit pages). Each page is saved to tests/screenshots/sizes-<page>-<size>.png
// (gitignored) to be looked at, and must not scroll sideways as a whole: wide tables scroll
// inside their own box.
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { closeKv } from "../../lib/admin_session.ts";
import { closeDb } from "../../lib/db.ts";
import { stopLive } from "../../lib/live.ts";
import { projectRoot } from "../../lib/config.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, submitLogin } from "./support.ts";
import { demoEvent, markPaid, pendingOrder } from "./live_support.ts";

const SIZES = [
  { name: "laptop", width: 1366, height: 768 },
  { name: "tablet", width: 768, height: 1024 },
  { name: "tablet-landscape", width: 1024, height: 768 },
];

/** How far the page as a whole is wider than the window (0 when nothing sticks out). */
const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - globalThis.innerWidth);

Deno.test({
  name: "admin pages at laptop and tablet sizes: screenshots, no sideways page scroll",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const app = await adminApp();
    const server = Deno.serve({ hostname: "127.0.0.1", port: 18861, onListen() {} }, app.handler);
    const base = "http://127.0.0.1:18861";
    const shots = `${projectRoot}tests/screenshots`;
    await Deno.mkdir(`${shots}/parts`, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    const sql = await adminSql(1);
    try {
      // Some sales so the dashboard, lists and order page have something to show.
      const event = await demoEvent();
      let orderId = "";
      for (const quantity of [2, 1, 3]) {
        orderId = await pendingOrder(event, quantity);
        await markPaid(event, orderId);
      }
      // A gate and a paired scanner, so the check-in page lists a device.
      await sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", org_id: event.orgId })
        }, true)`;
        const [gate] = await tx`select api.save_gate(${event.id}, ${`Gate ${
          crypto.randomUUID().slice(0, 4)
        }`}) as id`;
        const [p] = await tx`select api.create_pairing_code(${event.id}, ${
          gate!.id
        }) ->> 'code' as code`;
        await tx`select api.pair_device(${p!.code}, 'North gate phone 1')`;
      });
      const [stadium] = await sql<{ venue_id: string; version_id: string }[]>`
        select l.venue_id, v.id as version_id
        from core.layout_versions v join core.layouts l on l.id = v.layout_id
        join core.venues x on x.id = l.venue_id
        where x.name = 'National Sports Stadium' order by v.version desc limit 1`;
      const pages: [string, string][] = [
        ["events", "/admin/events"],
        ["event", `/admin/events/${event.id}`],
        ["live", `/admin/events/${event.id}/live`],
        ["orders", "/admin/orders"],
        ["order", `/admin/orders/${orderId}`],
        ["check-in", `/admin/events/${event.id}/check-in`],
        ["designer", `/admin/venues/${stadium!.venue_id}/layouts/${stadium!.version_id}`],
        // and the other admin pages with tables, for the sideways-scroll check
        ["venues", "/admin/venues"],
        ["team", "/admin/team"],
        ["audit", "/admin/audit"],
      ];

      const context = await browser.newContext({ viewport: SIZES[0]! });
      const page = await context.newPage();
      await page.goto(`${base}/admin/login`);
      await submitLogin(page, `${base}/admin/events`);
      const overflowing: string[] = [];
      for (const size of SIZES) {
        await page.setViewportSize({ width: size.width, height: size.height });
        for (const [name, path] of pages) {
          const response = await page.goto(`${base}${path}`);
          assert.equal(response?.status(), 200, `${path} at ${size.name}`);
          if (name === "live") {
            await page.locator('[data-live-state="live"]').waitFor({ timeout: 10_000 });
          }
          if (name === "designer") {
            await page.locator("svg path").first().waitFor({ timeout: 30_000 });
          }
          await page.waitForTimeout(300);
          const over = await sidewaysOverflow(page);
          if (over > 0) overflowing.push(`${name} at ${size.name}: ${over}px`);
          await page.screenshot({
            path: `${shots}/sizes-${name}-${size.name}.png`,
            fullPage: true,
          });
          // Tall pages also in window-high parts, readable at full size.
          const height = await page.evaluate(() => document.documentElement.scrollHeight);
          for (let y = 0, part = 1; y < height && part <= 6; y += size.height, part++) {
            await page.screenshot({
              path: `${shots}/parts/sizes-${name}-${size.name}-${part}.png`,
              fullPage: true,
              clip: { x: 0, y, width: size.width, height: Math.min(size.height, height - y) },
            });
          }
        }
      }
      assert.deepEqual(overflowing, [], "pages wider than the window");
      await context.close();
    } finally {
      await sql.end();
      await browser.close();
      await stopLive();
      await server.shutdown();
      await closeKv();
      await closeDb();
    }
  },
});
