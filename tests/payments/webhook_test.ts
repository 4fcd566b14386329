// Webhooks: signature, timestamp and unknown payments are refused and logged, never applied;
// replays and out-of-order events leave one outcome; late payments are re-allocated or refunded.
import assert from "node:assert/strict";
import { signatureHeader } from "../../lib/payments/hmac.ts";
import { sandboxWebhookSecret } from "../../lib/payments/secrets.ts";
import { adminSql } from "../support/db.ts";
import { gaEvent, httpBuyer, startServer } from "./support.ts";

const server = await startServer();
const ga = await gaEvent();
const sql = await adminSql(2);

/** An order awaiting payment through a sandbox intent (via the real checkout). */
async function pendingOrder() {
  const buyer = httpBuyer(server.origin);
  await buyer.get(ga.path);
  const held = await buyer.post(ga.path, { _csrf: buyer.csrf, [ga.field]: "1" });
  const checkoutPath = held.headers.get("location")!;
  await buyer.get(checkoutPath);
  const paid = await buyer.post(checkoutPath, {
    _csrf: buyer.csrf,
    action: "pay",
    email: "buyer@example.com",
    method: "card",
  });
  const intentId = paid.headers.get("location")!.split("/").pop()!;
  const [order] = await sql<{ id: string; code: string; total_minor: string; currency: string }[]>`
    select o.id, o.code, o.total_minor, o.currency from core.orders o
    join core.payments p on p.order_id = o.id where p.intent_id = ${intentId}`;
  return { intentId, order: order!, amount: Number(order!.total_minor) };
}

function event(
  intentId: string,
  type: string,
  amount: number,
  currency = "USD",
  id = `evt_${crypto.randomUUID().replaceAll("-", "")}`,
) {
  return JSON.stringify({
    id,
    type,
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: intentId, amount_minor: amount, currency, status: type } },
  });
}

async function post(body: string, signature?: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const sig = signature === undefined
    ? await signatureHeader(sandboxWebhookSecret(), body)
    : signature;
  if (sig) headers["sandbox-signature"] = sig;
  const response = await fetch(`${server.origin}/webhooks/sandbox`, {
    method: "POST",
    body,
    headers,
  });
  return { status: response.status, body: await response.json() };
}

async function orderState(id: string) {
  const [row] = await sql<{ status: string; tickets: number; sold: number }[]>`
    select o.status, (select count(*)::int from core.tickets t where t.order_id = o.id) as tickets,
           (select count(*)::int from core.event_seats s where s.order_id = o.id and s.state = 'sold') as sold
    from core.orders o where o.id = ${id}`;
  return row!;
}

async function rejections(): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from core.webhook_rejections`;
  return row!.n;
}

Deno.test("bad signature, stale timestamp, missing header and unknown intent are refused and logged", async () => {
  const { intentId, order, amount } = await pendingOrder();
  const body = event(intentId, "payment_intent.succeeded", amount);
  const before = await rejections();

  const forged = await post(body, await signatureHeader("whsec_not_the_secret", body));
  assert.equal(forged.status, 400);
  assert.match(forged.body.error, /Signature does not match/);

  const stale = Math.floor(Date.now() / 1000) - 301;
  const old = await post(body, await signatureHeader(sandboxWebhookSecret(), body, stale));
  assert.equal(old.status, 400);
  assert.match(old.body.error, /more than 300 s/);

  assert.equal((await post(body, null)).status, 400);

  const tampered = await post(
    body.replace(`"amount_minor":${amount}`, `"amount_minor":1`),
    await signatureHeader(sandboxWebhookSecret(), body),
  );
  assert.equal(tampered.status, 400);

  const unknown = await post(event("pi_" + "0".repeat(32), "payment_intent.succeeded", amount));
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error, /not found/);

  assert.equal(await rejections(), before + 5, "every refusal is logged");
  assert.deepEqual(await orderState(order.id), { status: "pending_payment", tickets: 0, sold: 0 });
});

Deno.test("a success webhook replayed 10 times gives one paid order and one set of tickets", async () => {
  const { intentId, order, amount } = await pendingOrder();
  const body = event(intentId, "payment_intent.succeeded", amount);
  const results = [];
  for (let i = 0; i < 10; i++) results.push(await post(body));
  assert.deepEqual(results.map((r) => r.status), Array(10).fill(200));
  assert.equal(results[0]!.body.outcome, "paid");
  assert.deepEqual(results.slice(1).map((r) => r.body.replay), Array(9).fill(true));
  // and five at once
  const parallel = await Promise.all(Array.from({ length: 5 }, () => post(body)));
  assert.ok(parallel.every((r) => r.status === 200));
  assert.deepEqual(await orderState(order.id), { status: "paid", tickets: 1, sold: 1 });
  const [events] = await sql<{ n: number }[]>`
    select count(*)::int as n from core.payment_events e join core.payments p on p.id = e.payment_id
    where p.intent_id = ${intentId}`;
  assert.equal(events!.n, 1);
});

Deno.test("failed after succeeded changes nothing; a second success on another attempt is refunded", async () => {
  const { intentId, order, amount } = await pendingOrder();
  assert.equal(
    (await post(event(intentId, "payment_intent.succeeded", amount))).body.outcome,
    "paid",
  );
  const late = await post(event(intentId, "payment_intent.payment_failed", amount));
  assert.equal(late.status, 200);
  assert.equal(late.body.outcome, "unchanged");
  const [p] = await sql`select status from core.payments where intent_id = ${intentId}`;
  assert.equal(p!.status, "succeeded");
  assert.deepEqual(await orderState(order.id), { status: "paid", tickets: 1, sold: 1 });

  // an older attempt of the same order succeeding later: money back, order unchanged
  await sql`insert into core.payments (org_id, order_id, provider, intent_id, amount_minor, currency)
            select org_id, id, 'sandbox', 'pi_second_attempt_' || code, total_minor, currency from core.orders where id = ${order.id}`;
  const second = await post(
    event(`pi_second_attempt_${order.code}`, "payment_intent.succeeded", amount),
  );
  assert.equal(second.body.outcome, "refund_required");
  const [refund] =
    await sql`select count(*)::int as n from core.outbox where topic = 'payments__refund' and payload ->> 'order_id' = ${order.id}`;
  assert.equal(refund!.n, 1);
  assert.deepEqual(await orderState(order.id), { status: "paid", tickets: 1, sold: 1 });
});

Deno.test("a payment after the order lapsed re-allocates free places, else is refunded", async () => {
  // lapsed, places still free: paid late
  const a = await pendingOrder();
  await sql`update core.orders set expires_at = now() - interval '1 second' where id = ${a.order.id}`;
  await sql`select core.set_hold_expiry(hold_id, now() - interval '1 second') from core.orders where id = ${a.order.id}`;
  const late = await post(event(a.intentId, "payment_intent.succeeded", a.amount));
  assert.equal(late.body.outcome, "paid_late");
  assert.deepEqual(await orderState(a.order.id), { status: "paid", tickets: 1, sold: 1 });

  // expired by the job (hold released), its standing place taken by someone else meanwhile
  const b = await pendingOrder();
  await sql`update core.orders set expires_at = now() - interval '1 second' where id = ${b.order.id}`;
  await sql`select core.set_hold_expiry(hold_id, now() - interval '1 second') from core.orders where id = ${b.order.id}`;
  await sql`select core.expire_orders()`;
  // take every free place of the section, so nothing can be re-allocated
  const [seat] =
    await sql`select i.event_section_id from core.order_items i where i.order_id = ${b.order.id}`;
  await sql`update core.event_seats set state = 'blocked' where event_section_id = ${
    seat!.event_section_id
  } and state = 'open' and held_until <= now()`;
  try {
    const refused = await post(event(b.intentId, "payment_intent.succeeded", b.amount));
    assert.equal(refused.body.outcome, "refund_required");
    assert.deepEqual(await orderState(b.order.id), { status: "expired", tickets: 0, sold: 0 });
  } finally {
    await sql`update core.event_seats set state = 'open' where event_section_id = ${
      seat!.event_section_id
    } and state = 'blocked'`;
  }
});

/** The ledger's unapplied receipt of a payment and the refund queued for it. */
async function unapplied(intentId: string) {
  const [row] = await sql<
    { debit: number; currency: string; refund: number; refund_currency: string }[]
  >`
    select (select e.amount_minor::int from core.ledger_entries e where e.transaction_id = t.id and e.amount_minor > 0)
             as debit,
           (select e.currency from core.ledger_entries e where e.transaction_id = t.id and e.amount_minor > 0)
             as currency,
           r.amount_minor::int as refund, r.currency as refund_currency
    from core.payments p
    join core.ledger_transactions t on t.source_key = 'payment_unapplied:' || p.id
    join core.refunds r on r.payment_id = p.id and r.kind = 'unapplied'
    where p.intent_id = ${intentId}`;
  return row;
}

Deno.test("an unapplied receipt is posted and refunded at the amount the provider received", async () => {
  // the order is paid by its first attempt; a second attempt's money arrives, and the provider
  // says it received 700 more than that attempt asked for
  const { intentId, order, amount } = await pendingOrder();
  assert.equal(
    (await post(event(intentId, "payment_intent.succeeded", amount))).body.outcome,
    "paid",
  );
  const second = `pi_received_more_${order.code}`;
  await sql`insert into core.payments (org_id, order_id, provider, intent_id, amount_minor, currency)
            select org_id, id, 'sandbox', ${second}, total_minor, currency from core.orders where id = ${order.id}`;
  const body = event(second, "payment_intent.succeeded", amount + 700);
  const first = await post(body);
  assert.equal(first.body.outcome, "refund_required");
  assert.equal((await post(body)).body.replay, true, "a replay changes nothing");
  assert.deepEqual(await unapplied(second), {
    debit: amount + 700,
    currency: "USD",
    refund: amount + 700,
    refund_currency: "USD",
  });
  const [p] =
    await sql`select received_minor::int, status from core.payments where intent_id = ${second}`;
  assert.deepEqual({ ...p }, { received_minor: amount + 700, status: "refund_required" });

  // an order that lapsed with its places gone, paid short: what arrived goes back, not the total
  const b = await pendingOrder();
  await sql`update core.orders set expires_at = now() - interval '1 second' where id = ${b.order.id}`;
  const short = await post(event(b.intentId, "payment_intent.succeeded", b.amount - 1));
  assert.equal(short.body.outcome, "refund_required");
  assert.deepEqual(await unapplied(b.intentId), {
    debit: b.amount - 1,
    currency: "USD",
    refund: b.amount - 1,
    refund_currency: "USD",
  });
  // the lapsed order is left to the orders__expire job, as in production (and so it does not
  // linger as overdue for other tests that count what the job expires)
  await sql`select core.expire_orders()`;
  assert.equal((await orderState(b.order.id)).status, "expired");
  // the ledger still balances for every posted transaction
  const [bad] = await sql<{ n: number }[]>`
    select count(*)::int as n from (select transaction_id from core.ledger_entries
    group by transaction_id having sum(amount_minor) <> 0) x`;
  assert.equal(bad!.n, 0);
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
    await server.close();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
