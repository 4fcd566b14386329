// Concurrency of holds with many real connections at once (no mocks): explicit seats,
// standing units, shared quotas, best available, and expired holds becoming sellable again.
// Each call runs the way the /rest endpoint runs it: one transaction, SET LOCAL ROLE and
// request.jwt.claims, then the api function.
import postgres from "postgres";
import { assert, assertEquals } from "./assert.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";

const WORKERS = 32;

type Sql = ReturnType<typeof postgres>;

interface Fixture {
  eventId: string;
  seated: string; // 20 rows x 20 seats
  standing: string; // 500 places
  adult: string;
  limited: string; // quota of 120 shared with `limited2`
  limited2: string;
}

async function makeFixture(admin: Sql): Promise<Fixture> {
  const tag = crypto.randomUUID().slice(0, 8);
  return await admin.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
    const { org } = first(
      await tx`select api.create_org(${"Concurrency " + tag}, ${"conc-" + tag}) as org`,
    );
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role: "platform_admin", org_id: org })
    }, true)`;
    const { venue } = first(
      await tx`select api.create_venue(${"Arena " + tag}, 'Harare') as venue`,
    );
    const { lv } = first(await tx`select api.create_layout(${venue}, 'Main') as lv`);
    const { zone } = first(await tx`select api.add_price_zone(${lv}, 'All') as zone`);
    await tx`select api.build_seated_section(layout_version_id => ${lv}, name => 'Stand', rows => 20,
               seats_per_row => 20, price_zone_id => ${zone}, origin_y => 30)`;
    await tx`select api.add_standing_section(${lv}, 'Floor', 500, ${zone})`;
    await tx`select api.publish_layout_version(${lv})`;
    const { ev } = first(
      await tx`select api.create_event(layout_version_id => ${lv}, name => ${"Load test " + tag},
      starts_at => now() + interval '5 days', orphan_seat_rule => false) as ev`,
    );
    const { adult } = first(
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Adult', price_minor => 1000,
      max_per_order => 50) as adult`,
    );
    const { limited } = first(
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Promo A', price_minor => 500,
      max_per_order => 50) as limited`,
    );
    const { limited2 } = first(
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Promo B', price_minor => 500,
      max_per_order => 50) as limited2`,
    );
    await tx`select api.create_quota(${ev}, 'Promo pool', 120, ${[limited, limited2]}::uuid[])`;
    await tx`select api.set_event_status(${ev}, 'on_sale')`;
    const sections = await tx`select id, name from core.event_sections where event_id = ${ev}`;
    return {
      eventId: ev,
      seated: sections.find((s) => s.name === "Stand")!.id,
      standing: sections.find((s) => s.name === "Floor")!.id,
      adult,
      limited,
      limited2,
    };
  });
}

/** One API call as an anonymous buyer: its own transaction with role and claims set. */
async function asBuyer<T>(pool: Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return await pool.begin(async (tx) => {
    await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
    return await fn(tx);
  }) as T;
}

function first(rows: readonly postgres.Row[]): postgres.Row {
  const row = rows[0];
  if (!row) throw new Error("query returned no row");
  return row;
}

function sqlstate(e: unknown): string | undefined {
  return (e as { code?: string }).code;
}

/** Runs `worker(i)` on WORKERS concurrent workers and waits for all. */
async function parallel(worker: (i: number) => Promise<void>) {
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
}

Deno.test("holds under concurrency", async (t) => {
  const admin = await adminSql(2);
  const pool = postgres(testAdminUrl(), { max: WORKERS, onnotice: () => {} });
  try {
    const fx = await makeFixture(admin);
    const seatIds: number[] =
      (await admin`select id from core.event_seats where event_section_id = ${fx.seated} order by id`)
        .map((r) => Number(r.id));

    await t.step("explicit overlapping picks never hold a seat twice", async () => {
      const won: number[][] = [];
      let conflicts = 0;
      // every worker tries many random small picks in the same 100-seat block
      const block = seatIds.slice(0, 100);
      await parallel(async (i) => {
        for (let k = 0; k < 25; k++) {
          const n = 1 + ((i + k) % 4);
          const pick = new Set<number>();
          while (pick.size < n) pick.add(block[Math.floor(Math.random() * block.length)]!);
          try {
            const hold = await asBuyer(
              pool,
              (tx) =>
                tx`select api.hold_seats(event_id => ${fx.eventId}, seat_ids => ${[
                  ...pick,
                ]}::bigint[],
                                       session_id => ${"sess-explicit-" + i}) as h`,
            );
            won.push(
              hold[0]!.h.items.flatMap((it: { seats: { id: number }[] }) =>
                it.seats.map((s) => Number(s.id))
              ),
            );
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
            conflicts++;
          }
        }
      });
      const all = won.flat();
      assertEquals(new Set(all).size, all.length, "a seat appears in two successful holds");
      const { held } = first(
        await admin`select count(*)::int as held from core.event_seats
        where id = any(${block}::bigint[]) and held_until > now()`,
      );
      assertEquals(
        held,
        all.length,
        "held seats in the database equal the seats of successful holds",
      );
      assert(conflicts > 0, "the test should produce real conflicts");
      assert(all.length > 50, `most of the block should be held, got ${all.length}`);
    });

    await t.step("a standing section of 500 is never oversold and sells out exactly", async () => {
      let sold = 0;
      await parallel(async (i) => {
        for (;;) {
          const q = 1 + (i % 6);
          try {
            await asBuyer(
              pool,
              (tx) =>
                tx`select api.hold_tickets(event_id => ${fx.eventId}, session_id => ${
                  "sess-floor-" + i
                },
                  items => ${
                  tx.json([{ ticket_type_id: fx.adult, quantity: q, section_id: fx.standing }])
                })`,
            );
            sold += q;
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
            // fewer than q left: try single places until none
            try {
              await asBuyer(
                pool,
                (tx) =>
                  tx`select api.hold_tickets(event_id => ${fx.eventId}, session_id => ${
                    "sess-floor-" + i
                  },
                    items => ${
                    tx.json([{ ticket_type_id: fx.adult, quantity: 1, section_id: fx.standing }])
                  })`,
              );
              sold += 1;
            } catch (e2) {
              if (sqlstate(e2) !== "PT409") throw e2;
              return;
            }
          }
        }
      });
      const { held } = first(
        await admin`select count(*)::int as held from core.event_seats
        where event_section_id = ${fx.standing} and held_until > now()`,
      );
      assertEquals(
        held,
        sold,
        "units held in the database equal the quantities of successful holds",
      );
      assertEquals(sold, 500, "the section sells out exactly at its capacity");
    });

    await t.step("expired holds are sellable again at once, without the job", async () => {
      // expire the holds of 5 workers' sessions by moving their expiry into the past
      const expired = await admin`
        select h.id, (select count(*)::int from core.event_seats es where es.hold_id = h.id) as n
        from core.holds h where h.event_id = ${fx.eventId} and h.session_id like 'sess-floor-%'
        order by h.created_at limit 20`;
      const freed = expired.reduce((s, r) => s + r.n, 0);
      for (const r of expired) {
        await admin`select core.set_hold_expiry(${r.id}, now() - interval '1 second')`;
      }
      let resold = 0;
      await parallel(async (i) => {
        for (;;) {
          try {
            await asBuyer(
              pool,
              (tx) =>
                tx`select api.hold_tickets(event_id => ${fx.eventId}, session_id => ${
                  "sess-resale-" + i
                },
                  items => ${
                  tx.json([{ ticket_type_id: fx.adult, quantity: 1, section_id: fx.standing }])
                })`,
            );
            resold++;
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
            return;
          }
        }
      });
      assert(freed > 0);
      assertEquals(resold, freed, "exactly the places of the expired holds were sold again");
    });

    await t.step("a quota shared by two ticket types is never exceeded", async () => {
      let got = 0;
      // the quota (120) is smaller than what is left... use the seated section via hold_seats with types
      const free = seatIds.slice(100); // 300 seats not used above
      let next = 0;
      await parallel(async (i) => {
        for (;;) {
          const n = 1 + (i % 3);
          if (next + n > free.length) return;
          const pick = free.slice(next, next + n);
          next += n;
          try {
            await asBuyer(
              pool,
              (tx) =>
                tx`select api.hold_seats(event_id => ${fx.eventId}, seat_ids => ${pick}::bigint[],
                   session_id => ${"sess-quota-" + i}, ticket_type_id => ${
                  i % 2 ? fx.limited : fx.limited2
                })`,
            );
            got += n;
          } catch (e) {
            if (sqlstate(e) !== "PT409") throw e;
            if (!String((e as Error).message).startsWith("Only")) throw e;
          }
        }
      });
      const { held } = first(
        await admin`select count(*)::int as held from core.quota_units u join core.quotas q on q.id = u.quota_id
        where q.event_id = ${fx.eventId} and u.held_until > now()`,
      );
      assertEquals(held, got, "quota units held equal tickets of successful holds");
      assert(got <= 120, `the quota of 120 was exceeded: ${got}`);
      assert(got >= 118, `the quota should be (nearly) used up, got ${got}`);
      // release all quota holds for the next step
      await admin`select core.release_hold(h.id) from core.holds h where h.event_id = ${fx.eventId} and h.session_id like 'sess-quota-%'`;
    });

    await t.step(
      "best available under contention: no seat twice, mostly adjacent blocks",
      async () => {
        // free the explicit-pick block again
        await admin`select core.release_hold(h.id) from core.holds h where h.event_id = ${fx.eventId} and h.session_id like 'sess-explicit-%'`;
        const won: { ids: number[]; rows: Set<string>; numbers: number[] }[] = [];
        await parallel(async (i) => {
          for (;;) {
            const n = 2 + (i % 3);
            try {
              const row = first(
                await asBuyer(
                  pool,
                  (tx) =>
                    tx`select api.hold_best_available(event_id => ${fx.eventId}, quantity => ${n}, section_id => ${fx.seated},
                   session_id => ${"sess-best-" + i}) as h`,
                ),
              );
              const seats = row.h.items.flatMap((
                it: { seats: { id: number; row: string; number: number }[] },
              ) => it.seats);
              won.push({
                ids: seats.map((s: { id: number }) => Number(s.id)),
                rows: new Set(seats.map((s: { row: string }) => s.row)),
                numbers: seats.map((s: { number: number }) => s.number),
              });
            } catch (e) {
              if (sqlstate(e) !== "PT409") throw e;
              return;
            }
          }
        });
        const all = won.flatMap((w) => w.ids);
        assertEquals(new Set(all).size, all.length, "a seat appears in two successful holds");
        assert(
          all.length >= 400 - 4,
          `the section should be nearly sold out, got ${all.length} of 400`,
        );
        const adjacent = won.filter((w) =>
          w.rows.size === 1 &&
          Math.max(...w.numbers) - Math.min(...w.numbers) === w.numbers.length - 1
        );
        assert(
          adjacent.length / won.length >= 0.8,
          `only ${adjacent.length} of ${won.length} blocks were adjacent in one row`,
        );
      },
    );
  } finally {
    await pool.end();
    await admin.end();
  }
});
