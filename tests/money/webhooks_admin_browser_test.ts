// The owner manages webhook endpoints in Debian's chromium: adds one (the secret shown once),
// is refused an internal address, sends a test event that the worker delivers to a loopback
// receiver (signed with that secret, logged with its status), rotates the secret after a
// confirmation, and disables the endpoint. Screenshot: tests/screenshots/admin-webhooks-laptop.png.
import assert from "node:assert/strict";
import postgres from "postgres";
import { chromium } from "playwright-core";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { projectRoot } from "../../lib/config.ts";
import { verifyMutamboSignature } from "../../lib/webhooks/sign.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { webhookHandlers } from "../../workers/webhooks.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../support/browser.ts";
import { testAuthenticatorUrl } from "../support/db.ts";
import { adminApp, submitLogin } from "../admin/support.ts";

const app = await adminApp();
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;
const received: { path: string; body: string; signature: string | null }[] = [];
const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
  received.push({
    path: new URL(req.url).pathname,
    body: await req.text(),
    signature: req.headers.get("mutambo-signature"),
  });
  return new Response("ok");
});
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
const shots = `${projectRoot}tests/screenshots`;

Deno.test({
  name: "owner: add a webhook endpoint, send a test event, see it delivered, rotate, disable",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    Deno.env.set("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK", "1"); // the receiver is on loopback
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${base}/admin/webhooks`);
      await page.waitForURL(/\/admin\/login\?next=/);
      await submitLogin(page, `${base}/admin/webhooks`);

      // an internal address is refused with the reason, the form keeps what was typed
      await page.getByLabel("URL").fill("http://169.254.169.254/latest/meta-data/");
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.getByText(/not a public address \(link-local: the cloud metadata service\)/)
        .waitFor();
      assert.equal(
        await page.getByLabel("URL").inputValue(),
        "http://169.254.169.254/latest/meta-data/",
      );

      const path = `/browser-${crypto.randomUUID().slice(0, 8)}`;
      const url = `http://127.0.0.1:${receiver.addr.port}${path}`;
      await page.getByLabel("URL").fill(url);
      await page.getByLabel("order.refunded").check();
      await page.getByRole("button", { name: "Add endpoint" }).click();
      const shown = page.getByTestId("secret");
      await shown.waitFor();
      const secret = /whsec_[0-9a-f]{64}/.exec(await shown.innerText())?.[0];
      assert.ok(secret, "the secret is shown once");

      // the endpoint's row: open its log, send a test event, the worker delivers it
      const row = page.getByTestId("endpoint").filter({ hasText: path });
      await row.getByRole("link", { name: url }).click();
      await page.getByText("Nothing delivered yet.").waitFor();
      await page.getByTestId("endpoint").filter({ hasText: path })
        .getByRole("button", { name: "Send test event" }).click();
      await page.getByText(/Test event queued/).waitFor();
      await runOutboxOnce({
        sql: worker,
        handlers: webhookHandlers({ timeoutMs: 5_000 }),
        batch: 100,
        onError: () => {},
      });
      const got = received.filter((r) => r.path === path);
      assert.equal(got.length, 1);
      assert.equal(JSON.parse(got[0]!.body).type, "webhook.test");
      assert.equal(
        (await verifyMutamboSignature(secret, got[0]!.signature, got[0]!.body)).ok,
        true,
        "signed with the secret shown",
      );
      await page.reload();
      const delivery = page.getByTestId("delivery").first();
      assert.match(await delivery.innerText(), /webhook\.test[\s\S]*200/);
      await page.screenshot({ path: `${shots}/admin-webhooks-laptop.png`, fullPage: true });

      // rotate after confirming: a different secret, shown once
      await page.getByTestId("endpoint").filter({ hasText: path })
        .getByRole("button", { name: "Rotate secret…" }).click();
      await page.getByRole("button", { name: "Yes, new secret" }).click();
      const rotated = /whsec_[0-9a-f]{64}/.exec(await page.getByTestId("secret").innerText())
        ?.[0];
      assert.ok(rotated && rotated !== secret);

      // disable after confirming
      await page.getByTestId("endpoint").filter({ hasText: path })
        .getByRole("button", { name: "Disable…" }).click();
      await page.getByRole("button", { name: "Yes, disable" }).click();
      await page.getByText("Endpoint disabled: nothing more is sent to it").waitFor();
      assert.match(
        await page.getByTestId("endpoint").filter({ hasText: path }).innerText(),
        /Disabled/,
      );
    } finally {
      await browser.close();
      Deno.env.delete("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK");
    }
  },
});

Deno.test({
  name: "close",
  fn: async () => {
    await worker.end();
    await server.shutdown();
    await receiver.shutdown();
    await closeKv();
    await closeDb();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
