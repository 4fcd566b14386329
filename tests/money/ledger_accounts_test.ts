// Ledger accounts per org beyond provider clearing: cash taken at the box office lands in the
// drawer of the agent who took it (one account per agent), and a provider's chargeback is one
// balanced transaction, posted once per provider event, that lowers the event's net payout.
import assert from "node:assert/strict";
import type postgres from "postgres";
import { adminSql } from "../support/db.ts";
import { actAs, hold, one, paidOrder, shop } from "./fixture.ts";

const sql = await adminSql(2);

/** Runs `fn` with the claims of `role` (sub `user`) in `org`, as that database role. */
async function as<T>(
  org: string,
  role: string,
  user: string | null,
  fn: (tx: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role, org_id: org, ...(user ? { sub: user } : {}) })
    }, true)`;
    await tx`select set_config('role', ${role}, true)`;
    return await fn(tx);
  }) as T;
}

Deno.test("cash at the box office goes to the drawer of the agent who took it", async () => {
  const s = await shop(sql, "USD", "Cash Drawers");
  const run = crypto.randomUUID().slice(0, 8);
  const agents = await sql`insert into core.users (email, display_name)
    values (${`agent1-${run}@example.com`}, 'Agent One'), (${`agent2-${run}@example.com`}, 'Agent Two')
    returning id`;
  for (const a of agents) {
    await sql`insert into core.memberships (org_id, user_id, role)
      values (${s.org}, ${a.id}, 'box_office_agent')`;
  }
  const totals: number[] = [];
  for (const [i, agent] of agents.entries()) {
    const token = await hold(sql, s, i + 1);
    const total = await as(s.org, "box_office_agent", agent.id, async (tx) => {
      const { id } = one(
        await tx`select api.create_order(hold_token => ${token}, buyer_name => 'Walk-in',
          channel => 'box_office') ->> 'id' as id`,
      );
      const [o] = await tx`select api.mark_order_paid(${id}, ${`cash-${run}-${i}`}, 'cash') as o`;
      return Number((o!.o as { total_minor: number }).total_minor);
    });
    totals.push(total);
  }
  const drawers =
    await sql`select a.agent_user_id::text as agent, sum(e.amount_minor)::int as balance
    from core.ledger_accounts a join core.ledger_entries e on e.account_id = a.id
    where a.org_id = ${s.org} and a.kind = 'cash_drawer' group by 1 order by 2`;
  assert.deepEqual(
    drawers.map((d) => [d.agent, d.balance]),
    agents.map((a, i) => [a.id, totals[i]]),
  );
  assert.ok(totals[0]! > 0 && totals[1]! > totals[0]!);
  // no provider clearing was touched; the trial balance is zero
  const [tb] = await sql`select sum(balance_minor)::int as s,
      count(*) filter (where kind = 'provider_clearing')::int as clearing
    from analytics.trial_balance where org_id = ${s.org}`;
  assert.deepEqual({ ...tb }, { s: 0, clearing: 0 });
});

Deno.test("a chargeback posts once per provider event and lowers the net payout", async () => {
  const s = await shop(sql, "USD", "Chargebacks");
  const run = crypto.randomUUID().slice(0, 8);
  const intent = `cb_${run}`;
  const paid = await paidOrder(sql, s, "paystack", intent);
  const summary = async () =>
    one(
      await as(
        s.org,
        "finance",
        null,
        (tx) =>
          tx`select gross_minor::int as gross, chargebacks_minor::int as chargebacks,
            net_payout_minor::int as net from api.finance_summary(only_event_id => ${s.event})`,
      ),
    );
  assert.deepEqual(await summary(), { gross: paid.total, chargebacks: 0, net: paid.total });

  const chargeback = (amount: number, eventId: string) =>
    sql.begin(async (tx) => {
      await actAs(tx, null);
      return one(
        await tx`select api.record_chargeback('paystack', ${intent}, ${amount}, ${eventId}) as t`,
      ).t;
    });
  const first = await chargeback(1000, `dispute-${run}`);
  assert.notEqual(first, null);
  assert.equal(await chargeback(1000, `dispute-${run}`), null, "the same dispute again: nothing");
  assert.deepEqual(await summary(), {
    gross: paid.total,
    chargebacks: 1000,
    net: paid.total - 1000,
  });
  const [tx] = await sql`select count(*)::int as entries, sum(amount_minor)::int as sum
    from core.ledger_entries where transaction_id = ${first}`;
  assert.deepEqual({ ...tx }, { entries: 2, sum: 0 });
  // more than the order took, or from anyone but the payment service: refused
  await assert.rejects(chargeback(paid.total + 1, `dispute-big-${run}`), /more than order/);
  await assert.rejects(
    as(
      s.org,
      "finance",
      null,
      (t) => t`select api.record_chargeback('paystack', ${intent}, 5, ${`x-${run}`})`,
    ),
    /Only the payment service/,
  );
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
