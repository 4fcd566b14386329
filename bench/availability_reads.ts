// The availability reads of a sale through HTTP /rest, as anonymous buyers call them: the
// events on sale (list_events), an event by its slug, per-section counts (event_sections), the
// 10,000 seat statuses of one stand for the seat map (section_seats) and a buyer's own hold
// (get_hold), and the statuses alone that the seat map re-reads on every change
// (section_status). On the demo's 60,000-seat stadium, half sold with a ragged frontier, with one
// hold live. For each read: K clients calling in a loop for S seconds; calls/s, p50/p95/p99,
// response size, and CPU per call (Postgres backends, and this one Deno process that is both
// the server and the clients). The buyer pages keep these reads in a 2-15 s in-process cache
// (lib/cache.ts) and the seat map's seats 5 minutes and statuses 1 s (lib/seat_map.ts), so the
// database sees them far less often than buyers do; this is the uncached cost.
//   deno run -A bench/availability_reads.ts [--db NAME] [--fresh] [--k 32] [--seconds 5]
import postgres from "postgres";
import { authenticatorDatabaseUrl } from "../lib/config.ts";
import { createPool } from "../lib/db.ts";
import { createRest } from "../lib/rest/mod.ts";
import { backendCpuMs, selfCpuMs } from "./cpu.ts";
import { demoDatabase } from "./_demo_db.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const dbName = opt("--db", "mutambo_bench_reads");
const K = Number(opt("--k", "32"));
const SECONDS = Number(opt("--seconds", "5"));
// The demo's dates are relative to the day it is loaded, and so are its slugs.
const SLUG_PREFIX = "dynamos-vs-highlanders-";

const adminUrl = await demoDatabase(dbName, args.includes("--fresh"));
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const [ev] = await admin`select id, slug from core.events where slug like ${SLUG_PREFIX + "%"}
  order by starts_at limit 1`;
const [stand] = await admin`select id from core.event_sections where event_id = ${
  ev!.id
} and name = 'Covered Stand'`;
// half of every seated section sold, best seats first with jitter (a sale in progress)
await admin`update core.event_seats set state = 'open', hold_id = null, held_until = '-infinity', order_id = null
  where event_id = ${ev!.id}`;
await admin`with r as (
    select es.id, percent_rank() over (partition by es.event_section_id order by es.distance * (0.75 + 0.5 * random())) as pr
    from core.event_seats es where es.event_id = ${ev!.id} and es.row_label is not null)
  update core.event_seats es set state = 'sold' from r where r.id = es.id and r.pr < 0.5`;
await admin`select core.refresh_section_counts(${ev!.id})`;
await admin`vacuum (analyze) core.event_seats`;

const pool = createPool(authenticatorDatabaseUrl(dbName), { max: Math.min(K, 24) });
const rest = createRest({ sql: pool, jwtSecret: "bench-secret-".padEnd(40, "x") });
const ac = new AbortController();
const server = Deno.serve(
  { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen: () => {} },
  (req) => {
    const path = new URL(req.url).pathname;
    return path.startsWith("/rest/")
      ? rest.handler(req, path.slice(6))
      : new Response("not found", { status: 404 });
  },
);
const base = `http://127.0.0.1:${server.addr.port}/rest/rpc/`;
const post = (fn: string, body: unknown) =>
  fetch(base + fn, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const session = "sess-bench-reads-0001";
const holdRes = await post("hold_best_available", {
  event_id: ev!.id,
  quantity: 4,
  session_id: session,
});
if (holdRes.status !== 200) throw new Error(`hold: ${holdRes.status} ${await holdRes.text()}`);
const hold = (await holdRes.json()) as { token: string };

const reads: [string, string, unknown][] = [
  ["events on sale", "list_events", {}],
  ["event by slug", "event_by_slug", { slug: ev!.slug }],
  ["section counts (5 sections)", "event_sections", { event_id: ev!.id }],
  ["seat map, 10,000 seats", "section_seats", { event_section_id: stand!.id }],
  ["seat statuses, 10,000 seats", "section_status", { event_section_id: stand!.id }],
  ["own hold", "get_hold", { hold_token: hold.token, session_id: session }],
  ["venue outlines, 60,000 places", "event_outlines", { event_id: ev!.id }],
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

console.log(
  `availability reads through HTTP /rest, ${K} clients x ${SECONDS} s each, db ${dbName}\n`,
);
console.log(
  "read".padEnd(30),
  "calls/s".padStart(8),
  "p50 ms".padStart(7),
  "p95 ms".padStart(7),
  "p99 ms".padStart(7),
  "bytes".padStart(7),
  "PG CPU ms".padStart(10),
  "Deno CPU ms".padStart(12),
);
let failed = 0;
for (const [what, fn, body] of reads) {
  for (let i = 0; i < 20; i++) await (await post(fn, body)).arrayBuffer(); // warm the pool
  const lat: number[] = [];
  let bytes = 0;
  const cpu0 = { pg: backendCpuMs(dbName), deno: selfCpuMs() };
  const start = performance.now();
  const until = start + SECONDS * 1000;
  await Promise.all(Array.from({ length: K }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const res = await post(fn, body);
      const buf = await res.arrayBuffer();
      lat.push(performance.now() - t);
      bytes = buf.byteLength;
      if (res.status !== 200) failed++;
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const pg = (backendCpuMs(dbName) - cpu0.pg) / lat.length;
  const deno = (selfCpuMs() - cpu0.deno) / lat.length;
  console.log(
    what.padEnd(30),
    (lat.length / elapsed).toFixed(0).padStart(8),
    pct(lat, 0.5).toFixed(2).padStart(7),
    pct(lat, 0.95).toFixed(2).padStart(7),
    pct(lat, 0.99).toFixed(2).padStart(7),
    String(bytes).padStart(7),
    pg.toFixed(3).padStart(10),
    deno.toFixed(3).padStart(12),
  );
}
ac.abort();
await server.finished;
await pool.end();
await admin.end();
if (failed) {
  console.error(`${failed} reads did not answer 200`);
  Deno.exit(1);
}
