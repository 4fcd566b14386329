// The door scanner in Debian's chromium against the app on a free port: pair a device, scan
// by keyboard wedge (type + Enter), refuse a forged code, go offline, admit offline, reload
// with no network (service worker), come back online, see the queue drain and the conflict
// with another device reported. Screenshots at 360×740 go to tests/screenshots/scan-*.png.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { projectRoot } from "../../lib/config.ts";
import { syncHandler } from "../../lib/scan/server.ts";
import { generateEventKeyPair, signTicket } from "../../lib/tickets/signing.ts";
import { testApp } from "../support/app.ts";
import { adminSql } from "../support/db.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH, type Page } from "../support/browser.ts";
import { makeCheckInEvent, pairDevice, qr } from "./fixture.ts";

const shots = `${projectRoot}tests/screenshots`;

async function wedge(page: Page, code: string) {
  const input = page.getByLabel("Ticket code");
  await input.fill(code);
  await input.press("Enter");
  await page.locator(".sc-result").waitFor();
  return await page.locator(".sc-result").getAttribute("data-result");
}

async function dismiss(page: Page) {
  await page.locator(".sc-result").click();
  await page.locator(".sc-result").waitFor({ state: "detached" });
}

Deno.test({
  name: "scanner: pair, wedge scans, offline admit, sync and the conflict report",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const app = await testApp();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
    const base = `http://127.0.0.1:${server.addr.port}`;
    await Deno.mkdir(shots, { recursive: true });
    const admin = await adminSql(2);
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const fx = await makeCheckInEvent(admin, 6, "Browser");
      const codes = await Promise.all(fx.tickets.map((t) => qr(t, fx.privateJwk)));
      const pairing = await admin.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", org_id: fx.orgId })
        }, true)`;
        return (await tx`select api.create_pairing_code(${fx.eventId}, ${fx.gates.North!}) as p`)[
          0
        ]!.p as { code_display: string };
      });
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      page.on("pageerror", (e) => console.error("page error:", e.message));

      // pairing, with the code from the pairing URL
      await page.goto(`${base}/scan?pair=${pairing.code_display}`);
      await page.getByLabel("Device name").fill("North phone 1");
      await page.screenshot({ path: `${shots}/scan-pair.png` });
      await page.getByRole("button", { name: "Pair device" }).click();
      await page.getByText("North", { exact: true }).waitFor();
      assert.equal(new URL(page.url()).pathname, "/scan/");
      await page.waitForFunction(() => localStorage.getItem("mt.scan.manifest") !== null);
      await page.screenshot({ path: `${shots}/scan-ready.png` });

      // online, by keyboard wedge
      assert.equal(await wedge(page, codes[0]!), "admitted");
      assert.match(await page.locator(".sc-result").innerText(), /ADMIT[\s\S]*Fan 1[\s\S]*Adult/);
      await page.screenshot({ path: `${shots}/scan-admit.png` });
      await dismiss(page);
      assert.equal(await wedge(page, codes[0]!), "already_used");
      assert.match(await page.locator(".sc-result").innerText(), /ALREADY USED[\s\S]*North/);
      await page.screenshot({ path: `${shots}/scan-already-used.png` });
      await dismiss(page);
      const { privateJwk } = await generateEventKeyPair();
      assert.equal(await wedge(page, await signTicket(fx.tickets[1]!, privateJwk)), "invalid");
      await page.screenshot({ path: `${shots}/scan-forged.png` });
      await dismiss(page);
      assert.equal(await page.getByTestId("admitted").innerText(), "1");
      assert.equal(await page.getByTestId("rejected").innerText(), "2");

      // the service worker is in control before the network goes
      await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, {
        timeout: 10000,
      })
        .catch(() =>
          page.reload().then(() =>
            page.waitForFunction(() => navigator.serviceWorker.controller !== null)
          )
        );

      // offline: decided from the manifest, queued
      await context.setOffline(true);
      const t0 = Date.now();
      assert.equal(await wedge(page, codes[2]!), "admitted");
      const tookMs = Date.now() - t0;
      const meta = await page.locator(".sc-meta").innerText();
      assert.match(meta, /OFFLINE/);
      console.log(`offline decision in the browser: ${meta} (wall ${tookMs} ms incl. typing)`);
      await page.screenshot({ path: `${shots}/scan-offline-admit.png` });
      await dismiss(page);
      assert.equal(
        await wedge(page, codes[2]!),
        "already_used",
        "the local used-set refuses a second entry offline",
      );
      await dismiss(page);
      assert.equal(
        await wedge(
          page,
          codes[1]!.replace(/\.([A-Za-z0-9_-])/, (_m, c) => "." + (c === "A" ? "B" : "A")),
        ),
        "invalid",
      );
      await page.screenshot({ path: `${shots}/scan-offline-invalid.png` });
      await dismiss(page);
      assert.equal(await page.getByTestId("net").innerText(), "Offline");
      assert.equal(await page.getByTestId("queue").innerText(), "Queue 3");

      // opens with no network (service worker cache)
      await page.reload();
      await page.getByTestId("queue").waitFor();
      assert.equal(await page.getByTestId("queue").innerText(), "Queue 3");
      await page.screenshot({ path: `${shots}/scan-offline-reloaded.png` });

      // meanwhile another device admitted the same ticket offline, a minute earlier
      const south = await pairDevice(admin, fx, "South", "South phone");
      const res = await syncHandler(
        new Request("http://x/scan/api/sync", {
          method: "POST",
          headers: { authorization: `Bearer ${south.token}` },
          body: JSON.stringify({
            scans: [{
              id: crypto.randomUUID(),
              code: codes[2],
              scanned_at: new Date(t0 - 60_000).toISOString(),
              result: "admitted",
            }],
          }),
        }),
      );
      assert.equal(res.status, 200);
      await res.body?.cancel();

      // back online: the queue drains and the conflict is reported
      await context.setOffline(false);
      await page.getByTestId("queue").filter({ hasText: "Queue 0" }).waitFor({ timeout: 15000 });
      await page.getByTestId("conflicts").waitFor({ timeout: 10000 });
      assert.equal(await page.getByTestId("conflicts").innerText(), "1 conflict");
      assert.equal(await page.getByTestId("net").innerText(), "Online");
      await page.screenshot({ path: `${shots}/scan-synced.png` });
      const rows =
        await admin`select result, offline from core.scans s join core.scan_devices d on d.id = s.device_id
        where d.name = 'North phone 1' and s.event_id = ${fx.eventId} order by scanned_at`;
      assert.deepEqual(rows.map((r) => r.result), [
        "admitted",
        "already_used",
        "invalid",
        "duplicate_offline",
        "already_used",
        "invalid",
      ]);
      await context.close();
    } finally {
      await browser.close();
      await admin.end();
      await server.shutdown();
      await closeDb();
    }
  },
});
