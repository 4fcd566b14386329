// Checkout offers the providers the event's org turned on for its currency (from SQL) among
// those this server has secrets for; choosing one records the attempt and starts that
// provider's flow over its documented API (a loopback fake, tests/money/fake_providers.ts):
// a redirect to Stripe's, Paystack's, Flutterwave's or Paynow's hosted page, or an M-Pesa STK
// push and the "check your phone" wait.
import assert from "node:assert/strict";
import { hmacHex } from "../../lib/payments/providers/crypto.ts";
import { adminSql } from "../support/db.ts";
import { FAKE, startFakeProviders } from "../money/fake_providers.ts";
import { actAs, one, type Shop, shop } from "../money/fixture.ts";
import { httpBuyer, startServer } from "./support.ts";

const fake = startFakeProviders();
const WHSEC = "whsec_checkout_test";
const env: Record<string, string> = {
  STRIPE_SECRET_KEY: FAKE.stripeKey,
  STRIPE_WEBHOOK_SECRET: WHSEC,
  STRIPE_API_URL: `${fake.origin}/stripe`,
  PAYSTACK_SECRET_KEY: FAKE.paystackKey,
  PAYSTACK_API_URL: `${fake.origin}/paystack`,
  FLUTTERWAVE_SECRET_KEY: FAKE.flutterwaveKey,
  FLUTTERWAVE_SECRET_HASH: "flw-hash",
  FLUTTERWAVE_API_URL: `${fake.origin}/flutterwave`,
  MPESA_CONSUMER_KEY: FAKE.mpesa.key,
  MPESA_CONSUMER_SECRET: FAKE.mpesa.secret,
  MPESA_SHORTCODE: FAKE.mpesa.shortcode,
  MPESA_PASSKEY: FAKE.mpesa.passkey,
  MPESA_CALLBACK_TOKEN: "mpesa-callback-token",
  MPESA_API_URL: `${fake.origin}/mpesa`,
};
/** The server's provider settings for these tests (set in each test: the process is shared). */
function providerEnv() {
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  for (const k of ["PAYNOW_INTEGRATION_ID", "PAYNOW_INTEGRATION_KEY", "PAYNOW_CURRENCY"]) {
    Deno.env.delete(k);
  }
}
const server = await startServer();
const sql = await adminSql(2);

async function enable(s: Shop, providers: string[]) {
  await sql.begin(async (tx) => {
    await actAs(tx, s.org);
    for (const p of providers) await tx`select api.set_payment_provider(${p}, true)`;
  });
}

/** A buyer holding one ticket of the shop's event, on the checkout page. */
async function atCheckout(s: Shop) {
  const { slug, section } = one(
    await sql`select e.slug, (select id from core.event_sections where event_id = e.id limit 1) as section
    from core.events e where e.id = ${s.event}`,
  );
  const buyer = httpBuyer(server.origin);
  await buyer.get(`/e/${slug}`);
  const held = await buyer.post(`/e/${slug}`, {
    _csrf: buyer.csrf,
    [`qty:${s.ticketType}:${section}`]: "1",
  });
  const path = held.headers.get("location")!;
  assert.match(path, /^\/checkout\//);
  const html = await (await buyer.get(path)).text();
  const choices = [...html.matchAll(/name="method" value="([^"]+)"/g)].map((m) => m[1]);
  return { buyer, path, html, choices };
}

async function pay(c: Awaited<ReturnType<typeof atCheckout>>, fields: Record<string, string>) {
  const response = await c.buyer.post(c.path, {
    _csrf: c.buyer.csrf,
    action: "pay",
    email: "buyer@example.com",
    ...fields,
  });
  return {
    status: response.status,
    location: response.headers.get("location"),
    html: await response.text(),
  };
}

async function lastPayment(s: Shop) {
  return one(
    await sql`select p.provider, p.method, p.intent_id, p.amount_minor::int as amount, o.code, o.id as order_id
    from core.payments p join core.orders o on o.id = p.order_id
    where o.event_id = ${s.event} order by p.created_at desc limit 1`,
  );
}

const kes = await shop(sql, "KES", "Nairobi Derby");
await enable(kes, ["mpesa", "paystack", "flutterwave", "stripe", "paynow"]);

Deno.test("the choices come from SQL: enabled for the org, taking its currency, configured here", async () => {
  providerEnv();
  const c = await atCheckout(kes);
  assert.deepEqual(c.choices, [
    "mpesa:mobile_money",
    "paystack:card",
    "paystack:mobile_money",
    "flutterwave:card",
    "flutterwave:mobile_money",
    "stripe:card",
    "card",
    "mobile_money",
    "cash",
  ]);
  assert.ok(c.html.includes("M-Pesa"));
  // Paynow is enabled but takes no KES; a choice that is not offered is refused
  const refused = await pay(c, { method: "paynow:mobile_money" });
  assert.equal(refused.status, 400);
  assert.match(refused.html, /is not a way to pay for this order/);

  // a USD org with Paynow on but no Paynow secrets here: not offered until they are set
  const usd = await shop(sql, "USD", "Harare Derby");
  await enable(usd, ["paynow"]);
  assert.ok(!(await atCheckout(usd)).choices.includes("paynow:mobile_money"));
  assert.ok(!(await atCheckout(usd)).choices.includes("stripe:card"), "stripe is off for this org");
  Deno.env.set("PAYNOW_INTEGRATION_ID", FAKE.paynowId);
  Deno.env.set("PAYNOW_INTEGRATION_KEY", FAKE.paynowKey);
  Deno.env.set("PAYNOW_CURRENCY", "USD");
  Deno.env.set("PAYNOW_API_URL", `${fake.origin}/paynow`);
  const withPaynow = await atCheckout(usd);
  assert.equal(withPaynow.choices[0], "paynow:mobile_money");
  const paid = await pay(withPaynow, { method: "paynow:mobile_money" });
  assert.equal(paid.status, 303);
  const p = await lastPayment(usd);
  assert.equal(p.provider, "paynow");
  assert.equal(paid.location, `${fake.origin}/paynow/pay/${p.intent_id}`);
  const sent = new URLSearchParams(
    fake.requests.filter((r) => r.provider === "paynow").at(-1)!.body,
  );
  assert.equal(sent.get("amount"), (p.amount / 100).toFixed(2));
  assert.match(sent.get("resulturl")!, /\/webhooks\/paynow$/);
});

Deno.test("M-Pesa: an STK push to the buyer's phone, then the 'check your phone' page polls", async () => {
  providerEnv();
  const c = await atCheckout(kes);
  const noPhone = await pay(c, { method: "mpesa:mobile_money" });
  assert.equal(noPhone.status, 400);
  assert.match(noPhone.html, /M-Pesa sends the payment prompt to a Kenyan phone/);
  const started = await pay(c, { method: "mpesa:mobile_money", phone: "+254 712 345 678" });
  assert.equal(started.status, 303);
  const back = new URL(started.location!);
  assert.equal(`${back.origin}${back.pathname}`, `${server.origin}/checkout/return`);
  assert.equal(back.searchParams.get("start"), null, "the STK push was accepted");
  const p = await lastPayment(kes);
  assert.equal(p.provider, "mpesa");
  assert.equal(p.method, "mobile_money");
  assert.match(p.intent_id, /^ws_CO_/);
  const push = JSON.parse(
    fake.requests.filter((r) => r.path === "/mpesa/stkpush/v1/processrequest").at(-1)!.body,
  );
  assert.equal(push.PhoneNumber, "254712345678");
  assert.equal(push.Amount, Math.ceil(p.amount / 100));
  assert.equal(push.AccountReference, p.code);
  assert.match(push.CallBackURL, /\/webhooks\/mpesa\?token=mpesa-callback-token$/);
  const wait = await c.buyer.get(`${back.pathname}${back.search}`);
  const page = await wait.text();
  assert.match(page, /Check your phone/);
  assert.match(page, /\/checkout\/status\?o=/);
  const k = back.searchParams.get("k")!;
  const status = await c.buyer.get(`/checkout/status?o=${p.code}&k=${encodeURIComponent(k)}`);
  assert.deepEqual(await status.json(), {
    order_status: "pending_payment",
    payment_status: "pending",
  });
});

Deno.test("M-Pesa takes whole shillings: a total with cents is not pushed, and not offered again", async () => {
  providerEnv();
  const cents = await shop(sql, "KES", "Mombasa Cents");
  await enable(cents, ["mpesa"]);
  const { t } = one(
    await sql.begin(async (tx) => {
      await actAs(tx, cents.org);
      return await tx`select api.create_ticket_type(event_id => ${cents.event}, name => 'Half',
        price_minor => 2550) as t`;
    }),
  );
  const pushes = () =>
    fake.requests.filter((r) => r.path === "/mpesa/stkpush/v1/processrequest").length;
  const before = pushes();
  const c = await atCheckout({ ...cents, ticketType: t });
  assert.ok(c.choices.includes("mpesa:mobile_money"), "the total is not known before the order");
  const started = await pay(c, { method: "mpesa:mobile_money", phone: "+254 712 345 678" });
  assert.equal(started.status, 303);
  assert.match(started.location!, /\/checkout\/return\?.*start=failed/);
  assert.equal(pushes(), before, "no STK push for KES 25.50 (it would have taken KES 26)");
  const back = new URL(started.location!, server.origin);
  const page = await (await c.buyer.get(`${back.pathname}${back.search}`)).text();
  const again = [...page.matchAll(/name="method" value="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(again.length > 0, "other ways to pay are offered");
  assert.ok(!again.includes("mpesa:mobile_money"), `M-Pesa is not offered again: ${again}`);
});

Deno.test("Stripe, Paystack, Flutterwave: the attempt is recorded and the buyer goes to the hosted page", async () => {
  providerEnv();
  const s = await atCheckout(kes);
  const stripe = await pay(s, { method: "stripe:card" });
  const sp = await lastPayment(kes);
  assert.equal(sp.provider, "stripe");
  assert.equal(stripe.location, `${fake.origin}/stripe/pay/${sp.intent_id}`);
  const form = new URLSearchParams(
    fake.requests.filter((r) => r.path === "/v1/checkout/sessions").at(-1)!.body,
  );
  assert.equal(form.get("line_items[0][price_data][currency]"), "kes");
  assert.equal(form.get("line_items[0][price_data][unit_amount]"), String(sp.amount));
  assert.equal(form.get("client_reference_id"), sp.code);
  // Stripe's signed checkout.session.completed pays the order
  const body = JSON.stringify({
    id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
    type: "checkout.session.completed",
    data: {
      object: {
        id: sp.intent_id,
        object: "checkout.session",
        payment_status: "paid",
        amount_total: sp.amount,
        currency: "kes",
      },
    },
  });
  const t = Math.floor(Date.now() / 1000);
  const hook = await fetch(`${server.origin}/webhooks/stripe`, {
    method: "POST",
    body,
    headers: { "stripe-signature": `t=${t},v1=${await hmacHex("SHA-256", WHSEC, `${t}.${body}`)}` },
  });
  assert.equal((await hook.json()).outcome, "paid");

  const ps = await pay(await atCheckout(kes), { method: "paystack:card" });
  const pp = await lastPayment(kes);
  assert.equal(pp.provider, "paystack");
  assert.equal(ps.location, `${fake.origin}/paystack/checkout/${pp.intent_id}`);
  const init = JSON.parse(
    fake.requests.filter((r) => r.path === "/transaction/initialize").at(-1)!.body,
  );
  assert.deepEqual(
    { amount: init.amount, currency: init.currency, email: init.email, channels: init.channels },
    { amount: pp.amount, currency: "KES", email: "buyer@example.com", channels: ["card"] },
  );

  const fw = await pay(await atCheckout(kes), { method: "flutterwave:mobile_money" });
  const fp = await lastPayment(kes);
  assert.equal(fp.provider, "flutterwave");
  assert.equal(fp.method, "mobile_money");
  assert.equal(fw.location, `${fake.origin}/flutterwave/hosted/${fp.intent_id}`);
  const flw = JSON.parse(fake.requests.filter((r) => r.path === "/v3/payments").at(-1)!.body);
  assert.equal(flw.amount, (fp.amount / 100).toFixed(2));
  assert.equal(flw.payment_options, "mobilemoney");
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
