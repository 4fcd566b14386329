// Refunds through a provider without a refund API (Paynow): the refund worker records the
// refund for finance to make by hand instead of retrying it; /admin/finance lists it with a form
// for the provider's reference; recording it decides the refund once (ledger, order refunded,
// refund email queued), and a second recording or a malformed reference is refused.
import assert from "node:assert/strict";
import postgres from "postgres";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { refundHandlers } from "../../workers/refunds.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { adminApp, OWNER, signIn } from "../admin/support.ts";
import { adminSql, testAdminUrl, testAuthenticatorUrl } from "../support/db.ts";
import { actAs, one } from "./fixture.ts";

Deno.env.set("DATABASE_URL", testAdminUrl());
Deno.env.set("PAYNOW_INTEGRATION_ID", "1201");
Deno.env.set("PAYNOW_INTEGRATION_KEY", "3e9fed89-60e1-4ce5-ab6e-6b1eb2d4f977");
Deno.env.set("PAYNOW_CURRENCY", "USD");

const app = await adminApp();
const sql = await adminSql(2);
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });

function flash(r: Response) {
  const u = new URL(r.headers.get("location") ?? "/", "http://x");
  return { ok: u.searchParams.get("ok"), error: u.searchParams.get("error") };
}

Deno.test("a Paynow refund is left to finance, listed on the finance page and recorded once", async () => {
  const owner = await signIn(app, OWNER); // seeds the demo org when needed
  const { org } = one(
    await sql`select m.org_id as org from core.memberships m join core.users u on u.id = m.user_id
      where u.email = ${OWNER} limit 1`,
  );
  const run = crypto.randomUUID().slice(0, 8);
  const intent = `PN-${run}`;
  // a Paynow order of a new event of the owner's org, paid, then refunded in full
  const { orderId, code, total, refundId } = await sql.begin(async (tx) => {
    await actAs(tx, org);
    const { v } = one(await tx`select api.create_venue(${`Manual ${run}`}, 'Harare') as v`);
    const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
    const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
    await tx`select api.add_standing_section(${l}, 'Field', 10, ${z})`;
    await tx`select api.publish_layout_version(${l})`;
    const { e } = one(
      await tx`select api.create_event(layout_version_id => ${l}, name => ${`Manual ${run}`},
        starts_at => now() + interval '9 days', category => 'football') as e`,
    );
    const { t } = one(
      await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry', price_minor => 2000) as t`,
    );
    await tx`select api.set_event_status(${e}, 'on_sale')`;
    const { h } = one(
      await tx`select api.hold_tickets(event_id => ${e},
        items => ${tx.json([{ ticket_type_id: t, quantity: 1 }])},
        session_id => ${`manual-${run}`}) ->> 'token' as h`,
    );
    const { id } = one(
      await tx`select api.create_order(hold_token => ${h}, buyer_email => 'manual@example.com') ->> 'id' as id`,
    );
    const o = one(
      await tx`select code, total_minor::int as total from core.orders where id = ${id}`,
    );
    await tx`select api.record_payment_attempt(${id}, 'paynow', ${intent}, ${o.total}, 'USD', 'mobile_money')`;
    await tx`select api.apply_payment_event('paynow', ${`${intent}:paid`}, ${intent}, 'succeeded')`;
    const { r } = one(await tx`select api.request_refund(${id}, 'Rained off') ->> 'id' as r`);
    return { orderId: id as string, code: o.code as string, total: o.total as number, refundId: r };
  });

  // the worker: Paynow cannot refund by API, so the refund waits for finance; no retries
  await sql`update core.outbox set done_at = now() where topic = 'refunds__submit'
    and done_at is null and payload ->> 'refund_id' <> ${refundId}`;
  const errors: string[] = [];
  const handlers = { refunds__submit: refundHandlers().refunds__submit! };
  assert.equal(
    await runOutboxOnce({ sql: worker, handlers, onError: (_m, e) => errors.push(e.message) }),
    1,
  );
  assert.deepEqual(errors, []);
  const refund = async () =>
    one(
      await sql`select r.status, r.provider_status, o.status as order_status,
        (select count(*)::int from core.ledger_transactions x where x.source_key = 'refund:' || r.id) as posted,
        (select count(*)::int from core.outbox m where m.topic = 'refunds__send_email'
           and m.payload ->> 'refund_id' = r.id::text) as emails,
        (select bool_and(m.done_at is not null) from core.outbox m where m.topic = 'refunds__submit'
           and m.payload ->> 'refund_id' = r.id::text) as submitted
        from core.refunds r join core.orders o on o.id = r.order_id where r.id = ${refundId}`,
    );
  assert.deepEqual(await refund(), {
    status: "requested",
    provider_status: "manual",
    order_status: "refund_pending",
    posted: 0,
    emails: 0,
    submitted: true,
  });

  // the finance page lists it with a form for the provider's reference
  const page = await owner.get("/admin/finance");
  assert.equal(page.status, 200);
  const html = await page.text();
  const row = [...html.matchAll(/<tr[^>]*data-testid="manual-refund"[^]*?<\/tr>/g)]
    .map((m) => m[0]).find((tr) => tr.includes(code));
  assert.ok(row, "the refund to make by hand is listed");
  assert.ok(row.includes(`paynow: ${intent}`) && row.includes("Rained off"), row);
  assert.ok(row.includes(`value="${refundId}"`) && row.includes("Mark refunded"), row);

  const record = (reference: string) =>
    owner.post("/admin/finance", {
      _csrf: owner.csrf,
      action: "manual_refund",
      refund_id: refundId,
      reference,
    });
  const bad = await record("x");
  assert.match(flash(bad).error!, /Give the provider's reference of the refund you made/);
  assert.equal((await refund()).status, "requested");
  const done = await record(`PNR-${run}`);
  assert.equal(flash(done).ok, `Refund recorded as made by hand (reference PNR-${run})`);
  assert.deepEqual(await refund(), {
    status: "succeeded",
    provider_status: "manual",
    order_status: "refunded",
    posted: 1,
    emails: 1,
    submitted: true,
  });
  const [clearing] = await sql`select sum(e.amount_minor)::int as s from core.ledger_entries e
    join core.ledger_transactions t on t.id = e.transaction_id
    join core.ledger_accounts a on a.id = e.account_id
    where t.order_id = ${orderId} and a.kind = 'provider_clearing'`;
  assert.equal(clearing!.s, 0, `clearing: ${total} paid and ${total} refunded`);
  const again = await record(`PNR-${run}-2`);
  assert.match(flash(again).error!, /already succeeded/);
  assert.equal((await refund()).posted, 1);
  const after = await owner.get("/admin/finance");
  assert.ok(!(await after.text()).includes(`value="${refundId}"`), "no longer listed");
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
