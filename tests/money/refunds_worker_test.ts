// The refund worker over the real outbox and database with the sandbox provider: a refund is
// confirmed once even when its refunds__submit message is delivered twice (and by two
// workers at once); a failing provider leaves the message for a retry and the refund
// requested; afterwards the ledger balances and the clearing account holds payments minus
// refunds.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import type { PaymentProvider, RefundInput } from "../../lib/payments/provider.ts";
import { SandboxProvider } from "../../lib/payments/sandbox.ts";
import { refundHandlers } from "../../workers/refunds.ts";
import { type OutboxMessage, runOutboxOnce } from "../../workers/outbox.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";

// deno-lint-ignore no-explicit-any
function one(rows: readonly any[]): any {
  if (rows.length !== 1) throw new Error(`Expected one row but found ${rows.length}`);
  return rows[0];
}

/**
 * The sandbox provider, counting refund calls of one payment (other tests' refunds may be in
 * the same outbox); `fail` makes that payment's next calls throw.
 */
function countingSandbox(intentId: () => string) {
  const sandbox = new SandboxProvider("http://127.0.0.1:9");
  const calls: RefundInput[] = [];
  const state = { fail: 0 };
  const provider = (id: string): PaymentProvider | null => {
    if (id !== "sandbox") return null;
    return Object.assign(Object.create(sandbox), {
      refund: (input: RefundInput) => {
        if (input.intentId !== intentId()) return sandbox.refund(input);
        if (state.fail > 0) {
          state.fail--;
          return Promise.reject(new Error("Sandbox refund API unreachable"));
        }
        calls.push(input);
        return sandbox.refund(input);
      },
    });
  };
  return { provider, calls, state };
}

Deno.test("refund worker: confirmed once, retried after a provider failure, ledger balanced", async () => {
  Deno.env.set("DATABASE_URL", testAdminUrl());
  const sql = await adminSql(4);
  try {
    const run = crypto.randomUUID().slice(0, 8);
    // a paid sandbox order in a fresh org
    const { org, orderId, total } = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const { org } = one(
        await tx`select api.create_org('Refund Worker', ${`rw-${run}`}, 'Harare') as org`,
      );
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { v } = one(await tx`select api.create_venue('RW Ground', 'Harare') as v`);
      const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
      const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
      await tx`select api.add_standing_section(${l}, 'Field', 50, ${z})`;
      await tx`select api.publish_layout_version(${l})`;
      const { e } = one(
        await tx`select api.create_event(layout_version_id => ${l}, name => 'RW Match',
        starts_at => now() + interval '9 days', category => 'football') as e`,
      );
      const { t } = one(
        await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry',
        price_minor => 1500) as t`,
      );
      await tx`select api.set_event_status(${e}, 'on_sale')`;
      const { h } = one(
        await tx`select api.hold_tickets(event_id => ${e},
        items => ${
          tx.json([{ ticket_type_id: t, quantity: 2 }])
        }, session_id => ${`rw-${run}`}) ->> 'token' as h`,
      );
      const { id } = one(
        await tx`select api.create_order(hold_token => ${h},
        buyer_email => 'rw@example.com') ->> 'id' as id`,
      );
      const o = one(
        await tx`select total_minor::int as total, currency from core.orders where id = ${id}`,
      );
      await tx`select api.record_payment_attempt(${id}, 'sandbox', ${`pi_rw_${run}`}, ${o.total}, ${o.currency})`;
      await tx`select api.apply_payment_event('sandbox', ${`evt_rw_${run}`}, ${`pi_rw_${run}`}, 'succeeded')`;
      return { org: org as string, orderId: id as string, total: o.total as number };
    });

    // a partial refund through the API and a full one via orders__refund (sql/231's bridge)
    const partial = one(
      await sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", org_id: org })
        }, true)`;
        return await tx`select api.request_refund(${orderId}, 'Partial goodwill', amount_minor => 500) ->> 'id' as id`;
      }),
    ).id as string;
    const messages = await sql<OutboxMessage[]>`
      select id::text, org_id, topic, payload, attempts, null as order_link from core.outbox
      where topic = 'refunds__submit' and payload ->> 'refund_id' = ${partial}`;
    assert.equal(messages.length, 1, "one refunds__submit message per refund");
    const message = messages[0]!;

    const { provider, calls, state } = countingSandbox(() => `pi_rw_${run}`);
    const handlers = refundHandlers({ provider });
    const context = { sql, origin: "http://127.0.0.1:9" };

    // the provider fails: the outbox keeps the message for a retry, the refund stays requested
    state.fail = 1;
    const errors: string[] = [];
    const claimed = await runOutboxOnce({
      handlers,
      sql,
      batch: 100,
      onError: (m, e) => m.id === message.id && errors.push(e.message),
    });
    assert.ok(claimed >= 1);
    assert.deepEqual(errors, ["Sandbox refund API unreachable"]);
    const afterFailure = one(
      await sql`select o.done_at, o.attempts, r.status from core.outbox o
      join core.refunds r on r.id = (o.payload ->> 'refund_id')::uuid where o.id = ${message.id}`,
    );
    assert.equal(afterFailure.done_at, null);
    assert.equal(afterFailure.attempts, 1);
    assert.equal(afterFailure.status, "requested");

    // delivered twice, concurrently and then again: the provider is called, confirmed once
    await Promise.all([
      handlers.refunds__submit!(message, context),
      handlers.refunds__submit!(message, context),
    ]);
    await handlers.refunds__submit!(message, context);
    const refund = one(
      await sql`select status, provider_refund_id from core.refunds where id = ${partial}`,
    );
    assert.equal(refund.status, "succeeded");
    assert.match(refund.provider_refund_id, /^re_/);
    const posted = one(
      await sql`select count(*)::int as n from core.ledger_transactions
      where source_key = ${`refund:${partial}`}`,
    );
    assert.equal(posted.n, 1, "the refund is posted to the ledger once");
    assert.ok(calls.length >= 1 && calls.length <= 2, `provider called ${calls.length} times`);
    assert.deepEqual(calls[0], {
      intentId: `pi_rw_${run}`,
      amountMinor: 500,
      currency: "USD",
      reason: "Partial goodwill",
      idempotencyKey: `mutambo-refund-${partial}`,
    });
    const emails = one(
      await sql`select count(*)::int as n from core.outbox
      where topic = 'refunds__send_email' and payload ->> 'refund_id' = ${partial}`,
    );
    assert.equal(emails.n, 1, "one refund email queued");

    // the rest through orders__refund: the trigger made it a refund with its own message
    await sql.begin(async (tx) => {
      await tx`select core.enqueue(${org}, 'orders__refund', ${
        tx.json({ order_id: orderId, reason: "Event cancelled" })
      })`;
    });
    const rest = one(
      await sql`select r.id::text, r.amount_minor::int as amount from core.refunds r
      where r.order_id = ${orderId} and r.id <> ${partial}`,
    );
    assert.equal(rest.amount, total - 500);
    const restMessage = one(
      await sql<OutboxMessage[]>`
      select id::text, org_id, topic, payload, attempts, null as order_link from core.outbox
      where topic = 'refunds__submit' and payload ->> 'refund_id' = ${rest.id}`,
    );
    for (let i = 0; i < 3; i++) await handlers.refunds__submit!(restMessage, context);
    const done = one(await sql`select status from core.refunds where id = ${rest.id}`);
    assert.equal(done.status, "succeeded");

    // the ledger balances; clearing holds payments minus refunds (zero: all given back)
    const unbalanced = await sql`select t.id from core.ledger_transactions t
      join core.ledger_entries e on e.transaction_id = t.id where t.org_id = ${org}
      group by t.id, e.currency having sum(e.amount_minor) <> 0`;
    assert.deepEqual([...unbalanced], []);
    const balances = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      return await tx`select kind, provider, balance_minor::int as b from api.trial_balance()`;
    });
    assert.equal(balances.reduce((s, r) => s + r.b, 0), 0, "trial balance sums to zero");
    const clearing = balances.find((r) =>
      r.kind === "provider_clearing" && r.provider === "sandbox"
    );
    assert.equal(clearing?.b ?? 0, 0, "clearing = payments - refunds");
  } finally {
    await sql.end();
    await closeDb();
  }
});
