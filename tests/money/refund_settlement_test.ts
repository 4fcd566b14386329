// Refunds a provider answers "pending": the worker records them (sql/290) and the provider's
// refund webhook or our status poll settles them once; replays and out-of-order events leave
// one outcome and one ledger posting. Every refund submission carries a key stable per refund,
// so a submission retried after a crash does not refund twice (Stripe's Idempotency-Key,
// Flutterwave's X-Idempotency-Key, Paystack deduped by reference). The providers are a
// loopback server speaking their documented API (tests/money/fake_providers.ts).
import assert from "node:assert/strict";
import { hmacHex } from "../../lib/payments/providers/crypto.ts";
import { StripeProvider } from "../../lib/payments/providers/stripe.ts";
import { PaystackProvider } from "../../lib/payments/providers/paystack.ts";
import { FlutterwaveProvider } from "../../lib/payments/providers/flutterwave.ts";
import type { PaymentProvider } from "../../lib/payments/provider.ts";
import { checkRefund, refundHandlers, refundKey, submitRefund } from "../../workers/refunds.ts";
import type { OutboxMessage } from "../../workers/outbox.ts";
import { adminSql } from "../support/db.ts";
import { startServer } from "../payments/support.ts";
import { FAKE, startFakeProviders } from "./fake_providers.ts";
import { one, paidOrder, requestRefund, shop } from "./fixture.ts";

const fake = startFakeProviders();
const WHSEC = "whsec_refund_test";
/** The server's provider settings for these tests (set in each test: the process is shared). */
function providerEnv() {
  Deno.env.set("STRIPE_SECRET_KEY", FAKE.stripeKey);
  Deno.env.set("STRIPE_WEBHOOK_SECRET", WHSEC);
  Deno.env.set("STRIPE_API_URL", `${fake.origin}/stripe`);
  Deno.env.set("PAYSTACK_SECRET_KEY", FAKE.paystackKey);
  Deno.env.set("PAYSTACK_API_URL", `${fake.origin}/paystack`);
}
const server = await startServer();
const sql = await adminSql(4);
const context = { sql, origin: server.origin };

const stripe = new StripeProvider({
  secretKey: FAKE.stripeKey,
  webhookSecret: WHSEC,
  baseUrl: `${fake.origin}/stripe`,
});
const paystack = new PaystackProvider({
  secretKey: FAKE.paystackKey,
  baseUrl: `${fake.origin}/paystack`,
});
const providers: Record<string, PaymentProvider> = { stripe, paystack };
const options = { provider: (id: string) => providers[id] ?? null };

async function refundRow(id: string) {
  return one(
    await sql`select r.status, r.provider_refund_id, r.provider_status,
      (select count(*)::int from core.ledger_transactions t where t.source_key = 'refund:' || r.id) as posted
      from core.refunds r where r.id = ${id}`,
  );
}

async function stripeWebhook(event: Record<string, unknown>) {
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = await hmacHex("SHA-256", WHSEC, `${t}.${body}`);
  const response = await fetch(`${server.origin}/webhooks/stripe`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` },
  });
  return { status: response.status, body: await response.json() };
}

function refundEvent(id: string, refund: string, status: string, intent: string, amount: number) {
  return {
    id,
    type: status === "failed" ? "refund.failed" : "refund.updated",
    data: { object: { id: refund, object: "refund", status, amount, payment_intent: intent } },
  };
}

Deno.test("stripe: a retried submission sends the same Idempotency-Key and refunds once", async () => {
  providerEnv();
  const s = await shop(sql, "USD", "Stripe Refunds");
  const intent = `pi_${crypto.randomUUID().replaceAll("-", "")}`;
  const { orderId } = await paidOrder(sql, s, "stripe", intent);
  const refundId = await requestRefund(sql, s, orderId, 700);
  const before = fake.created.stripe ?? 0;
  // the worker reached Stripe, then crashed before it could record the answer
  const first = await stripe.refund({
    intentId: intent,
    amountMinor: 700,
    currency: "USD",
    reason: "Test refund",
    idempotencyKey: refundKey(refundId),
  });
  // the message comes back: the same key, so Stripe answers with the same refund
  assert.equal(await submitRefund(refundId, context, options), "pending");
  assert.equal(fake.created.stripe, before + 1, "Stripe made one refund");
  const keys = fake.requests.filter((r) => r.provider === "stripe" && r.path === "/v1/refunds")
    .slice(-2).map((r) => r.headers.get("idempotency-key"));
  assert.deepEqual(keys, [`mutambo-refund-${refundId}`, `mutambo-refund-${refundId}`]);
  const row = await refundRow(refundId);
  assert.deepEqual({ ...row }, {
    status: "requested",
    provider_refund_id: first.refundId,
    provider_status: "pending",
    posted: 0,
  });
  // delivered again while pending: the provider is not called again
  const calls = fake.requests.length;
  assert.equal(await submitRefund(refundId, context, options), "pending");
  assert.equal(fake.requests.length, calls);
});

Deno.test("stripe: a payment made through a Checkout Session is refunded on its PaymentIntent", async () => {
  providerEnv();
  const s = await shop(sql, "USD", "Stripe Session Refunds");
  // the intent id we keep is the session's: it had no PaymentIntent when it was created
  const session = `cs_test_${crypto.randomUUID().replaceAll("-", "")}`;
  const { orderId } = await paidOrder(sql, s, "stripe", session);
  const refundId = await requestRefund(sql, s, orderId, 500);
  assert.equal(await submitRefund(refundId, context, options), "pending");
  const calls = fake.requests.filter((r) => r.provider === "stripe").slice(-2);
  assert.deepEqual(calls.map((r) => `${r.method} ${r.path}`), [
    `GET /v1/checkout/sessions/${session}`,
    "POST /v1/refunds",
  ]);
  assert.equal(new URLSearchParams(calls[1]!.body).get("payment_intent"), `pi_for_${session}`);
  assert.equal((await refundRow(refundId)).provider_status, "pending");
});

Deno.test("stripe refund webhooks: applied once, replays and late 'pending' change nothing", async () => {
  providerEnv();
  const s = await shop(sql, "USD", "Stripe Webhooks");
  const intent = `pi_${crypto.randomUUID().replaceAll("-", "")}`;
  const { orderId } = await paidOrder(sql, s, "stripe", intent);
  const refundId = await requestRefund(sql, s, orderId, 900);
  assert.equal(await submitRefund(refundId, context, options), "pending");
  const { provider_refund_id: re } = await refundRow(refundId);

  const done = refundEvent(`evt_${crypto.randomUUID()}`, re, "succeeded", intent, 900);
  const first = await stripeWebhook(done);
  assert.equal(first.status, 200);
  assert.equal(first.body.outcome, "succeeded");
  const again = await stripeWebhook(done);
  assert.equal(again.body.replay, true);
  // out of order: Stripe's earlier "pending" update arrives last
  const late = await stripeWebhook(
    refundEvent(`evt_${crypto.randomUUID()}`, re, "pending", intent, 900),
  );
  assert.equal(late.body.outcome, "unchanged");
  assert.deepEqual({ ...(await refundRow(refundId)) }, {
    status: "succeeded",
    provider_refund_id: re,
    provider_status: "succeeded",
    posted: 1,
  });

  // a forged refund event is refused and applies nothing
  const forged = await fetch(`${server.origin}/webhooks/stripe`, {
    method: "POST",
    body: JSON.stringify(done),
    headers: { "stripe-signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}` },
  });
  assert.equal(forged.status, 401);
  await forged.body?.cancel();
});

Deno.test("a refund decided by webhook before the worker recorded it is found by payment and amount", async () => {
  providerEnv();
  const s = await shop(sql, "USD", "Stripe Early");
  const intent = `pi_${crypto.randomUUID().replaceAll("-", "")}`;
  const { orderId } = await paidOrder(sql, s, "stripe", intent);
  const refundId = await requestRefund(sql, s, orderId, 400);
  const failed = await stripeWebhook(
    refundEvent(`evt_${crypto.randomUUID()}`, "re_early_1", "failed", intent, 400),
  );
  assert.equal(failed.body.outcome, "failed");
  const row = await refundRow(refundId);
  assert.equal(row.status, "failed");
  assert.equal(row.posted, 0, "a failed refund posts nothing");
  // the worker's message, delivered afterwards, sees a decided refund: no provider call
  const calls = fake.requests.length;
  assert.equal(await submitRefund(refundId, context, options), "failed");
  assert.equal(fake.requests.length, calls);
  // unknown refunds are refused (the provider retries later)
  const unknown = await stripeWebhook(
    refundEvent(`evt_${crypto.randomUUID()}`, "re_nobody", "succeeded", "pi_nobody", 1),
  );
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error, /not found/);
});

Deno.test("paystack: deduped by reference; a refund pending too long is polled and settled once", async () => {
  providerEnv();
  const s = await shop(sql, "NGN", "Paystack Refunds");
  const intent = `ps_${crypto.randomUUID().slice(0, 12)}`;
  const { orderId } = await paidOrder(sql, s, "paystack", intent);
  const refundId = await requestRefund(sql, s, orderId, 1000);
  const before = fake.created.paystack ?? 0;
  // crash after Paystack took it: the retry lists the transaction's refunds and finds ours
  await paystack.refund({
    intentId: intent,
    amountMinor: 1000,
    currency: "NGN",
    reason: "Test refund",
    idempotencyKey: refundKey(refundId),
  });
  assert.equal(await submitRefund(refundId, context, options), "pending");
  assert.equal(fake.created.paystack, before + 1, "Paystack made one refund");
  const { provider_refund_id: psId } = await refundRow(refundId);

  // not due yet; then pending for 20 minutes: one check message, never two open at once
  const due = async () => one(await sql`select core.enqueue_refund_checks() as n`).n as number;
  await due();
  assert.equal(
    one(
      await sql`select count(*)::int as n from core.outbox where topic = 'refunds__check'
      and payload ->> 'refund_id' = ${refundId}`,
    ).n,
    0,
  );
  await sql`update core.refunds set submitted_at = now() - interval '20 minutes' where id = ${refundId}`;
  assert.ok((await due()) >= 1);
  await sql`update core.refunds set last_checked_at = now() - interval '20 minutes' where id = ${refundId}`;
  await due();
  const messages = await sql<OutboxMessage[]>`
    select id::text, org_id, topic, payload, attempts, null as order_link from core.outbox
    where topic = 'refunds__check' and payload ->> 'refund_id' = ${refundId}`;
  assert.equal(messages.length, 1);

  // still pending at Paystack: nothing changes
  const handlers = refundHandlers(options);
  await handlers.refunds__check!(messages[0]!, context);
  assert.equal((await refundRow(refundId)).status, "requested");
  // processed: the poll settles it, and polling again (or a late webhook) changes nothing
  fake.refunds.get(psId)!.status = "processed";
  await handlers.refunds__check!(messages[0]!, context);
  assert.equal(await checkRefund(refundId, context, options), "succeeded");
  const body = JSON.stringify({
    event: "refund.processed",
    data: { id: psId, status: "processed", transaction_reference: intent, amount: 1000 },
  });
  const hook = await fetch(`${server.origin}/webhooks/paystack`, {
    method: "POST",
    body,
    headers: { "x-paystack-signature": await hmacHex("SHA-512", FAKE.paystackKey, body) },
  });
  const answer = await hook.json();
  assert.equal(hook.status, 200);
  assert.equal(answer.outcome, "unchanged");
  assert.deepEqual({ ...(await refundRow(refundId)) }, {
    status: "succeeded",
    provider_refund_id: psId,
    provider_status: "succeeded",
    posted: 1,
  });
});

Deno.test("flutterwave: the refund request carries X-Idempotency-Key; a repeat is the cached answer", async () => {
  providerEnv();
  const flw = new FlutterwaveProvider({
    secretKey: FAKE.flutterwaveKey,
    secretHash: "hash",
    baseUrl: `${fake.origin}/flutterwave`,
  });
  const before = fake.created.flutterwave ?? 0;
  const input = {
    intentId: "4975313",
    amountMinor: 2500,
    currency: "NGN",
    reason: "Test",
    idempotencyKey: "mutambo-refund-11111111-2222-3333-4444-555555555555",
  };
  const a = await flw.refund(input);
  const b = await flw.refund(input);
  assert.equal(a.refundId, b.refundId);
  assert.equal(fake.created.flutterwave, before + 1);
  const sent = fake.requests.filter((r) => r.provider === "flutterwave").at(-1)!;
  assert.equal(sent.path, "/v3/transactions/4975313/refund");
  assert.equal(sent.headers.get("x-idempotency-key"), input.idempotencyKey);
  assert.deepEqual(JSON.parse(sent.body), { amount: "25.00", comments: "Test" });
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
    await server.close();
    await fake.close();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
