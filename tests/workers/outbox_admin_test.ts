// Dead letters end to end: a refund email for the demo org fails at an SMTP server that is not
// there until the worker gives up (dead after N tries, never claimed again); the owner sees it
// on /admin/outbox with its error and a Retry button that asks first; after the retry the
// worker delivers it once. Roles without manage_integrations get a 403.
import assert from "node:assert/strict";
import postgres from "postgres";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { smtpMailer } from "../../lib/email/mailer.ts";
import { emailHandlers } from "../../workers/email.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { adminApp, MANAGER, OWNER, signIn } from "../admin/support.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";
import { startSmtp, unqp } from "./smtp_server.ts";

const app = await adminApp();
const sql = await adminSql(1);
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });

Deno.test("a dead letter is listed in admin and its Retry button delivers it once", async () => {
  const owner = await signIn(app, OWNER); // seeds the demo org when needed
  const [{ org }] = await sql`select m.org_id as org from core.memberships m
    join core.users u on u.id = m.user_id where u.email = ${OWNER} limit 1` as unknown as [
    { org: string },
  ];
  await sql`update core.outbox set done_at = now()
    where topic = 'refunds__send_email' and done_at is null`;
  const email = `dead-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const [{ id }] = await sql`insert into core.outbox (org_id, topic, payload)
    values (${org}, 'refunds__send_email', ${
    sql.json({ email, code: "DEADLETR", amount_minor: 1250, currency: "USD" })
  }) returning id::text` as unknown as [{ id: string }];

  // the SMTP server is down: three tries, then dead
  const down = smtpMailer("smtp://127.0.0.1:1");
  const deadFlags: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    await sql`update core.outbox set available_at = now() where id = ${id}::bigint`;
    await runOutboxOnce({
      sql: worker,
      handlers: emailHandlers({ mailer: down }),
      maxAttempts: 3,
      onError: (_m, _e, dead) => deadFlags.push(dead),
    });
  }
  down.close();
  assert.deepEqual(deadFlags, [false, false, true], "the fourth run claims nothing");
  const [row] = await sql`select attempts, dead_at is not null as dead, last_error
    from core.outbox where id = ${id}::bigint`;
  assert.equal(row!.attempts, 3);
  assert.equal(row!.dead, true);

  // the owner's Failed messages page lists it with its error and a Retry button
  const listed = await owner.get("/admin/outbox");
  assert.equal(listed.status, 200);
  const html = await listed.text();
  const tr = [...html.matchAll(/<tr[^>]*data-testid="dead-letter"[^]*?<\/tr>/g)]
    .map((m) => m[0]).find((t) => t.includes(`#${id}<`));
  assert.ok(tr, "the dead letter is listed");
  assert.ok(tr.includes(email) && tr.includes("3 tries"), tr);
  assert.ok(tr.includes(String(row!.last_error).slice(0, 20).replace(/&/g, "&amp;")), tr);
  assert.match(tr, /<input type="hidden" name="id" value="\d+"\/?>[^]*>Retry<\/button>/);

  // Retry asks first; nothing changes until confirmed
  const ask = await owner.post("/admin/outbox", { _csrf: owner.csrf, id });
  assert.equal(ask.status, 303);
  assert.equal(ask.headers.get("location"), `/admin/outbox?confirm_retry=${id}`);
  await ask.body?.cancel();
  const confirmPage = await owner.get(`/admin/outbox?confirm_retry=${id}`);
  assert.match(
    await confirmPage.text(),
    new RegExp(`Send message ${id} \\(refunds__send_email\\) again\\?`),
  );
  const [still] =
    await sql`select dead_at is not null as dead from core.outbox where id = ${id}::bigint`;
  assert.equal(still!.dead, true);
  const retried = await owner.post("/admin/outbox", { _csrf: owner.csrf, id, confirmed: "yes" });
  assert.equal(retried.status, 303);
  const flash = new URL(retried.headers.get("location")!, "http://x").searchParams.get("ok");
  assert.equal(flash, `Message ${id} is queued again`);
  await retried.body?.cancel();

  // the worker delivers it now, once, to a working SMTP server
  const smtp = await startSmtp();
  const up = smtpMailer(`smtp://127.0.0.1:${smtp.port}`, "Mutambo <tickets@mutambo.test>");
  try {
    for (let i = 0; i < 2; i++) {
      await runOutboxOnce({ sql: worker, handlers: emailHandlers({ mailer: up }) });
    }
  } finally {
    up.close();
    await smtp.close();
  }
  const mine = smtp.messages.filter((m) => m.to.includes(email)).map((m) => unqp(m.raw));
  assert.equal(mine.length, 1);
  assert.match(mine[0]!, /USD 12\.50 for order DEAD-LETR/);
  assert.match(mine[0]!, new RegExp(`Message-ID: <outbox-${id}@mutambo\\.test>`, "i"));
  const [done] = await sql`select done_at is not null as done, dead_at from core.outbox
    where id = ${id}::bigint`;
  assert.deepEqual({ ...done }, { done: true, dead_at: null });
  const after = await owner.get("/admin/outbox");
  assert.ok(!(await after.text()).includes(`#${id}<`), "no longer listed");

  // an event manager (no manage_integrations) may not see or retry dead letters
  const manager = await signIn(app, MANAGER);
  const refused = await manager.get("/admin/outbox");
  assert.equal(refused.status, 403);
  await refused.body?.cancel();
});

Deno.test({
  name: "close",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await worker.end();
    await sql.end();
    await closeDb();
    await closeKv();
  },
});
