// Flutterwave, Paynow and M-Pesa webhooks over real HTTP on loopback (/webhooks/[provider]),
// with the adapters configured from env vars as in production: a verified success replayed
// 10 times pays the order once (one ledger posting), a failure arriving after it changes
// nothing; a wrong verif-hash / Paynow hash / callback token, a callback from an address that
// is not Safaricom's, and a correctly signed event for a payment we never had are refused,
// logged in core.webhook_rejections, and apply nothing.
import assert from "node:assert/strict";
import { paynowHash } from "../../lib/payments/providers/paynow.ts";
import { adminSql } from "../support/db.ts";
import { startServer } from "../payments/support.ts";
import { actAs, one } from "./fixture.ts";

const FLW_HASH = "flw-dashboard-secret-hash";
const PAYNOW_KEY = "3e9fed89-60e1-4ce5-ab6e-6b1eb2d4f977";
const MPESA_TOKEN = "mpesa-callback-secret";
Deno.env.set("FLUTTERWAVE_SECRET_KEY", "FLWSECK_TEST-regional");
Deno.env.set("FLUTTERWAVE_SECRET_HASH", FLW_HASH);
Deno.env.set("PAYNOW_INTEGRATION_ID", "1201");
Deno.env.set("PAYNOW_INTEGRATION_KEY", PAYNOW_KEY);
Deno.env.set("PAYNOW_CURRENCY", "USD");
Deno.env.set("MPESA_CONSUMER_KEY", "ck");
Deno.env.set("MPESA_CONSUMER_SECRET", "cs");
Deno.env.set("MPESA_SHORTCODE", "174379");
Deno.env.set("MPESA_PASSKEY", "pk");
Deno.env.set("MPESA_CALLBACK_TOKEN", MPESA_TOKEN);
Deno.env.delete("MPESA_ALLOWED_IPS");

const server = await startServer();
const sql = await adminSql(2);
const run = crypto.randomUUID().slice(0, 8);

/** A pending order in a fresh org selling in `currency`, with an attempt through `provider`. */
async function pending(provider: string, currency: string, intent: string) {
  return await sql.begin(async (tx) => {
    await actAs(tx, null);
    const slug = `rg-${provider}-${run}`;
    const { org } = one(await tx`select api.create_org('Regional', ${slug}, 'Harare') as org`);
    await actAs(tx, org);
    const { v } = one(await tx`select api.create_venue('RG Ground', 'Harare') as v`);
    const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
    const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
    await tx`select api.add_standing_section(${l}, 'Field', 10, ${z})`;
    await tx`select api.publish_layout_version(${l})`;
    const { e } = one(
      await tx`select api.create_event(layout_version_id => ${l}, name => 'RG Match',
        starts_at => now() + interval '9 days', category => 'football', currency => ${currency}) as e`,
    );
    const { t } = one(
      await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry', price_minor => 2500) as t`,
    );
    await tx`select api.set_event_status(${e}, 'on_sale')`;
    const { h } = one(
      await tx`select api.hold_tickets(event_id => ${e},
        items => ${tx.json([{ ticket_type_id: t, quantity: 1 }])},
        session_id => ${`rg-${run}-${provider}`}) ->> 'token' as h`,
    );
    const { id } = one(
      await tx`select api.create_order(hold_token => ${h}, buyer_email => 'rg@example.com') ->> 'id' as id`,
    );
    const o = one(await tx`select total_minor::int as total from core.orders where id = ${id}`);
    await tx`select api.record_payment_attempt(${id}, ${provider}, ${intent}, ${o.total}, ${currency},
      'mobile_money')`;
    return { id: id as string, total: o.total as number };
  });
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${server.origin}${path}`, { method: "POST", body, headers });
  return { status: r.status, body: await r.json() };
}

/** Order status, succeeded payments and payment postings of an order. */
async function outcome(orderId: string) {
  return one(
    await sql`select o.status,
      (select count(*)::int from core.payments p where p.order_id = o.id and p.status = 'succeeded') as paid,
      (select count(*)::int from core.ledger_transactions t where t.order_id = o.id and t.kind = 'payment')
        as posted,
      (select count(*)::int from core.tickets k where k.order_id = o.id) as tickets
      from core.orders o where o.id = ${orderId}`,
  );
}

/** The rejections logged for `provider` whose body mentions `mark`, oldest first. */
async function rejections(provider: string, mark: string) {
  return (await sql`select reason from core.webhook_rejections
    where provider = ${provider} and body_excerpt like ${`%${mark}%`} order by id`).map((r) =>
    r.reason as string
  );
}

async function tenTimes(send: () => Promise<{ status: number; body: Record<string, unknown> }>) {
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await send());
  assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
  assert.deepEqual(answers.map((a) => a.body.replay), [false, ...Array(9).fill(true)]);
  assert.deepEqual(new Set(answers.map((a) => a.body.outcome)), new Set(["paid"]));
}

Deno.test("flutterwave: verif-hash checked; replayed 10x pays once; failed after it changes nothing", async () => {
  const intent = `MTB-${run}-flw`;
  const order = await pending("flutterwave", "KES", intent);
  const event = (status: string, txRef = intent, id = 900001) =>
    JSON.stringify({
      event: "charge.completed",
      data: { id, tx_ref: txRef, amount: order.total / 100, currency: "KES", status },
    });
  await tenTimes(() =>
    post("/webhooks/flutterwave", event("successful"), { "verif-hash": FLW_HASH })
  );
  const late = await post("/webhooks/flutterwave", event("failed", intent, 900002), {
    "verif-hash": FLW_HASH,
  });
  assert.equal(late.body.outcome, "unchanged");
  assert.deepEqual(await outcome(order.id), { status: "paid", paid: 1, posted: 1, tickets: 1 });

  const wrong = await post("/webhooks/flutterwave", event("successful", `${intent}-x`), {
    "verif-hash": "guessed",
  });
  assert.equal(wrong.status, 401);
  const unknown = await post("/webhooks/flutterwave", event("successful", `NOPE-${run}`, 900003), {
    "verif-hash": FLW_HASH,
  });
  assert.equal(unknown.status, 400);
  assert.deepEqual(await rejections("flutterwave", `${intent}-x`), [
    "Bad or missing verif-hash header",
  ]);
  assert.match((await rejections("flutterwave", `NOPE-${run}`))[0]!, /not found/);
});

Deno.test("paynow: hash checked; a status update replayed 10x pays once; a forged one is refused", async () => {
  const intent = `PN-${run}`;
  const order = await pending("paynow", "USD", intent);
  const update = async (status: string, reference = intent, amount = order.total) => {
    const fields: [string, string][] = [
      ["reference", reference],
      ["paynowreference", `77${run.slice(0, 4).replace(/\D/g, "1")}`],
      ["amount", (amount / 100).toFixed(2)],
      ["status", status],
      ["pollurl", `https://www.paynow.co.zw/Interface/CheckPayment/?guid=${run}`],
    ];
    return new URLSearchParams([...fields, ["hash", await paynowHash(fields, PAYNOW_KEY)]])
      .toString();
  };
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const paid = await update("Paid");
  // without the integration's currency Paynow is not configured: refused (503) and logged
  Deno.env.delete("PAYNOW_CURRENCY");
  try {
    assert.equal((await post("/webhooks/paynow", paid, form)).status, 503);
  } finally {
    Deno.env.set("PAYNOW_CURRENCY", "USD");
  }
  assert.deepEqual(await rejections("paynow", intent), ["paynow is not configured on this server"]);
  await tenTimes(() => post("/webhooks/paynow", paid, form));
  const cancelled = await post("/webhooks/paynow", await update("Cancelled"), form);
  assert.equal(cancelled.body.outcome, "unchanged");
  assert.deepEqual(await outcome(order.id), { status: "paid", paid: 1, posted: 1, tickets: 1 });

  // the amount changed after hashing: refused and logged
  const forged = (await update("Paid", `${intent}-f`)).replace(
    `amount=${(order.total / 100).toFixed(2)}`,
    "amount=0.01",
  );
  assert.equal((await post("/webhooks/paynow", forged, form)).status, 401);
  assert.deepEqual(await rejections("paynow", `${intent}-f`), ["Bad Paynow hash"]);
  assert.equal((await rejections("paynow", intent)).length, 2, "the 503 and the forged one");
  const unknown = await post("/webhooks/paynow", await update("Paid", `NOPE-${run}`), form);
  assert.equal(unknown.status, 400);
  assert.match((await rejections("paynow", `NOPE-${run}`))[0]!, /not found/);
});

Deno.test("mpesa: token and source checked; an STK callback replayed 10x pays once", async () => {
  const intent = `ws_CO_${run}`;
  const order = await pending("mpesa", "KES", intent);
  const callback = (resultCode: number, checkout = intent) =>
    JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: `29115-${run}`,
          CheckoutRequestID: checkout,
          ResultCode: resultCode,
          ResultDesc: resultCode === 0 ? "The service request is processed successfully." : "x",
          ...(resultCode === 0
            ? {
              CallbackMetadata: {
                Item: [
                  { Name: "Amount", Value: order.total / 100 },
                  { Name: "MpesaReceiptNumber", Value: "NLJ7RT61SV" },
                  { Name: "TransactionDate", Value: 20191219102115 },
                  { Name: "PhoneNumber", Value: 254708374149 },
                ],
              },
            }
            : {}),
        },
      },
    });
  const url = `/webhooks/mpesa?token=${MPESA_TOKEN}`;
  // from loopback, which is not one of Safaricom's addresses: refused and logged
  const foreign = await post(url, callback(0));
  assert.equal(foreign.status, 401);
  assert.deepEqual(await rejections("mpesa", intent), [
    "Callback from 127.0.0.1, not a Safaricom address",
  ]);
  Deno.env.set("MPESA_ALLOWED_IPS", "196.201.214.200, 127.0.0.1");
  try {
    const noToken = await post("/webhooks/mpesa?token=guessed", callback(0));
    assert.equal(noToken.status, 401);
    await tenTimes(() => post(url, callback(0)));
    const cancelled = await post(url, callback(1032));
    assert.equal(cancelled.body.outcome, "unchanged");
    assert.deepEqual(await outcome(order.id), { status: "paid", paid: 1, posted: 1, tickets: 1 });
    const unknown = await post(url, callback(0, `ws_CO_NOPE_${run}`));
    assert.equal(unknown.status, 400);
    assert.match((await rejections("mpesa", `ws_CO_NOPE_${run}`))[0]!, /not found/);
    assert.deepEqual((await rejections("mpesa", intent)).slice(0, 2), [
      "Callback from 127.0.0.1, not a Safaricom address",
      "Bad or missing callback token",
    ]);
  } finally {
    Deno.env.delete("MPESA_ALLOWED_IPS");
  }
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
