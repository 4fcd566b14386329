// Orders under concurrency with many real connections at once (no mocks): promo code usage
// limits are never exceeded, concurrent mark-paid calls with one payment reference issue
// exactly one set of tickets (and different references: exactly one wins), and every paid
// order has exactly its tickets and sold places. Each call runs the way /rest runs it: one
// transaction, SET LOCAL ROLE and request.jwt.claims, then the api function.
import postgres from "postgres";
import { assert, assertEquals } from "./assert.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";

const WORKERS = 32;
type Sql = ReturnType<typeof postgres>;
type Claims = Record<string, string>;

interface Fixture {
  org: string;
  eventId: string;
  adult: string;
}

async function makeFixture(admin: Sql): Promise<Fixture> {
  const tag = crypto.randomUUID().slice(0, 8);
  return await admin.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
    const { org } = one(
      await tx`select api.create_org(${"Orders " + tag}, ${"orders-" + tag}) as org`,
    );
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role: "platform_admin", org_id: org })
    }, true)`;
    const { venue } = one(await tx`select api.create_venue(${"Hall " + tag}, 'Harare') as venue`);
    const { lv } = one(await tx`select api.create_layout(${venue}, 'Main') as lv`);
    const { zone } = one(await tx`select api.add_price_zone(${lv}, 'All') as zone`);
    await tx`select api.build_seated_section(layout_version_id => ${lv}, name => 'Stand', rows => 10,
               seats_per_row => 20, price_zone_id => ${zone}, origin_y => 30)`;
    await tx`select api.add_standing_section(${lv}, 'Floor', 2000, ${zone})`;
    await tx`select api.publish_layout_version(${lv})`;
    const { ev } = one(
      await tx`select api.create_event(layout_version_id => ${lv}, name => ${"Orders test " + tag},
      starts_at => now() + interval '5 days', orphan_seat_rule => false) as ev`,
    );
    const { adult } = one(
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Adult', price_minor => 1000,
      max_per_order => 50) as adult`,
    );
    await tx`select api.set_event_status(${ev}, 'on_sale')`;
    return { org, eventId: ev, adult } as Fixture;
  });
}

async function call<T = unknown>(
  pool: Sql,
  claims: Claims,
  fn: string,
  args: Record<string, unknown>,
): Promise<T> {
  const names = Object.keys(args);
  const list = names.map((n, i) => `${n} => $${i + 1}`).join(", ");
  return await pool.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role!}, true), set_config('request.jwt.claims', ${
      JSON.stringify(claims)
    }, true)`;
    const rows = await tx.unsafe(
      `select api.${fn}(${list}) as r`,
      names.map((n) => args[n]) as never[],
    );
    return rows[0]!.r as T;
  }) as T;
}

function one(rows: readonly postgres.Row[]): postgres.Row {
  const row = rows[0];
  if (!row) throw new Error("query returned no row");
  return row;
}

function sqlstate(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

async function parallel(n: number, worker: (i: number) => Promise<void>) {
  await Promise.all(Array.from({ length: n }, (_, i) => worker(i)));
}

const anon: Claims = { role: "anon" };

async function holdStanding(pool: Sql, fx: Fixture, qty: number, session: string): Promise<string> {
  const hold = await call<{ token: string }>(pool, anon, "hold_tickets", {
    event_id: fx.eventId,
    items: [{ ticket_type_id: fx.adult, quantity: qty }],
    session_id: session,
  });
  return hold.token;
}

Deno.test("orders under concurrency", async (t) => {
  const admin = await adminSql(2);
  const pool = postgres(testAdminUrl(), { max: WORKERS, onnotice: () => {} });
  try {
    const fx = await makeFixture(admin);
    const manager: Claims = { role: "event_manager", org_id: fx.org, sub: crypto.randomUUID() };

    await t.step(
      "a promo code with 5 uses is used exactly 5 times by 32 buyers at once",
      async () => {
        await call(pool, manager, "create_promo_code", {
          code: "FIVE",
          kind: "percent",
          percent: 50,
          event_id: fx.eventId,
          max_uses: 5,
        });
        const tokens = await Promise.all(
          Array.from(
            { length: WORKERS },
            (_, i) => holdStanding(pool, fx, 1, `sess-promo-${i}-xx`),
          ),
        );
        let ok = 0, usedUp = 0;
        await parallel(WORKERS, async (i) => {
          try {
            await call(pool, anon, "create_order", {
              hold_token: tokens[i],
              buyer_email: `promo${i}@example.com`,
              promo_code: "five",
            });
            ok++;
          } catch (e) {
            if (sqlstate(e) !== "PT409") {
              throw e;
            }
            usedUp++;
          }
        });
        assertEquals(ok, 5, "orders that got the code");
        assertEquals(usedUp, WORKERS - 5, "orders refused because the code was used up");
        const [row] =
          await admin`select pc.used, (select count(*)::int from core.promo_redemptions r
        where r.promo_code_id = pc.id and r.released_at is null) as redemptions
        from core.promo_codes pc where pc.event_id = ${fx.eventId} and pc.code = 'FIVE'`;
        assertEquals([row!.used, row!.redemptions], [5, 5], "used counter and redemptions");
      },
    );

    await t.step(
      "a promo code with 1 use per buyer: the same buyer at once gets it once",
      async () => {
        await call(pool, manager, "create_promo_code", {
          code: "ONCEEACH",
          kind: "fixed",
          amount_minor: 100,
          event_id: fx.eventId,
          max_uses_per_buyer: 1,
        });
        const tokens = await Promise.all(
          Array.from({ length: 16 }, (_, i) => holdStanding(pool, fx, 1, `sess-once-${i}-xx`)),
        );
        let ok = 0;
        await parallel(16, async (i) => {
          try {
            await call(pool, anon, "create_order", {
              hold_token: tokens[i],
              buyer_email: "same@example.com",
              promo_code: "ONCEEACH",
            });
            ok++;
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
          }
        });
        assertEquals(ok, 1, "orders by one buyer that got a once-per-buyer code");
      },
    );

    await t.step(
      "32 concurrent mark-paid calls with one reference issue one set of tickets",
      async () => {
        const token = await holdStanding(pool, fx, 4, "sess-paid-once-xx");
        const order = await call<{ id: string }>(pool, anon, "create_order", {
          hold_token: token,
          buyer_email: "p@example.com",
        });
        const results: string[] = [];
        await parallel(WORKERS, async () => {
          const r = await call<{ status: string; payment_reference: string }>(
            pool,
            manager,
            "mark_order_paid",
            {
              order_id: order.id,
              payment_reference: `sandbox_ref_same_${fx.eventId}`,
            },
          );
          results.push(`${r.status}/${r.payment_reference}`);
        });
        assertEquals(new Set(results).size, 1, "every call answers the same");
        assertEquals(results[0], `paid/sandbox_ref_same_${fx.eventId}`);
        const [c] =
          await admin`select (select count(*)::int from core.tickets where order_id = ${order.id}) as tickets,
        (select count(*)::int from core.outbox where topic = 'orders__send_confirmation' and payload ->> 'order_id' = ${order.id}::text) as mails,
        (select count(*)::int from core.audit_log where action = 'order.paid' and entity_id = ${order.id}::text) as audits`;
        assertEquals(
          [c!.tickets, c!.mails, c!.audits],
          [4, 1, 1],
          "tickets, confirmation mails, audit rows",
        );
      },
    );

    await t.step(
      "32 concurrent mark-paid calls with different references: exactly one wins",
      async () => {
        const token = await holdStanding(pool, fx, 2, "sess-paid-race-xx");
        const order = await call<{ id: string }>(pool, anon, "create_order", {
          hold_token: token,
          buyer_email: "r@example.com",
        });
        let won = 0, conflicts = 0;
        await parallel(WORKERS, async (i) => {
          try {
            await call(pool, manager, "mark_order_paid", {
              order_id: order.id,
              payment_reference: `ref_race_${order.id}_${i}`,
            });
            won++;
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
            conflicts++;
          }
        });
        assertEquals([won, conflicts], [1, WORKERS - 1], "winners and conflicts");
        const [c] =
          await admin`select count(*)::int as n from core.tickets where order_id = ${order.id}`;
        assertEquals(c!.n, 2, "tickets of the raced order");
      },
    );

    await t.step(
      "buyers racing hold -> order -> paid: every paid order has exactly its tickets",
      async () => {
        const seats =
          (await admin`select es.id from core.event_seats es join core.event_sections s on s.id = es.event_section_id
        where es.event_id = ${fx.eventId} and s.name = 'Stand' order by es.id`).map((r) =>
            Number(r.id)
          );
        let paid = 0, lost = 0;
        await parallel(WORKERS, async (i) => {
          for (let k = 0; k < 8; k++) {
            const n = 1 + ((i + k) % 3);
            const start = Math.floor(Math.random() * (seats.length - n));
            try {
              const hold = await call<{ token: string }>(pool, anon, "hold_seats", {
                event_id: fx.eventId,
                seat_ids: `{${seats.slice(start, start + n).join(",")}}`,
                session_id: `sess-race-${i}-xx`,
              });
              const order = await call<{ id: string }>(pool, anon, "create_order", {
                hold_token: hold.token,
                buyer_email: `race${i}@example.com`,
              });
              // every other order is paid twice, concurrently
              await Promise.all([
                call(pool, manager, "mark_order_paid", {
                  order_id: order.id,
                  payment_reference: `ref_${order.id}`,
                }),
                k % 2 === 0
                  ? call(pool, manager, "mark_order_paid", {
                    order_id: order.id,
                    payment_reference: `ref_${order.id}`,
                  })
                  : Promise.resolve(),
              ]);
              paid++;
            } catch (e) {
              if (sqlstate(e) !== "PT409") throw e;
              lost++;
            }
          }
        });
        assert(paid > 0, "some orders were paid");
        const bad =
          await admin`select o.code, (select count(*) from core.order_items i where i.order_id = o.id) as items,
          (select count(*) from core.tickets t where t.order_id = o.id) as tickets,
          (select count(*) from core.event_seats es where es.order_id = o.id and es.state = 'sold') as sold
        from core.orders o where o.event_id = ${fx.eventId} and o.status = 'paid'
          and not ((select count(*) from core.order_items i where i.order_id = o.id)
                   = (select count(*) from core.tickets t where t.order_id = o.id)
               and (select count(*) from core.tickets t where t.order_id = o.id)
                   = (select count(*) from core.event_seats es where es.order_id = o.id and es.state = 'sold'))`;
        assertEquals(
          bad.length,
          0,
          `paid orders whose tickets, items and sold places differ: ${JSON.stringify(bad)}`,
        );
        const [dup] = await admin`select count(*)::int as n from (select seat_id from core.tickets
        where event_id = ${fx.eventId} and seat_id is not null group by seat_id having count(*) > 1) d`;
        assertEquals(dup!.n, 0, "seats with two tickets");
        const [sold] =
          await admin`select count(*)::int as n from core.event_seats es join core.event_sections s on s.id = es.event_section_id
        where es.event_id = ${fx.eventId} and s.name = 'Stand' and es.state = 'sold'`;
        const [tix] =
          await admin`select count(*)::int as n from core.tickets t join core.event_seats es on es.id = t.seat_id
        join core.event_sections s on s.id = es.event_section_id where t.event_id = ${fx.eventId} and s.name = 'Stand'`;
        assertEquals(sold!.n, tix!.n, "sold stand seats = stand tickets");
        console.log(`  ${paid} orders paid, ${lost} lost a race for their seats`);
      },
    );
  } finally {
    await pool.end();
    await admin.end();
  }
});
