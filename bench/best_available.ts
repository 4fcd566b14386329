// Best-available holds on the demo stadium (National Sports Stadium, "Dynamos vs Highlanders"
// in sql/seed/demo.sql): single-call latency on the empty stadium and at 50 % and 90 % sold,
// then throughput with 8 and 32 concurrent connections holding 1-6 seats until the Covered
// Stand (10,000 seats) is gone, with a check that no seat was handed out twice.
//
// Runs against its own database (default mutambo_bench_ba on the project's cluster): creates
// it when missing, applies the migrations, loads the demo, and resets the event's seats
// before every phase. Usage:
//   deno run -A bench/best_available.ts [--db NAME] [--fresh] [--calls N]
// --fresh drops and recreates the database first (needed when a migration file changed).
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { demoDatabase } from "./_demo_db.ts";

type Sql = ReturnType<typeof postgres>;

const args = Deno.args;
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dbName = opt("--db") ?? "mutambo_bench_ba";
const calls = Number(opt("--calls") ?? 200);
const url = adminDatabaseUrl(dbName);
// The demo's dates are relative to the day it is loaded, and so are its slugs.
const EVENT_SLUG_PREFIX = "dynamos-vs-highlanders-";

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const ms = (x: number) => x.toFixed(2).padStart(7);

/** Frees every place of the event and deletes its holds. */
async function reset(admin: Sql, ev: string) {
  await admin`update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
              where event_id = ${ev} and (state <> 'open' or hold_id is not null or held_until <> '-infinity')`;
  await admin`delete from core.holds where event_id = ${ev}`;
  await admin`vacuum (analyze) core.event_seats`;
}

/** Marks `share` of every seated section sold, best seats first with jitter, the way a sale
 * that ran best-available for a while leaves a stadium: a ragged, fragmented frontier. */
async function sell(admin: Sql, ev: string, share: number) {
  await admin`
    with r as (
      select es.id, percent_rank() over (partition by es.event_section_id order by es.distance * (0.75 + 0.5 * random())) as pr
      from core.event_seats es join core.event_sections s on s.id = es.event_section_id
      where es.event_id = ${ev} and s.kind = 'seated')
    update core.event_seats es set state = 'sold' from r where r.id = es.id and r.pr < ${share}`;
  await admin`vacuum (analyze) core.event_seats`;
}

async function asAnon<T>(pool: Sql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return await pool.begin(async (tx) => {
    await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
    return await fn(tx);
  }) as T;
}

class Rollback extends Error {}

/** Latency of one call (client-measured, the statement only), rolled back so the state stays. */
async function latency(pool: Sql, ev: string, section: string | null): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const n = 1 + (i % 6);
    try {
      await asAnon(pool, async (tx) => {
        const t0 = performance.now();
        await tx`select api.hold_best_available(event_id => ${ev}, quantity => ${n}, section_id => ${section}::uuid,
                   session_id => ${"bench-lat-" + i}) as h`;
        out.push(performance.now() - t0);
        throw new Rollback();
      });
    } catch (e) {
      if (!(e instanceof Rollback)) throw e;
    }
  }
  return out;
}

async function throughput(ev: string, section: string, workers: number) {
  const pool = postgres(url, { max: workers, onnotice: () => {}, prepare: true });
  const seats: number[] = [];
  let holds = 0, conflicts = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: workers }, async (_, w) => {
      let k = 0;
      for (;;) {
        let n = 1 + Math.floor(Math.random() * 6);
        for (;;) {
          try {
            const c0 = performance.now();
            const [row] = await asAnon(
              pool,
              (tx) =>
                tx`select api.hold_best_available(event_id => ${ev}, quantity => ${n}, section_id => ${section},
                       session_id => ${`bench-tp-${w}-${k++}`}) as h`,
            );
            lat.push(performance.now() - c0);
            holds++;
            for (const item of row!.h.items) for (const s of item.seats) seats.push(Number(s.id));
            break;
          } catch (e) {
            if ((e as { code?: string }).code !== "PT409") throw e;
            conflicts++;
            if (n === 1) return; // sold out
            n = 1; // fewer than n left together or apart: take what is left one by one
          }
        }
      }
    }));
  } finally {
    await pool.end();
  }
  const secs = (performance.now() - t0) / 1000;
  return { secs, holds, seats, conflicts, lat };
}

await demoDatabase(dbName, args.includes("--fresh"));
const admin = postgres(url, { max: 2, onnotice: () => {} });
try {
  const [e] = await admin`select id from core.events where slug like ${EVENT_SLUG_PREFIX + "%"}
    order by starts_at limit 1`;
  const ev = e!.id as string;
  const [cs] =
    await admin`select id, capacity from core.event_sections where event_id = ${ev} and name = 'Covered Stand'`;
  const covered = cs!.id as string;
  const [{ fns }] =
    await admin`select string_agg(distinct filename, ' ') filter (where filename >= '108') as fns
                                 from public.schema_migrations` as unknown as [
      { fns: string | null },
    ];
  console.log(`best-available bench on ${dbName}; migrations after 107: ${fns ?? "none"}`);
  console.log(`machine: ${navigator.hardwareConcurrency} cores (shared; numbers are noisy)\n`);

  const pool = postgres(url, { max: 1, onnotice: () => {} });
  try {
    console.log(`single-call latency, ${calls} calls each, quantity 1-6, rolled back (ms)`);
    console.log("state        scope          p50      p95      max");
    for (const share of [0, 0.5, 0.9]) {
      await reset(admin, ev);
      if (share > 0) await sell(admin, ev, share);
      for (const [label, sec] of [["stadium", null], ["Covered Stand", covered]] as const) {
        await latency(pool, ev, sec); // warm-up (plans, caches)
        const xs = await latency(pool, ev, sec);
        console.log(
          `${(share * 100).toFixed(0).padStart(3)} % sold   ${label.padEnd(13)} ${
            ms(pct(xs, 50))
          }  ${ms(pct(xs, 95))}  ${ms(Math.max(...xs))}`,
        );
      }
    }
  } finally {
    await pool.end();
  }

  console.log("\nthroughput: holds of 1-6 seats in the Covered Stand until it is gone");
  console.log(
    "conns   secs   holds  holds/s  seats/s  p50 ms  p95 ms  conflicts  duplicates  held-in-db",
  );
  let ok = true;
  for (const workers of [8, 32]) {
    await reset(admin, ev);
    const r = await throughput(ev, covered, workers);
    const distinct = new Set(r.seats).size;
    const [db] =
      await admin`select count(*)::int as n, count(distinct hold_id)::int as h from core.event_seats
                              where event_section_id = ${covered} and hold_id is not null and held_until > now()`;
    const dup = r.seats.length - distinct;
    if (dup !== 0 || db!.n !== r.seats.length || db!.n !== cs!.capacity || db!.h !== r.holds) {
      ok = false;
    }
    console.log(
      `${String(workers).padStart(5)} ${r.secs.toFixed(1).padStart(6)} ${
        String(r.holds).padStart(7)
      } ${(r.holds / r.secs).toFixed(0).padStart(8)} ${
        (r.seats.length / r.secs).toFixed(0).padStart(8)
      } ${ms(pct(r.lat, 50))} ${ms(pct(r.lat, 95))} ${String(r.conflicts).padStart(10)} ${
        String(dup).padStart(11)
      } ${String(db!.n).padStart(6)}/${cs!.capacity}`,
    );
  }
  console.log(
    ok ? "\ncheck: OK (every seat held once, every seat of the stand held)" : "\ncheck: FAILED",
  );
  await reset(admin, ev);
  if (!ok) Deno.exitCode = 1;
} finally {
  await admin.end();
}
