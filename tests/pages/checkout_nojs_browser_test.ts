// GA purchase in a real browser with JavaScript DISABLED, from the event page to the tickets,
// plus the PDF and calendar downloads. Screenshots at 360x740 go to tests/screenshots/.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { PDFDocument } from "pdf-lib";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { gaEvent, startServer } from "../payments/support.ts";

const shots = new URL("../screenshots/", import.meta.url).pathname;

Deno.test({
  name: "GA purchase without JavaScript: event page -> checkout -> sandbox -> return -> tickets",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const ga = await gaEvent();
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({
        javaScriptEnabled: false,
        viewport: { width: 360, height: 740 },
        acceptDownloads: true,
      });
      const page = await context.newPage();
      await page.goto(server.origin + ga.path);
      await page.selectOption(`[name="${ga.field}"]`, "2");
      await Promise.all([
        page.waitForURL(/\/checkout\/h_/),
        page.locator(`form:has([name="${ga.field}"]) button[type="submit"]`).first().click(),
      ]);
      await page.fill("#email", "chipo@example.com");
      await page.fill("#phone", "+263 77 123 4567");
      await page.fill("#attendee_0", "Chipo Dube");
      await page.fill("#attendee_1", "Farai Dube");
      await page.check('input[name="method"][value="mobile_money"]');
      await page.screenshot({ path: `${shots}checkout_360.png`, fullPage: true });
      await Promise.all([page.waitForURL(/\/sandbox-pay\/pi_/), page.click('button[value="pay"]')]);
      await page.screenshot({ path: `${shots}sandbox_pay_360.png`, fullPage: true });
      await Promise.all([
        page.waitForURL(/\/checkout\/return|\/o\//),
        page.click('button[value="approve"]'),
      ]);
      if (page.url().includes("/checkout/return")) {
        await page.screenshot({ path: `${shots}return_360.png`, fullPage: true });
        // no JS: the page refreshes itself (meta refresh) or the buyer taps Refresh
        for (let i = 0; i < 20 && !page.url().includes("/o/"); i++) {
          await page.click("text=Refresh").catch(() => {});
          await page.waitForTimeout(300);
        }
      }
      assert.match(page.url(), /\/o\/[2-9A-Z]{8}\?k=/);
      await page.waitForSelector("text=Paid · 2 tickets ready");
      assert.equal(await page.locator(".qr svg").count(), 2);
      assert.ok(await page.isVisible("text=Farai Dube"));
      await page.screenshot({ path: `${shots}order_360.png`, fullPage: true });

      const [pdf] = await Promise.all([
        page.waitForEvent("download"),
        page.click("text=Download PDF"),
      ]);
      const bytes = await Deno.readFile((await pdf.path())!);
      assert.equal(new TextDecoder().decode(bytes.slice(0, 5)), "%PDF-");
      assert.equal((await PDFDocument.load(bytes)).getPageCount(), 2);

      const [ics] = await Promise.all([
        page.waitForEvent("download"),
        page.click("text=Add to calendar"),
      ]);
      const cal = await Deno.readTextFile((await ics.path())!);
      assert.match(cal, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
      assert.match(
        cal,
        /\r\nBEGIN:VEVENT\r\n[\s\S]*DTSTART:\d{8}T\d{6}Z\r\n[\s\S]*END:VEVENT\r\nEND:VCALENDAR\r\n$/,
      );
      assert.match(cal, /SUMMARY:Dynamos vs Highlanders/);
      for (const line of cal.split("\r\n")) {
        assert.ok(new TextEncoder().encode(line).length <= 75, line);
      }
      await context.close();
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
