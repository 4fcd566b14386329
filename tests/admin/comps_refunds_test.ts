// Comp tickets from the event page and per-ticket refunds from the order page, in memory over
// real Postgres: an owner issues a complimentary order (paid at zero, with its tickets); door
// staff are refused by SQL; refunding one ticket of two marks it refunded and leaves the other valid.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, DOOR, OWNER, signIn } from "./support.ts";
import { demoEvent, markPaid, pendingOrder } from "./live_support.ts";

Deno.test({
  name: "admin: comp tickets and per-ticket refunds",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await adminApp();
    const sql = await adminSql(1);
    try {
      const event = await demoEvent();
      const owner = await signIn(app, OWNER);

      await t.step("an owner issues comp tickets from the event page", async () => {
        const page = await owner.get(`/admin/events/${event.id}`);
        assert.match(await page.text(), /data-testid="comp-form"/);
        const res = await owner.post(`/admin/events/${event.id}`, {
          _csrf: owner.csrf,
          action: "comp",
          ticket_type_id: event.adultId,
          section_id: event.sectionId,
          quantity: "2",
          buyer_name: "Guest Of Honour",
          buyer_email: "guest@example.com",
        });
        assert.equal(res.status, 303);
        const to = res.headers.get("location") ?? "";
        const m = to.match(/\/admin\/orders\/([0-9a-f-]{36})/);
        assert.ok(m, to);
        const [order] = await sql`select status, channel, total_minor::int as total_minor,
          (select count(*)::int from core.tickets k where k.order_id = o.id and k.status = 'valid') as valid
          from core.orders o where id = ${m[1]!}`;
        assert.deepEqual({ ...order }, {
          status: "paid",
          channel: "complimentary",
          total_minor: 0,
          valid: 2,
        });
      });

      await t.step("door staff may not issue comps (SQL refuses)", async () => {
        const hold = await rpc<{ token: string }>("hold_tickets", {
          event_id: event.id,
          items: [{ ticket_type_id: event.adultId, quantity: 1, section_id: event.sectionId }],
          session_id: `s_door-${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
        });
        const [door] = await sql`select m.user_id from core.memberships m
          join core.users u on u.id = m.user_id where u.email = ${DOOR}`.catch(() => [undefined]);
        await assert.rejects(
          rpc("create_order", {
            hold_token: hold.token,
            buyer_name: "Sneaky",
            channel: "complimentary",
          }, {
            claims: {
              role: "door_staff",
              org_id: event.orgId,
              sub: (door?.user_id as string | undefined) ?? crypto.randomUUID(),
            },
          }),
          /complimentary/,
        );
      });

      await t.step("refunding one ticket of two leaves the other valid", async () => {
        const orderId = await pendingOrder(event, 2);
        await markPaid(event, orderId);
        const tickets = await sql<{ id: string }[]>`
          select id from core.tickets where order_id = ${orderId} order by attendee_name`;
        const first = await owner.post(`/admin/orders/${orderId}`, {
          _csrf: owner.csrf,
          action: "refund",
          reason: "Could not attend",
          ticket: tickets[0]!.id,
        });
        assert.equal(first.status, 303);
        const confirmUrl = first.headers.get("location") ?? "";
        assert.match(confirmUrl, /confirm=refund/);
        const confirmPage = await owner.get(confirmUrl);
        assert.match(await confirmPage.text(), /Live Test 1/);
        const done = await owner.post(`/admin/orders/${orderId}`, {
          _csrf: owner.csrf,
          action: "refund",
          confirmed: "yes",
          reason: "Could not attend",
          tickets: tickets[0]!.id,
        });
        assert.equal(done.status, 303);
        assert.doesNotMatch(done.headers.get("location") ?? "", /error=/);
        const rows = await sql<{ id: string; status: string }[]>`
          select id, status from core.tickets where order_id = ${orderId} order by attendee_name`;
        assert.deepEqual(rows.map((r) => r.status), ["refunded", "valid"]);
      });
    } finally {
      await sql.end();
      await closeKv();
      await closeDb();
    }
  },
});
