// A fresh org with one on-sale standing event and a hold (or an order) in it, made through the
// api as the platform admin: for the money tests that need orders of a given provider/currency.
import type postgres from "postgres";

type Sql = postgres.Sql;

// deno-lint-ignore no-explicit-any
export function one(rows: readonly any[]): any {
  if (rows.length !== 1) throw new Error(`Expected one row but found ${rows.length}`);
  return rows[0];
}

export interface Shop {
  org: string;
  event: string;
  ticketType: string;
  currency: string;
}

/** Claims of the platform admin acting in `org`, for the rest of the transaction. */
export async function actAs(
  tx: postgres.TransactionSql,
  org: string | null,
  role = "platform_admin",
) {
  await tx`select set_config('request.jwt.claims', ${
    JSON.stringify(org ? { role, org_id: org } : { role })
  }, true)`;
}

/** An org selling a standing event in `currency` (price 1500 minor units). */
export async function shop(sql: Sql, currency = "USD", name = "Money Shop"): Promise<Shop> {
  const run = crypto.randomUUID().slice(0, 8);
  return await sql.begin(async (tx) => {
    await actAs(tx, null);
    const { org } = one(await tx`select api.create_org(${name}, ${`ms-${run}`}, 'Harare') as org`);
    await actAs(tx, org);
    const { v } = one(await tx`select api.create_venue('MS Ground', 'Harare') as v`);
    const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
    const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
    await tx`select api.add_standing_section(${l}, 'Field', 100, ${z})`;
    await tx`select api.publish_layout_version(${l})`;
    const { e } = one(
      await tx`select api.create_event(layout_version_id => ${l}, name => ${`${name} ${run}`},
        starts_at => now() + interval '9 days', category => 'football', currency => ${currency}) as e`,
    );
    const { t } = one(
      await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry', price_minor => 1500) as t`,
    );
    await tx`select api.set_event_status(${e}, 'on_sale')`;
    return { org, event: e, ticketType: t, currency };
  });
}

/** A hold of `quantity` tickets; returns its token. */
export async function hold(sql: Sql, s: Shop, quantity = 1): Promise<string> {
  const { h } = one(
    await sql`select api.hold_tickets(event_id => ${s.event},
      items => ${sql.json([{ ticket_type_id: s.ticketType, quantity }])},
      session_id => ${`ms-${crypto.randomUUID()}`}) ->> 'token' as h`,
  );
  return h;
}

/** An order paid through `provider` with intent `intent`; returns its id and total. */
export async function paidOrder(sql: Sql, s: Shop, provider: string, intent: string) {
  const token = await hold(sql, s, 2);
  return await sql.begin(async (tx) => {
    await actAs(tx, s.org);
    const { id } = one(
      await tx`select api.create_order(hold_token => ${token}, buyer_email => 'money@example.com') ->> 'id' as id`,
    );
    const o = one(
      await tx`select total_minor::int as total, currency from core.orders where id = ${id}`,
    );
    await tx`select api.record_payment_attempt(${id}, ${provider}, ${intent}, ${o.total}, ${o.currency})`;
    await tx`select api.apply_payment_event(${provider}, ${`evt_${intent}`}, ${intent}, 'succeeded')`;
    return { orderId: id as string, total: o.total as number };
  });
}

/** A refund of `amount` of the order, requested by the org's admin; returns its id. */
export async function requestRefund(sql: Sql, s: Shop, orderId: string, amount: number) {
  return one(
    await sql.begin(async (tx) => {
      await actAs(tx, s.org);
      return await tx`select api.request_refund(${orderId}, 'Test refund', amount_minor => ${amount}) ->> 'id' as id`;
    }),
  ).id as string;
}
