// Flash sale through the HTTP /rest endpoint: a 60,000-seat stadium event, K concurrent
// simulated buyers (K = 8, 32, 128), each looping best-available hold (1-6 seats) -> quote
// -> order -> mark paid until the event is sold out. Prints tickets sold per second, p50/p95/
// p99 latency of each step, failed and retried requests, and checks that sold seats =
// capacity with no seat sold or ticketed twice. In the same run it measures the machine's raw
// rate of one-row seat updates in PL/pgSQL (pgbench, custom script, K clients) and prints the
// hold rate as a ratio of it.
//
// Runs in its own database (default mutambo_bench_flash), created and migrated like
// tests/support/db.ts does; every K sells a fresh event copied from the stadium layout.
//   deno run -A bench/flash_sale.ts [--quick] [--k 8,32] [--db NAME] [--fresh] [--pgbench-seconds N] [--pool N]
// --quick (or FLASH_QUICK=1): a 6,000-seat stadium and K = 8, 32.
import postgres from "postgres";
import { adminDatabaseUrl, authenticatorDatabaseUrl } from "../lib/config.ts";
import { createPool } from "../lib/db.ts";
import { backendCpuMs, selfCpuMs } from "./cpu.ts";
import { migrate } from "../lib/migrate.ts";
import { createRest } from "../lib/rest/mod.ts";

type Sql = ReturnType<typeof postgres>;
const args = Deno.args;
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes("--quick") || Deno.env.get("FLASH_QUICK") === "1";
const dbName = opt("--db") ?? "mutambo_bench_flash";
const ks = (opt("--k") ?? (quick ? "8,32" : "8,32,128")).split(",").map(Number);
const pgbenchSeconds = Number(opt("--pgbench-seconds") ?? (quick ? 5 : 10));
// --seconds N: stop selling after N seconds (for profiling part of a sale; no sold-out check)
const stopAfter = Number(opt("--seconds") ?? Infinity);
// --pool N: the server's database connections (default: the server's own, lib/db.ts)
const poolOptions = opt("--pool") ? { max: Number(opt("--pool")) } : {};
const ROWS = quick ? 20 : 100; // per section; 3 sections
const SEATS = quick ? 100 : 200;
const CAPACITY = 3 * ROWS * SEATS;
const adminUrl = adminDatabaseUrl(dbName);

function first(rows: readonly postgres.Row[]): postgres.Row {
  const r = rows[0];
  if (!r) throw new Error("no row");
  return r;
}

async function prepare(): Promise<{ org: string; lv: string }> {
  const admin = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    if (args.includes("--fresh")) {
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
    }
    const [exists] = await admin`select 1 from pg_database where datname = ${dbName}`;
    if (!exists) await admin.unsafe(`create database "${dbName}"`);
  } finally {
    await admin.end();
  }
  await migrate(adminUrl);
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const slug = `bench-stadium-${CAPACITY}`;
    const found = await sql`select o.id as org, lv.id as lv from core.orgs o
      join core.venues v on v.org_id = o.id join core.layouts l on l.venue_id = v.id
      join core.layout_versions lv on lv.layout_id = l.id and lv.status = 'published' where o.slug = ${slug} limit 1`;
    if (found[0]) return { org: found[0].org, lv: found[0].lv };
    return await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
      const { org } = first(await tx`select api.create_org('Bench Stadium Org', ${slug}) as org`);
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { venue } = first(
        await tx`select api.create_venue('Bench National Stadium', 'Harare') as venue`,
      );
      const { lv } = first(await tx`select api.create_layout(${venue}, 'Main') as lv`);
      const { zone } = first(await tx`select api.add_price_zone(${lv}, 'Main') as zone`);
      for (const [i, name] of ["North", "East", "South"].entries()) {
        await tx`select api.build_seated_section(layout_version_id => ${lv}, name => ${name}, rows => ${ROWS},
          seats_per_row => ${SEATS}, price_zone_id => ${zone}, origin_y => ${i * 200})`;
      }
      await tx`select api.publish_layout_version(${lv})`;
      return { org, lv } as { org: string; lv: string };
    });
  } finally {
    await sql.end();
  }
}

async function newEvent(org: string, lv: string, k: number): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { ev } = first(
        await tx`select api.create_event(layout_version_id => ${lv}, name => ${`Flash sale K=${k} ${Date.now()}`},
        starts_at => now() + interval '30 days', category => 'football', orphan_seat_rule => false) as ev`,
      );
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Adult', price_minor => 2500, max_per_order => 10)`;
      await tx`select api.set_event_fees(${ev}, per_ticket_minor => 100, per_order_minor => 50)`;
      await tx`select api.set_event_status(${ev}, 'on_sale')`;
      return ev as string;
    });
  } finally {
    await sql.end();
  }
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

const steps = ["hold", "quote", "order", "pay"] as const;
type Step = typeof steps[number];

async function sale(base: string, ev: string, k: number, managerJwt: string) {
  const lat: Record<Step, number[]> = { hold: [], quote: [], order: [], pay: [] };
  let failed = 0, retried = 0, tickets = 0, holds = 0;
  const errors = new Map<string, number>();
  let soldOut = false;
  async function post(
    step: Step,
    fn: string,
    body: unknown,
    jwt?: string,
    // deno-lint-ignore no-explicit-any -- JSON bodies of several api functions, read field by field
  ): Promise<{ status: number; json: any }> {
    for (let attempt = 0;; attempt++) {
      const t0 = performance.now();
      let res: Response;
      try {
        res = await fetch(`${base}/rest/rpc/${fn}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(jwt ? { authorization: `Bearer ${jwt}` } : {}),
          },
          body: JSON.stringify(body),
        });
      } catch (e) {
        failed++;
        if (attempt < 3) {
          retried++;
          continue;
        }
        throw e;
      }
      const json = res.status === 204 ? null : await res.json();
      lat[step].push(performance.now() - t0);
      if (res.status >= 500 && attempt < 3) {
        failed++;
        retried++;
        continue;
      }
      return { status: res.status, json };
    }
  }
  const t0 = performance.now();
  await Promise.all(Array.from({ length: k }, async (_, w) => {
    let n = 1 + Math.floor(Math.random() * 6);
    let i = 0;
    while (!soldOut && performance.now() - t0 < stopAfter * 1000) {
      i++;
      const session = `sess-bench-${w}-${i}`;
      const h = await post("hold", "hold_best_available", {
        event_id: ev,
        quantity: n,
        session_id: session,
      });
      if (h.status !== 200) {
        if (h.status === 409 && n > 1) {
          n = 1;
          retried++;
          continue;
        } // fewer seats left than wanted
        if (h.status === 409) {
          soldOut = true;
          break;
        }
        failed++;
        errors.set(
          `hold ${h.status} ${h.json?.message}`,
          (errors.get(`hold ${h.status} ${h.json?.message}`) ?? 0) + 1,
        );
        continue;
      }
      holds++;
      const token = h.json.token as string;
      const q = await post("quote", "quote_hold", { hold_token: token });
      if (q.status !== 200) {
        failed++;
        errors.set(`quote ${q.status} ${q.json?.message}`, 1);
        continue;
      }
      const o = await post("order", "create_order", {
        hold_token: token,
        buyer_email: `buyer${w}@example.com`,
      });
      if (o.status !== 200) {
        failed++;
        errors.set(`order ${o.status} ${o.json?.message}`, 1);
        continue;
      }
      const p = await post("pay", "mark_order_paid", {
        order_id: o.json.id,
        payment_reference: `bench_${o.json.id}`,
        amount_minor: q.json.total_minor,
      }, managerJwt);
      if (p.status !== 200) {
        failed++;
        errors.set(`pay ${p.status} ${p.json?.message}`, 1);
        continue;
      }
      tickets += p.json.tickets.length;
      n = 1 + Math.floor(Math.random() * 6);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { lat, failed, retried, tickets, holds, seconds, errors };
}

/**
 * The same one-row update through this stack: HTTP, JWT-less anon request, /rest's
 * transaction with role switch and settings, a PL/pgSQL function, COMMIT. What a hold could
 * reach if its logic cost nothing; the ratio against it isolates the engine's own cost.
 */
async function rawHttpUpdateRate(ev: string, clients: number): Promise<number> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let lo = 0, hi = 0;
  try {
    await sql.unsafe(`create schema if not exists bench;
      create or replace function bench.touch_seat_http(p bigint) returns void language plpgsql
      security definer set search_path = pg_catalog as $$
      begin update core.event_seats set held_until = held_until where id = p; end $$;
      grant usage on schema bench to anon;
      grant execute on function bench.touch_seat_http(bigint) to anon;`);
    const r = first(
      await sql`select min(id)::bigint as lo, max(id)::bigint as hi from core.event_seats where event_id = ${ev}`,
    );
    lo = Number(r.lo);
    hi = Number(r.hi);
  } finally {
    await sql.end();
  }
  const pool = createPool(authenticatorDatabaseUrl(dbName), poolOptions);
  const rest = createRest({
    sql: pool,
    jwtSecret: "bench-secret-".padEnd(40, "x"),
    schema: "bench",
  });
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
    (req) => rest.handler(req, new URL(req.url).pathname.slice(6)),
  );
  const url = `http://127.0.0.1:${server.addr.port}/rest/rpc/touch_seat_http`;
  let done = 0;
  const end = performance.now() + pgbenchSeconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ p: lo + Math.floor(Math.random() * (hi - lo + 1)) }),
      });
      await res.body?.cancel();
      if (res.status !== 204) throw new Error(`raw HTTP update answered ${res.status}`);
      done++;
    }
  }));
  ac.abort();
  await server.finished;
  await pool.end();
  return done / pgbenchSeconds;
}

async function rawUpdateRate(ev: string, clients: number): Promise<number> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  let lo = 0, hi = 0;
  try {
    await sql.unsafe(`create schema if not exists bench;
      create or replace function bench.touch_seat(p bigint) returns void language plpgsql as $$
      begin update core.event_seats set held_until = held_until where id = p; end $$;`);
    const r = first(
      await sql`select min(id)::bigint as lo, max(id)::bigint as hi from core.event_seats where event_id = ${ev}`,
    );
    lo = Number(r.lo);
    hi = Number(r.hi);
  } finally {
    await sql.end();
  }
  const script = await Deno.makeTempFile({ suffix: ".sql" });
  await Deno.writeTextFile(
    script,
    `\\set id random(${lo}, ${hi})\nselect bench.touch_seat(:id);\n`,
  );
  const url = new URL(adminUrl);
  const out = await new Deno.Command("/usr/lib/postgresql/15/bin/pgbench", {
    args: [
      "-n",
      "-h",
      url.hostname,
      "-p",
      url.port || "5432",
      "-U",
      url.username || "postgres",
      "-c",
      String(clients),
      "-j",
      "2",
      "-T",
      String(pgbenchSeconds),
      "-f",
      script,
      dbName,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(script);
  const text = new TextDecoder().decode(out.stdout);
  const m = text.match(/tps = ([\d.]+)/);
  if (!m) throw new Error(`pgbench failed: ${new TextDecoder().decode(out.stderr)}${text}`);
  return Number(m[1]);
}

async function check(ev: string) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    return first(
      await sql`select
      (select count(*)::int from core.event_seats where event_id = ${ev}) as capacity,
      (select count(*)::int from core.event_seats where event_id = ${ev} and state = 'sold') as sold,
      (select count(*)::int from core.tickets where event_id = ${ev}) as tickets,
      (select count(*)::int from (select seat_id from core.tickets where event_id = ${ev} group by seat_id having count(*) > 1) d) as dup_tickets,
      (select count(*)::int from core.event_seats es where es.event_id = ${ev} and es.state = 'sold'
         and not exists (select from core.tickets t where t.seat_id = es.id)) as sold_without_ticket,
      (select count(*)::int from core.orders where event_id = ${ev} and status = 'paid') as paid_orders`,
    );
  } finally {
    await sql.end();
  }
}

const { org, lv } = await prepare();
console.log(
  `flash sale: ${CAPACITY.toLocaleString("en")} seats, K = ${ks.join(", ")}${
    quick ? " (quick)" : ""
  }, db ${dbName}, server pool ${
    poolOptions.max ?? Deno.env.get("MUTAMBO_DB_POOL") ?? 10
  } connections`,
);
let allOk = true;
for (const k of ks) {
  const ev = await newEvent(org, lv, k);
  // the server's own pool (lib/db.ts: MUTAMBO_DB_POOL, default 10) unless --pool says otherwise
  const pool = createPool(authenticatorDatabaseUrl(dbName), poolOptions);
  const secret = "bench-secret-".padEnd(40, "x");
  const rest = createRest({ sql: pool, jwtSecret: secret });
  const ac = new AbortController();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    signal: ac.signal,
    onListen: () => {},
  }, (req) => {
    const path = new URL(req.url).pathname;
    return path.startsWith("/rest/")
      ? rest.handler(req, path.slice(6))
      : new Response("not found", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const managerJwt = await rest.signJwt({
    role: "event_manager",
    org_id: org,
    sub: crypto.randomUUID(),
  }, { expiresIn: 3600 });
  const cpu0 = selfCpuMs();
  const r = await sale(base, ev, k, managerJwt);
  // before the pool closes: the backends' CPU counters go with their processes
  const cpu = { postgres: backendCpuMs(dbName), deno: selfCpuMs() - cpu0 };
  ac.abort();
  await server.finished;
  await pool.end();
  const c = await check(ev);
  const raw = await rawUpdateRate(ev, Math.min(k, 64));
  const rawHttp = await rawHttpUpdateRate(ev, k);
  const holdRate = r.holds / r.seconds;
  const full = stopAfter === Infinity;
  const ok = (full ? c.sold === c.capacity && c.tickets === c.capacity : c.sold === c.tickets) &&
    c.dup_tickets === 0 && c.sold_without_ticket === 0;
  allOk &&= ok;
  console.log(
    `\nK = ${k}: ${r.tickets} tickets in ${r.seconds.toFixed(1)} s = ${
      (r.tickets / r.seconds).toFixed(0)
    } tickets/s, ` +
      `${r.holds} holds (${holdRate.toFixed(0)} holds/s), ${c.paid_orders} paid orders`,
  );
  for (const s of steps) {
    console.log(
      `  ${s.padEnd(6)} n=${String(r.lat[s].length).padStart(6)}  p50 ${
        pct(r.lat[s], 50).toFixed(1)
      } ms  ` +
        `p95 ${pct(r.lat[s], 95).toFixed(1)} ms  p99 ${pct(r.lat[s], 99).toFixed(1)} ms`,
    );
  }
  console.log(
    `  failed requests ${r.failed}, retried ${r.retried}` +
      (r.errors.size
        ? `; errors: ${JSON.stringify(Object.fromEntries([...r.errors].slice(0, 5)))}`
        : ""),
  );
  console.log(
    `  check: capacity ${c.capacity}, sold ${c.sold}, tickets ${c.tickets}, duplicate tickets ${c.dup_tickets}, ` +
      `sold without ticket ${c.sold_without_ticket} -> ${ok ? "OK" : "FAILED"}`,
  );
  console.log(
    `  CPU per ticket: Postgres ${(cpu.postgres / r.tickets).toFixed(2)} ms, Deno (server and ` +
      `buyers, one process) ${
        (cpu.deno / r.tickets).toFixed(2)
      } ms; on ${navigator.hardwareConcurrency} dedicated cores that caps the rate near ${
        (navigator.hardwareConcurrency * 1000 / ((cpu.postgres + cpu.deno) / r.tickets)).toFixed(0)
      } tickets/s`,
  );
  console.log(
    `  raw one-row PL/pgSQL seat update (pgbench, ${
      Math.min(k, 64)
    } clients, ${pgbenchSeconds} s): ${raw.toFixed(0)}/s; ` +
      `hold rate ratio ${(holdRate / raw).toFixed(3)}, seats-held-per-second ratio ${
        ((r.tickets / r.seconds) / raw).toFixed(3)
      }`,
  );
  console.log(
    `  raw one-row PL/pgSQL seat update through HTTP /rest (${k} clients, ${pgbenchSeconds} s): ` +
      `${rawHttp.toFixed(0)}/s; hold rate ratio ${(holdRate / rawHttp).toFixed(3)}, ` +
      `sale rate ratio (hold+quote+order+pay per second) ${(holdRate / (rawHttp / 4)).toFixed(3)}`,
  );
  // What this machine could reach if each of the four calls cost no more than that raw update:
  // the ceilings the targets (1,000 tickets/s, hold rate ratio 0.4) are to be read against.
  const perOrder = c.paid_orders > 0 ? c.tickets / c.paid_orders : NaN;
  console.log(
    `  ceilings through /rest, every call as cheap as that raw update: ${
      (rawHttp / 4 * perOrder).toFixed(0)
    } tickets/s (${perOrder.toFixed(2)} tickets per order, 4 calls each); ` +
      `hold rate ratio at most ${(rawHttp / raw).toFixed(3)} (holds alone at the raw HTTP rate)`,
  );
}
if (!allOk) {
  console.error("\nFLASH SALE CHECK FAILED");
  Deno.exit(1);
}
