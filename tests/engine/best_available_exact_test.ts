// core.best_blocks looks at a few rows, and only part of each, instead of ranking every
// free seat (sql/108). This checks the claim that it still picks exactly what the full
// ranking of 105 picks, on sections large enough that the narrowing is used (the k nearest
// free seats do not cover the section), with random sold patterns and every size 1-6.
import { assertEquals } from "./assert.ts";
import { adminSql } from "../support/db.ts";

// deno-lint-ignore no-explicit-any -- one row of a fixture query, read field by field
function one(rows: readonly any[]): any {
  if (!rows[0]) throw new Error("no row");
  return rows[0];
}

// The full ranking: every block of n adjacent free seats of the section, orphan-free first,
// then by average distance to the focal point, row, seat (105's single ORDER BY).
const FULL_RANKING = `
  with free as (
    select es.id, es.row_index, es.seat_index, es.distance,
           es.seat_index - row_number() over (partition by es.row_index order by es.seat_index) as grp
    from core.event_seats es
    where es.event_section_id = $1 and es.state = 'open' and es.held_until <= now()
  ), islands as (
    select f.*, min(f.seat_index) over w as lo, max(f.seat_index) over w as hi,
           array_agg(f.id) over (partition by f.row_index, f.grp order by f.seat_index
                                 rows between current row and $2::int - 1 following) as ids,
           avg(f.distance) over (partition by f.row_index, f.grp order by f.seat_index
                                 rows between current row and $2::int - 1 following) as score
    from free f window w as (partition by f.row_index, f.grp))
  select i.ids::text as ids, i.score from islands i
  where i.hi - i.lo + 1 >= $2::int and i.seat_index + $2::int - 1 <= i.hi
  order by (i.seat_index - i.lo = 1 or i.hi - (i.seat_index + $2::int - 1) = 1), i.score,
           i.row_index, i.seat_index
  limit $3`;

Deno.test("best available picks what the full ranking picks, on large randomly sold stands", async () => {
  const admin = await adminSql(1);
  try {
    const tag = crypto.randomUUID().slice(0, 8);
    const section = await admin.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const { org } = one(
        await tx`select api.create_org(${"Exact " + tag}, ${"exact-" + tag}) as org`,
      );
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { venue } = one(
        await tx`select api.create_venue(${"Bowl " + tag}, 'Bulawayo') as venue`,
      );
      const { lv } = one(await tx`select api.create_layout(${venue}, 'Main') as lv`);
      const { zone } = one(await tx`select api.add_price_zone(${lv}, 'All') as zone`);
      await tx`select api.build_seated_section(layout_version_id => ${lv}, name => 'Bowl', rows => 30,
                 seats_per_row => 80, price_zone_id => ${zone}, origin_y => 40)`;
      await tx`select api.publish_layout_version(${lv})`;
      const { ev } = one(
        await tx`select api.create_event(layout_version_id => ${lv},
        name => ${"Exact " + tag}, starts_at => now() + interval '5 days') as ev`,
      );
      const { id } = one(await tx`select id from core.event_sections where event_id = ${ev}`);
      return id as string;
    });
    let compared = 0;
    let blocks = 0;
    // runs of sold seats of several lengths, like a sale in progress, plus scattered ones;
    // and (seed 7, 8) a sale sold outward from the focal point with free seats left inside it,
    // where the nearest free seats are a ring one or two deep (sql/295's band).
    const patterns: [number, number, number][] = [
      [1, 20, 3],
      [2, 50, 3],
      [3, 75, 2],
      [4, 90, 1],
      [
        5,
        35,
        7,
      ],
      [6, 60, 5],
      [7, -40, 1],
      [8, -70, 2],
    ];
    for (const [seed, soldPercent, run] of patterns) {
      if (soldPercent < 0) {
        await admin`with d as (select percentile_disc(${
          -soldPercent / 100
        }) within group (order by distance) as r
                               from core.event_seats where event_section_id = ${section})
          update core.event_seats es set state = case
              when es.distance < d.r and abs(hashtext(${seed} || '/' || es.row_index || ':' || (es.seat_index / ${run}))) % 100 >= 4
                then 'sold' else 'open' end
            from d where es.event_section_id = ${section}`;
      } else {
        await admin`update core.event_seats set state = case
            when abs(hashtext(${seed} || ':' || row_index || ':' || (seat_index / ${run}))) % 100 < ${soldPercent}
              or abs(hashtext(${seed} || '/' || id)) % 100 < 5 then 'sold' else 'open' end
          where event_section_id = ${section}`;
      }
      for (let n = 1; n <= 6; n++) {
        // every block best_blocks returns is proven to be in place: they are the full
        // ranking's first ones, in its order
        const [fast] = await admin`select core.best_blocks(array[${section}]::uuid[], ${n}) as b`;
        const returned = ((fast?.b ?? []) as string[][]).map((b) => `{${b.join(",")}}`);
        const full = await admin.unsafe(FULL_RANKING, [section, n, Math.max(1, returned.length)]);
        const label = `seed ${seed}, ${soldPercent} % sold, n = ${n}`;
        assertEquals(returned[0] ?? null, full[0]?.ids ?? null, `${label}: the first block`);
        assertEquals(returned, full.slice(0, returned.length).map((r) => r.ids), label);
        compared++;
        blocks += returned.length;
      }
    }
    console.log(`compared ${compared} picks, ${blocks} blocks`);
    assertEquals(compared, 48);
  } finally {
    await admin.end();
  }
});
