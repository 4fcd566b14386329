// Provider webhooks over real HTTP on loopback (/webhooks/[provider]): a Paystack and a
// Stripe event signed with test secrets apply once (replayed 3 times: one outcome, one
// ledger posting); a wrong signature is a 401 and logged in core.webhook_rejections.
import assert from "node:assert/strict";
import { hmacHex } from "../../lib/payments/providers/crypto.ts";
import { adminSql } from "../support/db.ts";
import { startServer } from "../payments/support.ts";

Deno.env.set("PAYSTACK_SECRET_KEY", "sk_test_paystack_webhooks");
Deno.env.set("STRIPE_SECRET_KEY", "sk_test_stripe");
Deno.env.set("STRIPE_WEBHOOK_SECRET", "whsec_test_stripe_webhooks");
Deno.env.delete("FLUTTERWAVE_SECRET_KEY");

// deno-lint-ignore no-explicit-any
function one(rows: readonly any[]): any {
  if (rows.length !== 1) throw new Error(`Expected one row but found ${rows.length}`);
  return rows[0];
}

Deno.test("provider webhooks: signed events apply once, bad signatures are 401 and logged", async () => {
  const server = await startServer();
  const sql = await adminSql(2);
  try {
    const run = crypto.randomUUID().slice(0, 8);
    // two pending orders of a fresh org, with a Paystack and a Stripe attempt
    const orders = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const { org } = one(
        await tx`select api.create_org('Webhooks', ${`wh-${run}`}, 'Lagos', 'NG') as org`,
      );
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { v } = one(await tx`select api.create_venue('WH Ground', 'Lagos', 'NG') as v`);
      const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
      const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
      await tx`select api.add_standing_section(${l}, 'Field', 50, ${z})`;
      await tx`select api.publish_layout_version(${l})`;
      const { e } = one(
        await tx`select api.create_event(layout_version_id => ${l}, name => 'WH Match',
        starts_at => now() + interval '9 days', category => 'football') as e`,
      );
      const { t } = one(
        await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry',
        price_minor => 250000) as t`,
      );
      await tx`select api.set_event_status(${e}, 'on_sale')`;
      const out: Record<string, { id: string; intent: string; total: number; currency: string }> =
        {};
      for (const provider of ["paystack", "stripe"]) {
        const { h } = one(
          await tx`select api.hold_tickets(event_id => ${e},
          items => ${tx.json([{ ticket_type_id: t, quantity: 1 }])},
          session_id => ${`wh-${run}-${provider}`}) ->> 'token' as h`,
        );
        const { id } = one(
          await tx`select api.create_order(hold_token => ${h},
          buyer_email => 'wh@example.com') ->> 'id' as id`,
        );
        const o = one(
          await tx`select code, total_minor::int as total, currency from core.orders where id = ${id}`,
        );
        const intent = provider === "stripe" ? `pi_${run}` : `${o.code}-${run}`;
        await tx`select api.record_payment_attempt(${id}, ${provider}, ${intent}, ${o.total}, ${o.currency})`;
        out[provider] = { id, intent, total: o.total, currency: o.currency };
      }
      return out;
    });
    const paystack = orders.paystack!;
    const stripe = orders.stripe!;

    const post = async (provider: string, body: string, headers: Record<string, string>) => {
      const r = await fetch(`${server.origin}/webhooks/${provider}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
      return { status: r.status, body: await r.json() };
    };

    // Paystack: x-paystack-signature = hex HMAC-SHA512 of the raw body with the secret key
    const psBody = JSON.stringify({
      event: "charge.success",
      data: {
        id: 4099260516 + Math.floor(Math.random() * 1e6) * 1000 + Date.now() % 1000,
        reference: paystack.intent,
        amount: paystack.total,
        currency: paystack.currency,
        status: "success",
        gateway_response: "Successful",
      },
    });
    const psSig = await hmacHex("SHA-512", "sk_test_paystack_webhooks", psBody);
    const psAnswers = [];
    for (let i = 0; i < 3; i++) {
      psAnswers.push(await post("paystack", psBody, { "x-paystack-signature": psSig }));
    }
    assert.deepEqual(psAnswers.map((a) => a.status), [200, 200, 200]);
    assert.deepEqual(psAnswers.map((a) => a.body.replay), [false, true, true]);
    assert.deepEqual(new Set(psAnswers.map((a) => a.body.order_status)), new Set(["paid"]));

    // Stripe: Stripe-Signature t=…,v1=hex HMAC-SHA256 of "t.body" with the endpoint secret
    const stBody = JSON.stringify({
      id: `evt_${run}`,
      type: "payment_intent.succeeded",
      data: {
        object: {
          id: stripe.intent,
          amount: stripe.total,
          amount_received: stripe.total,
          currency: stripe.currency.toLowerCase(),
        },
      },
    });
    const t = Math.floor(Date.now() / 1000);
    const v1 = await hmacHex("SHA-256", "whsec_test_stripe_webhooks", `${t}.${stBody}`);
    const stAnswers = [];
    for (let i = 0; i < 3; i++) {
      stAnswers.push(await post("stripe", stBody, { "stripe-signature": `t=${t},v1=${v1}` }));
    }
    assert.deepEqual(stAnswers.map((a) => a.status), [200, 200, 200]);
    assert.deepEqual(stAnswers.map((a) => a.body.replay), [false, true, true]);

    // one outcome each: paid, one succeeded payment, one ledger payment transaction
    for (const o of [paystack, stripe]) {
      const row = one(
        await sql`select o.status,
        (select count(*)::int from core.payments p where p.order_id = o.id and p.status = 'succeeded') as paid,
        (select count(*)::int from core.ledger_transactions t where t.order_id = o.id and t.kind = 'payment') as posted
        from core.orders o where o.id = ${o.id}`,
      );
      assert.deepEqual(row, { status: "paid", paid: 1, posted: 1 });
    }

    // a wrong signature: 401, logged, nothing applied
    const rejectionsBefore = one(
      await sql`select count(*)::int as n from core.webhook_rejections
      where body_excerpt like ${`%${run}%`}`,
    ).n;
    const forged = stBody.replace("payment_intent.succeeded", "payment_intent.payment_failed");
    const bad = await post("stripe", forged, { "stripe-signature": `t=${t},v1=${v1}` });
    assert.equal(bad.status, 401);
    const badPs = await post("paystack", psBody, { "x-paystack-signature": "00" + psSig.slice(2) });
    assert.equal(badPs.status, 401);
    const stale = await post("stripe", stBody, {
      "stripe-signature": `t=${t - 3600},v1=${await hmacHex(
        "SHA-256",
        "whsec_test_stripe_webhooks",
        `${t - 3600}.${stBody}`,
      )}`,
    });
    assert.equal(stale.status, 401);
    const logged = await sql`select provider, reason from core.webhook_rejections
      where body_excerpt like ${`%${run}%`} order by id`;
    assert.equal(logged.length - rejectionsBefore, 3);
    assert.deepEqual(logged.slice(-3).map((r) => r.provider), ["stripe", "paystack", "stripe"]);
    assert.equal(logged.at(-2)!.reason, "Bad Paystack signature");
    const still = one(await sql`select status from core.orders where id = ${stripe.id}`);
    assert.equal(still.status, "paid");

    // not an adapter: 404; an adapter without its secrets: 503 and logged
    assert.equal((await post("bitcoin", "{}", {})).status, 404);
    assert.equal(
      (await post("flutterwave", `{"run":"${run}"}`, { "verif-hash": "x" })).status,
      503,
    );
  } finally {
    await sql.end();
    await server.close();
  }
});
