// Refunding tickets: a refunded ticket stops admitting at once (core.ticket_is_valid, the rule
// the scanner decides by) while the order's other ticket stays valid, and its place goes back
// on sale or stays sold per the event's policy, which a manager sets with
// api.set_event_refund_inventory (bad policy 400, door staff 403, another org 404).
import assert from "node:assert/strict";
import type postgres from "postgres";
import { adminSql } from "../support/db.ts";
import { actAs, one, paidOrder, shop } from "./fixture.ts";

const sql = await adminSql(2);

/** As `role` of `org`: claims and SET ROLE, like a request. */
async function as<T>(org: string, role: string, fn: (tx: postgres.TransactionSql) => Promise<T>) {
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role, org_id: org })
    }, true)`;
    await tx`select set_config('role', ${role}, true)`;
    return await fn(tx);
  }) as T;
}

/** Refunds the first of the order's two tickets; what became of both and of the places. */
async function refundOneTicket(org: string, orderId: string, event: string) {
  const tickets = await sql`select id from core.tickets where order_id = ${orderId} order by id`;
  assert.equal(tickets.length, 2);
  const soldBefore = await sold(event);
  await sql.begin(async (tx) => {
    await actAs(tx, org);
    await tx`select api.request_refund(${orderId}, 'Cannot come',
      ticket_ids => ${[tickets[0]!.id]}::uuid[])`;
  });
  const after = await sql`select t.status, core.ticket_is_valid(t) as admits
    from core.tickets t where t.order_id = ${orderId} order by t.id`;
  return {
    tickets: after.map((t) => [t.status, t.admits]),
    soldChange: (await sold(event)) - soldBefore,
  };
}

async function sold(event: string): Promise<number> {
  return one(
    await sql`select count(*)::int as n from core.event_seats s
      join core.event_sections x on x.id = s.event_section_id
      where x.event_id = ${event} and s.state = 'sold'`,
  ).n;
}

Deno.test("refund policy release: the refunded place goes back on sale", async () => {
  const s = await shop(sql, "USD", "Refund Release");
  const o = await paidOrder(sql, s, "paystack", `rel_${crypto.randomUUID().slice(0, 8)}`);
  assert.deepEqual(await refundOneTicket(s.org, o.orderId, s.event), {
    tickets: [["refunded", false], ["valid", true]],
    soldChange: -1,
  });
});

Deno.test("refund policy keep: set by a manager, the refunded place stays sold", async () => {
  const s = await shop(sql, "USD", "Refund Keep");
  const set = (role: string, policy: string, org = s.org) =>
    as(org, role, (tx) => tx`select api.set_event_refund_inventory(${s.event}, ${policy}) as r`);
  await assert.rejects(set("event_manager", "sometimes"), /Refund policy "sometimes" must be/);
  await assert.rejects(set("door_staff", "keep"), /may not change/);
  const other = await shop(sql, "USD", "Refund Other");
  await assert.rejects(set("org_owner", "keep", other.org), /Not found/);
  const [r] = await set("event_manager", "keep");
  assert.deepEqual(r!.r, { event_id: s.event, refund_inventory: "keep" });
  const [audit] = await sql`select details from core.audit_log
    where entity_id = ${s.event} and action = 'event.refund_inventory_changed'`;
  assert.equal(audit?.details.to, "keep");

  const o = await paidOrder(sql, s, "paystack", `keep_${crypto.randomUUID().slice(0, 8)}`);
  assert.deepEqual(await refundOneTicket(s.org, o.orderId, s.event), {
    tickets: [["refunded", false], ["valid", true]],
    soldChange: 0,
  });
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
