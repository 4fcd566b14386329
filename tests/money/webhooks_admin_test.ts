// /admin/webhooks over the in-memory app: only roles with manage_integrations (owner, platform
// admin) see it; forms without the session's CSRF token are refused; an internal URL is refused
// with a clear message and adds nothing; the secret is shown once, on the answer, never again.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { adminApp, MANAGER, OWNER, signIn } from "../admin/support.ts";
import { adminSql } from "../support/db.ts";

const app = await adminApp();
const sql = await adminSql(1);

Deno.test("webhooks page: role-gated, CSRF-checked, SSRF refused, secret shown once", async () => {
  Deno.env.delete("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK"); // production: loopback refused
  const manager = await signIn(app, MANAGER);
  const forbidden = await manager.get("/admin/webhooks");
  assert.equal(forbidden.status, 403);
  assert.match(await forbidden.text(), /needs manage_integrations/);

  const owner = await signIn(app, OWNER);
  const listed = await owner.get("/admin/webhooks");
  assert.equal(listed.status, 200);
  await listed.body?.cancel();
  const noCsrf = await owner.post("/admin/webhooks", {
    action: "add",
    url: "https://hooks.example.test/x",
    events: "order.paid",
  });
  assert.equal(noCsrf.status, 403);
  await noCsrf.body?.cancel();

  const before = (await sql`select count(*)::int as n from core.webhook_endpoints`)[0]!.n;
  const internal = await owner.post("/admin/webhooks", [
    ["_csrf", owner.csrf],
    ["action", "add"],
    ["url", "http://10.1.2.3/hook"],
    ["events", "order.paid"],
  ]);
  assert.equal(internal.status, 400);
  assert.match(
    await internal.text(),
    /10\.1\.2\.3 is not a public address \(private\); webhooks go only to addresses on the public internet/,
  );
  const loopback = await owner.post("/admin/webhooks", [
    ["_csrf", owner.csrf],
    ["action", "add"],
    ["url", "http://127.0.0.1:18799/hook"],
    ["events", "order.paid"],
  ]);
  assert.equal(loopback.status, 400, "loopback is refused unless the dev setting allows it");
  assert.match(await loopback.text(), /loopback, allowed only in development/);
  assert.equal((await sql`select count(*)::int as n from core.webhook_endpoints`)[0]!.n, before);

  Deno.env.set("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK", "1");
  try {
    const path = `/hook-${crypto.randomUUID()}`;
    const added = await owner.post("/admin/webhooks", [
      ["_csrf", owner.csrf],
      ["action", "add"],
      ["url", `http://127.0.0.1:18799${path}`],
      ["events", "order.paid"],
      ["events", "ticket.checked_in"],
    ]);
    assert.equal(added.status, 200);
    const html = await added.text();
    const secret = /whsec_[0-9a-f]{64}/.exec(html)?.[0];
    assert.ok(secret, "the secret is shown on the answer");
    const [row] =
      await sql`select secret, events from core.webhook_endpoints where url like ${`%${path}`}`;
    assert.equal(row!.secret, secret);
    assert.deepEqual(row!.events, ["order.paid", "ticket.checked_in"]);
    const again = await (await owner.get("/admin/webhooks")).text();
    assert.ok(!again.includes(secret), "and never again");
    assert.ok(again.includes(`whsec_…${secret.slice(-4)}`));
  } finally {
    Deno.env.delete("MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK");
  }
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
    await closeKv();
    await closeDb();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
