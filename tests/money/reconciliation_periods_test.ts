// Reconciliation over time, in SQL: the daily pg_cron job (settlements__match) matches a
// settlement line that arrived before its payment's webhook; api.reconciliation_periods shows
// the status per org, month, provider and currency to finance roles of that org only; FX rates
// convert only the reporting view (analytics.event_finance_reporting), never the ledger, whose
// trial balance sums to zero in each currency.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { adminSql } from "../support/db.ts";
import { actAs, one, paidOrder, shop } from "./fixture.ts";

const sql = await adminSql(2);

/** Rows of `query` as a role of the org (claims and SET ROLE, like a request). */
async function asRole(org: string, role: string, query: (tx: postgres.TransactionSql) => unknown) {
  return await sql.begin(async (tx) => {
    await actAs(tx, org, role);
    await tx`select set_config('role', ${role}, true)`;
    return [...(await query(tx) as Record<string, unknown>[])].map((r) => ({ ...r }));
  });
}

const periods = (org: string, role = "finance") =>
  asRole(
    org,
    role,
    (tx) =>
      tx`select provider, currency, period_from::text, period_to::text, lines::int, matched::int,
        exceptions::int, missing::int, settled_gross_minor::int, fees_minor::int,
        payouts_minor::int, reconciled
      from api.reconciliation_periods order by period_from, provider`,
  );

Deno.test("the daily job matches a line that came before its webhook; the view shows each month", async () => {
  const s = await shop(sql, "USD", "Recon Periods");
  const run = crypto.randomUUID().slice(0, 8);
  const settled = await paidOrder(sql, s, "paystack", `ps_settled_${run}`);
  // a second attempt whose success webhook has not arrived when the report is imported
  const late = await sql.begin(async (tx) => {
    await actAs(tx, s.org);
    const token = one(
      await tx`select api.hold_tickets(event_id => ${s.event},
        items => ${tx.json([{ ticket_type_id: s.ticketType, quantity: 1 }])},
        session_id => ${`rp-${run}`}) ->> 'token' as h`,
    ).h;
    const { id } = one(
      await tx`select api.create_order(hold_token => ${token}, buyer_email => 'rp@example.com') ->> 'id' as id`,
    );
    const o = one(await tx`select total_minor::int as total from core.orders where id = ${id}`);
    await tx`select api.record_payment_attempt(${id}, 'paystack', ${`ps_late_${run}`}, ${o.total}, 'USD')`;
    return { id: id as string, total: o.total as number };
  });
  const lines = [
    { type: "payment", reference: "a", intent_id: `ps_settled_${run}`, gross_minor: settled.total },
    { type: "payment", reference: "b", intent_id: `ps_late_${run}`, gross_minor: late.total },
  ].map((l) => ({ ...l, fee_minor: 45, currency: "USD", settled_at: "2026-03-10T09:00:00Z" }));
  // a payout in April, and a line of an unknown payment in April
  lines.push(
    {
      type: "payout",
      reference: `po_${run}`,
      intent_id: "",
      gross_minor: settled.total - 45,
      fee_minor: 0,
      currency: "USD",
      settled_at: "2026-04-02T09:00:00Z",
    },
    {
      type: "payment",
      reference: "c",
      intent_id: `ps_nobody_${run}`,
      gross_minor: 700,
      fee_minor: 10,
      currency: "USD",
      settled_at: "2026-04-03T09:00:00Z",
    },
  );
  const imported = await asRole(
    s.org,
    "finance",
    (tx) =>
      tx`select api.import_settlement('paystack', 'march.csv', ${
        "ab".repeat(16) + run.padEnd(32, "0")
      }, ${tx.json(lines)}) as r`,
  );
  const r = imported[0]!.r as { matched: number; exceptions: number };
  assert.deepEqual({ matched: r.matched, exceptions: r.exceptions }, { matched: 2, exceptions: 2 });

  assert.deepEqual(await periods(s.org), [
    {
      provider: "paystack",
      currency: "USD",
      period_from: "2026-03-01",
      period_to: "2026-03-31",
      lines: 2,
      matched: 1,
      exceptions: 1,
      missing: 0,
      settled_gross_minor: settled.total,
      fees_minor: 45,
      payouts_minor: 0,
      reconciled: false,
    },
    {
      provider: "paystack",
      currency: "USD",
      period_from: "2026-04-01",
      period_to: "2026-04-30",
      lines: 2,
      matched: 1,
      exceptions: 1,
      missing: 0,
      settled_gross_minor: 0,
      fees_minor: 0,
      payouts_minor: settled.total - 45,
      reconciled: false,
    },
  ]);

  // the webhook arrives; the job pg_cron runs daily (its command as scheduled) matches the line
  await sql.begin(async (tx) => {
    await actAs(tx, null);
    await tx`select api.apply_payment_event('paystack', ${`evt_late_${run}`}, ${`ps_late_${run}`},
      'succeeded')`;
  });
  const [job] = await sql`select schedule, command from core.scheduled_jobs
    where name = 'settlements__match'`;
  assert.equal(job!.schedule, "15 3 * * *", "once a day");
  const fees = async () =>
    one(
      await sql`select count(*)::int as n from core.ledger_transactions
        where org_id = ${s.org} and kind = 'provider_fee'`,
    ).n as number;
  const feesBefore = await fees();
  await sql.unsafe(job!.command as string);
  assert.equal(await fees(), feesBefore + 1, "the late line's fee is posted");
  await sql.unsafe(job!.command as string);
  assert.equal(await fees(), feesBefore + 1, "and only once");
  const [march, april] = await periods(s.org);
  assert.deepEqual(
    [march!.matched, march!.exceptions, march!.settled_gross_minor, march!.reconciled],
    [2, 0, settled.total + late.total, true],
  );
  assert.equal(april!.exceptions, 1, "an unknown payment stays an exception");

  // only finance roles of this org read it; others read no rows
  assert.deepEqual(await periods(s.org, "door_staff"), []);
  const other = await shop(sql, "USD", "Recon Other");
  assert.deepEqual(await periods(other.org), []);
  // and over /rest-like role switching the grants hold: a buyer may not read it at all
  await assert.rejects(
    asRole(s.org, "buyer", (tx) => tx`select * from api.reconciliation_periods`),
    /permission denied/,
  );
});

Deno.test("FX rates convert the reporting view only; the ledger keeps each currency balanced", async () => {
  const s = await shop(sql, "ZAR", "FX Shop");
  const [org] = await sql`select default_currency from core.orgs where id = ${s.org}`;
  assert.notEqual(org!.default_currency, "ZAR");
  const run = crypto.randomUUID().slice(0, 8);
  const paid = await paidOrder(sql, s, "paystack", `fx_${run}`);
  const rate = 0.055;
  const today = new Date().toISOString().slice(0, 10);
  // rates are kept by platform admins (api.set_fx_rate), checked, refused to anyone else
  const setRate = (role: string, day: string, from: string, value: number) =>
    asRole(
      s.org,
      role,
      (tx) => tx`select api.set_fx_rate(${day}::date, ${from}, ${org!.default_currency}, ${value})`,
    );
  await setRate(
    "platform_admin",
    new Date(Date.now() - 40 * 86400_000).toISOString().slice(0, 10),
    "zar",
    0.05,
  );
  await setRate("platform_admin", today, "ZAR", 0.0001); // replaced below, same day
  await setRate("platform_admin", today, "ZAR", rate);
  await assert.rejects(setRate("finance", today, "ZAR", 1), /Only platform admins keep FX rates/);
  await assert.rejects(setRate("platform_admin", today, "ZAR", -1), /must be a positive number/);
  await assert.rejects(setRate("platform_admin", today, "XYZ", 1), /must both be known currencies/);
  await assert.rejects(setRate("platform_admin", "2999-01-01", "ZAR", 1), /not in the future/);
  const [report] = await sql`select currency, reporting_currency, fx_rate::float as fx_rate,
      gross_minor::int, gross_reporting_minor::int, net_payout_minor::int,
      net_payout_reporting_minor::int
    from analytics.event_finance_reporting where event_id = ${s.event}`;
  assert.deepEqual({ ...report }, {
    currency: "ZAR",
    reporting_currency: org!.default_currency,
    fx_rate: rate,
    gross_minor: paid.total,
    gross_reporting_minor: Math.round(paid.total * rate),
    net_payout_minor: paid.total,
    net_payout_reporting_minor: Math.round(paid.total * rate),
  });
  // analysts read the same figures (analytics.event_finance) and a zero trial balance
  const analyst = await sql.begin(async (tx) => {
    await tx`set local role analyst`;
    const [f] = await tx`select gross_minor::int as gross, net_payout_minor::int as net, currency
      from analytics.event_finance where event_id = ${s.event}`;
    const [tb] = await tx`select sum(balance_minor)::int as s from analytics.trial_balance
      where org_id = ${s.org}`;
    return { ...f, trial: tb!.s };
  });
  assert.deepEqual(analyst, { gross: paid.total, net: paid.total, currency: "ZAR", trial: 0 });
  // the ledger holds only ZAR for this org: nothing was converted
  const currencies = await sql`select distinct e.currency from core.ledger_entries e
    where e.org_id = ${s.org}`;
  assert.deepEqual(currencies.map((c) => c.currency), ["ZAR"]);
  // the trial balance (api, as finance) sums to zero per currency
  const balances = await asRole(
    s.org,
    "finance",
    (tx) => tx`select currency, balance_minor::int as b from api.trial_balance()`,
  );
  assert.ok(balances.length >= 2);
  const sums = new Map<string, number>();
  for (const b of balances) {
    sums.set(b.currency as string, (sums.get(b.currency as string) ?? 0) + (b.b as number));
  }
  assert.deepEqual([...sums], [["ZAR", 0]]);
});

Deno.test("a Stripe Checkout Session payment settles under the PaymentIntent its event named", async () => {
  const s = await shop(sql, "USD", "Stripe Sessions");
  const run = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const session = `cs_test_${run}`;
  const pi = `pi_${run}`;
  const total = await sql.begin(async (tx) => {
    await actAs(tx, s.org);
    const token = one(
      await tx`select api.hold_tickets(event_id => ${s.event},
        items => ${tx.json([{ ticket_type_id: s.ticketType, quantity: 1 }])},
        session_id => ${`ss-${run}`}) ->> 'token' as h`,
    ).h;
    const { id } = one(
      await tx`select api.create_order(hold_token => ${token}, buyer_email => 'ss@example.com') ->> 'id' as id`,
    );
    const o = one(await tx`select total_minor::int as total from core.orders where id = ${id}`);
    await tx`select api.record_payment_attempt(${id}, 'stripe', ${session}, ${o.total}, 'USD')`;
    // the verified checkout.session.completed event, as the adapter passes it on
    const event = {
      id: `evt_${run}`,
      type: "checkout.session.completed",
      data: { object: { id: session, payment_intent: pi, payment_status: "paid" } },
    };
    await tx`select api.apply_payment_event('stripe', ${event.id}, ${session}, 'succeeded',
      ${o.total}, 'USD', null, ${tx.json(event)})`;
    return o.total as number;
  });
  const lines = [{
    type: "payment",
    reference: pi,
    intent_id: pi,
    gross_minor: total,
    fee_minor: 88,
    currency: "USD",
    settled_at: "2026-05-04T00:00:00Z",
  }];
  const [{ r }] = await asRole(
    s.org,
    "finance",
    (tx) =>
      tx`select api.import_settlement('stripe', 'payouts.csv', ${
        "cd".repeat(20) + run.padEnd(24, "0")
      }, ${tx.json(lines)}) as r`,
  ) as [{ r: { matched: number; exceptions: number } }];
  assert.deepEqual({ matched: r.matched, exceptions: r.exceptions }, { matched: 1, exceptions: 0 });
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
