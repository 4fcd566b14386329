// Property: random sequences of pay / replay / failed-after-succeeded / late payment /
// second payment / partial and full refunds / refund answers replayed leave the ledger
// balanced (per transaction, checked by the constraint trigger at SET CONSTRAINTS IMMEDIATE,
// and in total) and the money in it (clearing accounts) equal to payments received minus
// refunds confirmed. Seeded RNG; each sequence runs in its own transaction, rolled back.
import assert from "node:assert/strict";
import { adminSql } from "../support/db.ts";

const SEQUENCES = Number(Deno.env.get("LEDGER_SEQUENCES") ?? 200);

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("ledger property: balanced and equal to payments minus refunds", async () => {
  const sql = await adminSql(1);
  try {
    const slug = `ledger-prop-${crypto.randomUUID().slice(0, 8)}`;
    // one org with a standing event (setup committed once; each sequence is rolled back)
    const setup = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const { org } = one(await tx`select api.create_org('Ledger Prop', ${slug}, 'Harare') as org`);
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { v } = one(await tx`select api.create_venue('Prop Ground', 'Harare') as v`);
      const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
      const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
      await tx`select api.add_standing_section(${l}, 'Field', 500, ${z})`;
      await tx`select api.publish_layout_version(${l})`;
      const { e } = one(
        await tx`select api.create_event(layout_version_id => ${l}, name => 'Prop Match',
        starts_at => now() + interval '9 days', category => 'football') as e`,
      );
      const { t } = one(
        await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry',
        price_minor => 700) as t`,
      );
      await tx`select api.set_event_status(${e}, 'on_sale')`;
      return { org: org as string, event: e as string, tt: t as string };
    });
    const { org, event, tt } = setup;
    const admin = JSON.stringify({ role: "platform_admin", org_id: org });

    for (let seq = 0; seq < SEQUENCES; seq++) {
      const rand = rng(1000 + seq);
      const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
      await sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${admin}, true)`;
        const orders: { id: string; intents: string[]; events: string[] }[] = [];
        const refunds: string[] = [];
        const steps = 3 + Math.floor(rand() * 10);
        for (let i = 0; i < steps; i++) {
          const action = orders.length === 0 ? "order" : pick([
            "order",
            "pay",
            "pay",
            "replay",
            "failed",
            "late",
            "second",
            "refund",
            "full_refund",
            "confirm",
            "confirm",
            "confirm_replay",
          ]);
          const o = orders.length ? pick(orders) : null;
          await tx.savepoint(async (sp) => {
            if (action === "order") {
              const { h } = one(
                await sp`select api.hold_tickets(event_id => ${event},
                items => ${
                  sql.json([{ ticket_type_id: tt, quantity: 1 + Math.floor(rand() * 3) }])
                }, session_id => ${`sess-prop-${seq}-${i}`}) ->> 'token' as h`,
              );
              const { id } = one(
                await sp`select api.create_order(hold_token => ${h},
                buyer_email => 'prop@example.com') ->> 'id' as id`,
              );
              orders.push({ id, intents: [], events: [] });
            } else if (!o) {
              return;
            } else if (action === "pay" || action === "second" || action === "late") {
              if (action === "late") {
                await sp`update core.orders set expires_at = now() - interval '1 second'
                  where id = ${o.id} and status = 'pending_payment'`;
              }
              const intent = `pi_${seq}_${i}`;
              const ord = one(
                await sp`select total_minor, currency, status from core.orders where id = ${o.id}`,
              );
              if (action !== "late" && ord.status !== "pending_payment") return;
              if (action === "late") {
                // an attempt recorded in time, its success arriving after the deadline
                await sp`update core.orders set expires_at = now() + interval '1 minute' where id = ${o.id}`;
                await sp`select api.record_payment_attempt(${o.id}, 'paystack', ${intent},
                  ${ord.total_minor}, ${ord.currency})`;
                await sp`update core.orders set expires_at = now() - interval '1 second' where id = ${o.id}`;
              } else {
                await sp`select api.record_payment_attempt(${o.id}, 'paystack', ${intent},
                  ${ord.total_minor}, ${ord.currency})`;
              }
              o.intents.push(intent);
              o.events.push(`evt_${intent}`);
              await sp`select api.apply_payment_event('paystack', ${`evt_${intent}`}, ${intent},
                'succeeded')`;
            } else if (action === "replay" && o.events.length) {
              const ev = pick(o.events);
              await sp`select api.apply_payment_event('paystack', ${ev}, ${
                ev.slice(4)
              }, 'succeeded')`;
            } else if (action === "failed" && o.intents.length) {
              await sp`select api.apply_payment_event('paystack', ${`fail_${seq}_${i}`},
                ${pick(o.intents)}, 'failed')`;
            } else if (action === "refund" || action === "full_refund") {
              const ord = one(
                await sp`select status, total_minor from core.orders where id = ${o.id}`,
              );
              if (ord.status !== "paid") return;
              const left =
                await sp`select ${ord.total_minor}::bigint - core.order_refunded_minor(${o.id}) as l`;
              const l = Number(one(left).l);
              if (l <= 0) return;
              const amount = action === "full_refund" ? null : 1 + Math.floor(rand() * l);
              const { id } = one(
                await sp`select api.request_refund(${o.id}, 'Property test',
                amount_minor => ${amount}) ->> 'id' as id`,
              );
              refunds.push(id);
            } else if (action === "confirm" || action === "confirm_replay") {
              const open =
                await sp`select r.id from core.refunds r join core.orders o on o.id = r.order_id
                where o.org_id = ${org} and (r.status = 'requested' or ${
                  action === "confirm_replay"
                })`;
              if (!open.length) return;
              const r = pick([...open]).id;
              await sp`select api.confirm_refund(${r}, ${
                rand() < 0.85 ? "succeeded" : "failed"
              }, ${`re_${seq}_${i}`})`;
            }
          }).catch((e: Error & { code?: string }) => {
            // business refusals (PT4xx) are allowed outcomes; anything else fails the property
            if (!String(e.code ?? "").startsWith("PT")) throw e;
          });
        }
        await tx`set constraints all immediate`; // the balance trigger checks every transaction now
        const check = one(
          await tx`
          select
            (select coalesce(sum(e.amount_minor), 0)::bigint from core.ledger_entries e where e.org_id = ${org}) as total,
            (select coalesce(sum(e.amount_minor), 0)::bigint from core.ledger_entries e
               join core.ledger_accounts a on a.id = e.account_id
               where a.org_id = ${org} and a.kind in ('provider_clearing', 'cash_drawer')) as held,
            (select coalesce(sum(p.amount_minor), 0)::bigint from core.payments p
               where p.org_id = ${org} and p.status in ('succeeded', 'refund_required', 'refunded')) as paid,
            (select coalesce(sum(r.amount_minor), 0)::bigint from core.refunds r
               where r.org_id = ${org} and r.status = 'succeeded') as refunded,
            (select count(*)::int from core.orders o where o.org_id = ${org} and o.status in ('paid', 'refund_pending', 'refunded')
               and (select count(*) from core.ledger_transactions t where t.order_id = o.id and t.kind = 'payment') <> 1) as bad_posts`,
        );
        const c = check;
        assert.equal(Number(c.total), 0, `sequence ${seq}: the ledger sums to zero`);
        assert.equal(
          Number(c.held),
          Number(c.paid) - Number(c.refunded),
          `sequence ${seq}: money held equals payments minus refunds`,
        );
        assert.equal(c.bad_posts, 0, `sequence ${seq}: every paid order posted exactly once`);
        throw new Rollback();
      }).catch((e) => {
        if (!(e instanceof Rollback)) throw e;
      });
    }
  } finally {
    await sql.end();
  }
});

class Rollback extends Error {}

// deno-lint-ignore no-explicit-any
function one(rows: readonly any[]): any {
  if (!rows[0]) throw new Error("Expected a row");
  return rows[0];
}
