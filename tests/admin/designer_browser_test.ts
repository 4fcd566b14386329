// The designer in chromium: sign in, create a venue and a layout, add a seated section by
// pattern (live preview), save, publish, see the capacity; screenshots at 1280×800 and
// 768×1024 in tests/screenshots/designer-*.png; then open the demo National Sports Stadium
// (60,000 places, 20,000 drawn seats) and print how long it takes to draw.
import assert from "node:assert/strict";
import { projectRoot } from "../../lib/config.ts";
import { launchBrowser } from "../support/browser.ts";
import { adminApp, createVenue, newLayout, submitLogin } from "./support.ts";

const app = await adminApp();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;
const shots = `${projectRoot}tests/screenshots`;
await Deno.mkdir(shots, { recursive: true });

Deno.test({
  name: "designer: create a venue, add a section by pattern, save, publish; stadium draw time",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/admin/login?next=/admin/venues`);
      await submitLogin(page, `${base}/admin/venues`);

      const name = `Browser Hall ${crypto.randomUUID().slice(0, 6)}`;
      await createVenue(page, name, "Harare");
      await newLayout(page, base, name, "Theatre");

      await page.getByRole("button", { name: "Add seated section" }).click();
      await page.getByLabel("Section name").fill("Stalls");
      await page.getByLabel("Rows", { exact: true }).fill("12");
      await page.getByLabel("Seats per row").fill("24");
      await page.getByLabel("Arc radius (m, empty = straight)").fill("20");
      await page.getByText("288 seats").waitFor();
      await page.screenshot({ path: `${shots}/designer-preview-laptop.png` });
      await page.getByRole("button", { name: "Save section" }).click();
      await page.getByText("288 places · 1 sections").waitFor();
      await page.screenshot({ path: `${shots}/designer-saved-laptop.png` });

      await page.setViewportSize({ width: 768, height: 1024 });
      await page.screenshot({ path: `${shots}/designer-saved-tablet.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      await page.goto(`${base}/admin/venues`);
      await page.getByRole("region", { name }).getByRole("button", { name: "Publish v1" }).click();
      await page.getByText("Published: 288 places").waitFor();
      assert.ok(await page.getByRole("region", { name }).getByText("288 places").isVisible());
      await page.screenshot({ path: `${shots}/designer-venues-laptop.png` });

      // The demo stadium.
      const t0 = Date.now();
      await page.getByRole("region", { name: "National Sports Stadium" }).getByRole("link", {
        name: "Version 1",
      }).click();
      await page.locator("svg[data-render-ms]").waitFor({ timeout: 30_000 });
      const drawMs = await page.locator("svg[data-render-ms]").getAttribute("data-render-ms");
      const timing = await page.getByTestId("timing").textContent();
      console.log(
        `National Sports Stadium: ${timing} (fetch + draw); page click to drawn ${
          Date.now() - t0
        } ms`,
      );
      assert.ok(Number(drawMs) > 0);
      await page.getByText("60,000 places").waitFor();
      await page.screenshot({ path: `${shots}/designer-stadium-laptop.png` });
      for (let i = 0; i < 5; i++) await page.getByRole("button", { name: "Zoom in" }).click();
      await page.screenshot({ path: `${shots}/designer-stadium-zoomed-laptop.png` });
      await page.setViewportSize({ width: 768, height: 1024 });
      await page.getByRole("button", { name: "Fit" }).click();
      await page.screenshot({ path: `${shots}/designer-stadium-tablet.png` });
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
