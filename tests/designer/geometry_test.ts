// lib/designer/geometry.ts against api.build_seated_section itself: the same patterns built
// in the database (in a transaction that is rolled back) and in TypeScript must put every
// seat at the same place (to the SQL's 2 decimals), with the same label, number, attributes.
import assert from "node:assert/strict";
import { buildSeats, type Pattern } from "../../lib/designer/geometry.ts";
import { adminSql, ensureTestDatabase } from "../support/db.ts";

const patterns: Record<string, Pattern> = {
  straight: { rows: 5, seats_per_row: 8, numbering: "rtl", seat_spacing: 0.55, row_spacing: 0.9 },
  turned: {
    rows: 4,
    seats_per_row: 7,
    seats_increment: 2,
    numbering: "odd_even",
    origin_x: 12.5,
    origin_y: -3,
    rotation_deg: 33,
    accessible_rows: ["A"],
  },
  bowl: {
    rows: 40,
    seats_per_row: 250,
    seat_spacing: 0.5,
    row_spacing: 0.85,
    arc_radius: 68,
    arc_direction_deg: 180,
    restricted_view_rows: ["PP"],
  },
  numbered: {
    rows: 6,
    seats_per_row_list: [10, 11, 12, 13, 14, 15],
    row_labels: "numbers",
    first_row: "3",
    first_seat: 101,
    arc_radius: 20,
    arc_center_x: 5,
    arc_center_y: 7,
    arc_direction_deg: 45,
    aisle_ends: false,
  },
};

Deno.test("geometry.ts puts seats where api.build_seated_section does", async () => {
  await ensureTestDatabase();
  const sql = await adminSql(1);
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const org =
        (await tx`select api.create_org('Geometry Org', ${
          "geo-" + crypto.randomUUID().slice(0, 8)
        }, 'Harare') as org`)[0]!.org;
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const v = (await tx`select api.create_venue('Geometry Ground', 'Harare') as v`)[0]!.v;
      const lv = (await tx`select api.create_layout(${v}, 'G') as lv`)[0]!.lv;
      for (const [name, p] of Object.entries(patterns)) {
        const section_id = (await tx`select section_id from api.build_seated_section(
          layout_version_id => ${lv}, name => ${name}, rows => ${p.rows},
          seats_per_row => ${p.seats_per_row ?? null}, seats_per_row_list => ${
          p.seats_per_row_list ?? null
        },
          seats_increment => ${p.seats_increment ?? 0}, row_labels => ${p.row_labels ?? "letters"},
          first_row => ${p.first_row ?? null}, numbering => ${p.numbering ?? "ltr"},
          first_seat => ${p.first_seat ?? 1}, seat_spacing => ${p.seat_spacing ?? 1},
          row_spacing => ${p.row_spacing ?? 1}, origin_x => ${p.origin_x ?? 0}, origin_y => ${
          p.origin_y ?? 0
        },
          rotation_deg => ${p.rotation_deg ?? 0}, arc_radius => ${p.arc_radius ?? null},
          arc_center_x => ${p.arc_center_x ?? 0}, arc_center_y => ${p.arc_center_y ?? 0},
          arc_direction_deg => ${p.arc_direction_deg ?? 90}, aisle_ends => ${p.aisle_ends ?? true},
          accessible_rows => ${p.accessible_rows ?? []}, restricted_view_rows => ${
          p.restricted_view_rows ?? []
        })`)[0]!.section_id;
        const db =
          await tx`select row_label, seat_number, x, y, array_to_string(attributes, ',') as a
          from core.seats where section_id = ${section_id} order by row_index, seat_index`;
        const { fx, fy } =
          (await tx`select focal_x as fx, focal_y as fy from core.sections where id = ${section_id}`)[
            0
          ]!;
        const built = buildSeats(p);
        const mine = built.rows.flatMap((r) =>
          r.numbers.map((n, i) => ({
            label: r.label,
            n,
            x: r.x[i]!,
            y: r.y[i]!,
            a: r.attributes[i]!,
          }))
        );
        assert.equal(mine.length, db.length, `${name}: seat count`);
        let worst = 0;
        db.forEach((s, i) => {
          const m = mine[i]!;
          assert.equal(m.label, s.row_label, `${name}: row label of seat ${i}`);
          assert.equal(m.n, s.seat_number, `${name}: number of seat ${i}`);
          assert.equal(m.a, s.a, `${name}: attributes of seat ${i}`);
          worst = Math.max(worst, Math.abs(m.x - s.x), Math.abs(m.y - s.y));
        });
        // real (float4) columns and arguments: 2 decimals, within float4 noise
        assert.ok(worst <= 0.011, `${name}: worst position difference ${worst}`);
        assert.ok(
          Math.abs(built.focal.x - fx) < 0.01 && Math.abs(built.focal.y - fy) < 0.01,
          `${name}: focal`,
        );
      }
      throw new Rollback();
    }).catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
  } finally {
    await sql.end();
  }
});

class Rollback extends Error {}
