// Price zones per row and seat in the designer, in chromium: add Gold and Silver zones and a
// Gold section, shift-drag a box over its two front rows, put them in Silver, see the seats
// drawn in Silver and counted; export the JSON (per-seat zones by name) and import it into
// another layout, which keeps them. Screenshots at 1280×800 and 768×1024 in
// tests/screenshots/designer-zones-*.png.
import assert from "node:assert/strict";
import { projectRoot } from "../../lib/config.ts";
import { launchBrowser, type Page } from "../support/browser.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, createVenue, newLayout, submitLogin } from "./support.ts";

const app = await adminApp();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;
const shots = `${projectRoot}tests/screenshots`;
await Deno.mkdir(shots, { recursive: true });

/** Plan coordinates (metres) → page pixels, through the plan's own transform. */
function toScreen(page: Page, x: number, y: number) {
  return page.evaluate(([x, y]) => {
    const svg = document.querySelector<SVGSVGElement>("svg.dz-plan")!;
    const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()!);
    return { x: p.x, y: p.y };
  }, [x, y] as const);
}

async function seatZones(versionId: string) {
  const sql = await adminSql(1);
  try {
    return [
      ...await sql<{ zone: string; seats: number }[]>`
      select z.name as zone, count(*)::int as seats from core.seats st
      join core.sections s on s.id = st.section_id join core.price_zones z on z.id = st.price_zone_id
      where s.layout_version_id = ${versionId} group by z.name`,
    ].map((r) => ({ ...r }));
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "designer: rows chosen by box selection get their own price zone; JSON keeps it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/admin/login?next=/admin/venues`);
      await submitLogin(page, `${base}/admin/venues`);
      const venue = `Zoned Hall ${crypto.randomUUID().slice(0, 6)}`;
      await createVenue(page, venue, "Bulawayo");
      const v1 = await newLayout(page, base, venue, "Concert");

      for (const [zone, color] of [["Gold", "#b45309"], ["Silver", "#475569"]]) {
        await page.getByLabel("New zone name").fill(zone!);
        await page.getByLabel("Zone colour").fill(color!);
        await page.getByRole("button", { name: "Add", exact: true }).click();
        await page.getByText("Price zone added").waitFor();
      }
      await page.getByRole("button", { name: "Add seated section" }).click();
      await page.getByLabel("Section name").fill("Stalls");
      await page.getByLabel("Price zone").selectOption({ label: "Gold" });
      await page.getByLabel("Rows", { exact: true }).fill("8");
      await page.getByLabel("Seats per row").fill("16");
      await page.getByRole("button", { name: "Save section" }).click();
      await page.getByText("128 places · 1 sections").waitFor();

      // Rows A (y = 0) and B (y = 0.9) of 16 seats 0.6 m apart around x = 0.
      await page.getByRole("button", { name: /Stalls/ }).click();
      const from = await toScreen(page, -6, -0.45);
      const to = await toScreen(page, 6, 1.35);
      await page.keyboard.down("Shift");
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      await page.mouse.move(to.x, to.y, { steps: 6 });
      await page.getByTestId("selection-box").waitFor();
      await page.mouse.up();
      await page.keyboard.up("Shift");
      await page.getByText("32 seats selected").waitFor();
      await page.getByLabel("Zone for selection").selectOption({ label: "Silver" });
      await page.getByRole("button", { name: "Set zone" }).click();
      await page.getByText("32 seats now in Silver").waitFor();
      await page.getByText("Silver: 32 seats").waitFor();
      assert.deepEqual(await seatZones(v1), [{ zone: "Silver", seats: 32 }]);
      assert.ok(await page.locator('path[data-zone="Silver"]').count() >= 1);
      assert.equal(
        await page.getByTestId("selected").textContent().then((t) => /0 seats/.test(t!)),
        true,
      );
      await page.screenshot({ path: `${shots}/designer-zones-laptop.png` });
      await page.setViewportSize({ width: 768, height: 1024 });
      await page.getByRole("button", { name: "Fit" }).click();
      await page.screenshot({ path: `${shots}/designer-zones-tablet.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export JSON" }).click(),
      ]);
      const file = JSON.parse(await Deno.readTextFile((await download.path())!));
      const rows = file.sections[0].rows as { label: string; zones?: (string | null)[] }[];
      assert.deepEqual(rows[0]!.zones, Array(16).fill("Silver"));
      assert.equal(rows[2]!.zones, undefined);

      const v2 = await newLayout(page, base, venue, "Concert copy");
      const path = await Deno.makeTempFile({ suffix: ".json" });
      await Deno.writeTextFile(path, JSON.stringify(file));
      await page.locator('input[type="file"]').setInputFiles(path);
      await page.getByText("Layout imported").waitFor();
      await page.getByText("128 places · 1 sections").waitFor();
      assert.deepEqual(await seatZones(v2), [{ zone: "Silver", seats: 32 }]);
      await Deno.remove(path);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
