// Real chromium against the fixture over real HTTP: islands hydrate and stay interactive.
import assert from "node:assert/strict";
import { createApp } from "../../lib/fresh/mod.ts";
import { launchBrowser } from "../support/browser.ts";

Deno.test("islands hydrate in chromium: clicks, shared signal props, slots kept", async () => {
  const app = await createApp({ root: new URL("./fixture", import.meta.url).pathname });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.handler);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) {
        problems.push(m.text());
      }
    });
    page.on("response", (r) => {
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) {
        problems.push(`${r.status()} ${r.url()}`);
      }
    });
    await page.goto(`http://127.0.0.1:${server.addr.port}/islands`);
    await page.waitForLoadState("networkidle");

    const outer = page.locator(".counter").first();
    const inner = page.locator(".slot .counter");
    const text = (selector: string) => page.locator(selector).first().textContent();

    // Counter island: hydrated from its serialized `start` prop, responds to clicks.
    assert.equal(await outer.locator("> output.count").textContent(), "3");
    await outer.locator("> button.increment").click();
    await outer.locator("> button.increment").click();
    assert.equal(await outer.locator("> output.count").textContent(), "5");

    // Its children slot (server-rendered, with a nested island) survived hydration…
    assert.equal(await text("strong.server-child"), "Rendered on the server");
    // …and the island inside the slot is interactive too.
    await inner.locator("button.increment").click();
    assert.equal(await inner.locator("output.count").textContent(), "11");
    await outer.locator("> button.increment").click();
    assert.equal(await outer.locator("> output.count").textContent(), "6");
    assert.equal(await inner.locator("output.count").textContent(), "11", "slot state kept");
    assert.equal(await text("strong.server-child"), "Rendered on the server");

    // One signal passed to two islands: a button in one updates a derived view in the other.
    assert.equal(await text(".doubled"), "2");
    await page.click(".signal-button");
    await page.click(".signal-button");
    assert.equal(await text(".doubled"), "6");
    assert.equal(
      await text(".types"),
      "2025-01-02T03:04:05.000Z|a,b|undefined|null",
      "Date, undefined and null props revived",
    );

    // Pages without islands load no script at all.
    const scripts: string[] = [];
    page.on("request", (r) => r.resourceType() === "script" && scripts.push(r.url()));
    await page.goto(`http://127.0.0.1:${server.addr.port}/about`);
    assert.equal(await page.locator("script").count(), 0);
    assert.deepEqual(scripts, []);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});
