// The admin Finance page in Debian's chromium, as the demo org's owner (view_finance): an event
// with booking fees and an exclusive 15 % tax, two Paystack orders, a partial refund, then a
// settlement CSV uploaded through the page's form. The event's row shows gross, platform fees,
// taxes, refunds, provider fees and net payout as the ledger computes them (checked against
// figures worked out here from the orders), and the exceptions list names the amount mismatch
// and the unknown payment of the file.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type postgres from "postgres";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { formatMoney } from "../../lib/format.ts";
import { launchBrowser } from "../support/browser.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, OWNER, submitLogin } from "../admin/support.ts";
import { actAs, one } from "./fixture.ts";

const app = await adminApp();
const sql = await adminSql(2);
const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
const base = `http://127.0.0.1:${server.addr.port}`;

interface Paid {
  id: string;
  intent: string;
  total: number;
  fees: number;
  tax: number;
}

/** An event of the owner's org with a 500 booking fee per ticket, and two paid orders. */
async function eventWithOrders(tx: postgres.TransactionSql, org: string, run: string) {
  await actAs(tx, org);
  // the org's tax for this transaction only: 15 % on top (restored below, before commit)
  const [taxBefore] = await tx`select name, rate_percent, inclusive from core.org_taxes
    where org_id = ${org}`;
  await tx`select api.set_org_tax(15, false, 'VAT')`;
  const { v } = one(await tx`select api.create_venue(${`Finance ${run}`}, 'Harare') as v`);
  const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
  const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
  await tx`select api.add_standing_section(${l}, 'Field', 100, ${z})`;
  await tx`select api.publish_layout_version(${l})`;
  const { e } = one(
    await tx`select api.create_event(layout_version_id => ${l}, name => ${`Finance View ${run}`},
      starts_at => now() + interval '9 days', category => 'football') as e`,
  );
  const { t } = one(
    await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry', price_minor => 10000) as t`,
  );
  await tx`select api.set_event_fees(${e}, per_ticket_minor => 500)`;
  await tx`select api.set_event_status(${e}, 'on_sale')`;
  const paid: Paid[] = [];
  for (let i = 0; i < 2; i++) {
    const { h } = one(
      await tx`select api.hold_tickets(event_id => ${e},
        items => ${tx.json([{ ticket_type_id: t, quantity: i + 1 }])},
        session_id => ${`fin-${run}-${i}`}) ->> 'token' as h`,
    );
    const { id } = one(
      await tx`select api.create_order(hold_token => ${h}, buyer_email => 'fin@example.com') ->> 'id' as id`,
    );
    const o = one(
      await tx`select total_minor::int as total, fees_minor::int as fees, tax_minor::int as tax,
        currency from core.orders where id = ${id}`,
    );
    const intent = `fin_${run}_${i}`;
    await tx`select api.record_payment_attempt(${id}, 'paystack', ${intent}, ${o.total}, ${o.currency})`;
    await tx`select api.apply_payment_event('paystack', ${`evt_${intent}`}, ${intent}, 'succeeded')`;
    paid.push({ id, intent, total: o.total, fees: o.fees, tax: o.tax });
  }
  if (taxBefore) {
    await tx`select api.set_org_tax(${taxBefore.rate_percent}, ${taxBefore.inclusive}, ${taxBefore.name})`;
  } else {
    await tx`delete from core.org_taxes where org_id = ${org}`;
  }
  return { event: e as string, name: `Finance View ${run}`, paid };
}

Deno.test({
  name: "finance page in chromium: per-event gross, fees, taxes, refunds, net payout; exceptions",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { org } = one(
      await sql`select m.org_id as org from core.memberships m join core.users u on u.id = m.user_id
        where u.email = ${OWNER} limit 1`,
    );
    const run = crypto.randomUUID().slice(0, 8);
    const { name, paid } = await sql.begin((tx) => eventWithOrders(tx, org, run));
    const [a, b] = paid as [Paid, Paid];
    assert.ok(a.fees > 0 && a.tax > 0, "the quote carries fees and tax");
    // 2000 of the first order refunded through the provider (confirmed by the payment service)
    await sql.begin(async (tx) => {
      await actAs(tx, org);
      const { id } = one(
        await tx`select api.request_refund(${a.id}, 'Goodwill', amount_minor => 2000) ->> 'id' as id`,
      );
      await tx`select api.confirm_refund(${id}, 'succeeded', ${`re_${run}`})`;
    });

    // what the event's row must say, worked out from the orders (refund's fee and tax share
    // in proportion to the first order's quote, rounded down)
    const refundFees = Math.floor(2000 * a.fees / a.total);
    const refundTax = Math.floor(2000 * a.tax / a.total);
    const providerFee = 390;
    const expected = {
      gross: a.total + b.total,
      fees: a.fees + b.fees - refundFees,
      taxes: a.tax + b.tax - refundTax,
      refunds: 2000,
      providerFees: providerFee,
      net: (a.total - a.fees - a.tax) + (b.total - b.fees - b.tax) -
        (2000 - refundFees - refundTax) - providerFee,
    };
    const usd = (minor: number) => formatMoney(minor, "USD");
    // the Paystack settlement (amounts in minor units): a matches (fee 390), b settled 100
    // short, one line of a payment we never had
    const csv = "Settlement ID,ID,Reference,Amount,Fees,Currency,Status,Paid At\r\n" +
      `ST9,1,${a.intent},${a.total},${providerFee},USD,success,2026-03-01T09:00:00Z\r\n` +
      `ST9,2,${b.intent},${b.total - 100},390,USD,success,2026-03-01T09:05:00Z\r\n` +
      `ST9,3,NOBODY-${run},5000,75,USD,success,2026-03-01T09:10:00Z\r\n`;

    const browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/admin/finance`);
      await page.waitForURL(/\/admin\/login\?next=/);
      await submitLogin(page, `${base}/admin/finance`);

      await page.getByLabel("Provider").selectOption("paystack");
      await page.getByLabel("Settlement report (CSV)").setInputFiles({
        name: `paystack-${run}.csv`,
        mimeType: "text/csv",
        buffer: Buffer.from(csv),
      });
      await page.getByRole("button", { name: "Import and reconcile" }).click();
      await page.getByText(/Imported 3 lines of paystack-.*: 1 matched, 2 exceptions/).waitFor();

      const row = page.getByTestId("event-finance").filter({ hasText: name });
      const cells = (await row.locator("td").allInnerTexts()).map((c) => c.trim());
      assert.deepEqual(cells, [
        name,
        usd(expected.gross),
        usd(expected.fees),
        usd(expected.taxes),
        usd(expected.refunds),
        usd(expected.providerFees),
        usd(0),
        usd(expected.net),
      ]);

      const exception = (ref: string) => page.getByTestId("exception").filter({ hasText: ref });
      assert.equal(await exception(b.intent).getAttribute("data-kind"), "amount_mismatch");
      const mismatch = await exception(b.intent).locator("td").allInnerTexts();
      assert.ok(mismatch.includes(usd(b.total)) && mismatch.includes(usd(b.total - 100)));
      assert.equal(await exception(`NOBODY-${run}`).getAttribute("data-kind"), "unknown_payment");
      assert.equal(await exception(a.intent).count(), 0, "the matched payment is no exception");
      // the trial balance totals are zero in every currency
      const totals = await page.getByTestId("balance-total").all();
      assert.ok(totals.length >= 1);
      for (const total of totals) {
        const [, currency, sum] = (await total.locator("td").allInnerTexts()).map((c) => c.trim());
        assert.equal(sum, formatMoney(0, currency!), `trial balance in ${currency}`);
      }
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "close",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await server.shutdown();
    await sql.end();
    await closeDb();
    await closeKv();
  },
});
