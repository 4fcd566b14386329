// Server time of the buyer's event page at a fixed arrival rate (open loop, default 200
// requests/s for 10 s) against the app in memory (no network), with the demo data. Prints
// p50/p95/p99 and whether the p95 budget (20 ms) holds. Uses DATABASE_URL (default: the
// project database; the demo data must be loaded).
//   deno run -A bench/event_page.ts [rate] [seconds]
import { createApp } from "../lib/fresh/mod.ts";
import { projectRoot } from "../lib/config.ts";
import { closeDb } from "../lib/db.ts";
import { rpc } from "../lib/rest/mod.ts";

const rate = Number(Deno.args[0] ?? "200");
const seconds = Number(Deno.args[1] ?? "10");
const app = await createApp({ root: projectRoot });
const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
const path = `/e/${card!.slug}`;
const request = () => new Request(`http://localhost${path}`, { headers: { cookie: "" } });

for (let i = 0; i < 50; i++) await (await app.handler(request())).arrayBuffer(); // warm up

const times: number[] = [];
let errors = 0;
const total = rate * seconds;
const start = performance.now();
const pending: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  pending.push((async () => {
    const t0 = performance.now();
    const response = await app.handler(request());
    await response.arrayBuffer();
    times.push(performance.now() - t0);
    if (response.status !== 200) errors++;
  })());
}
await Promise.all(pending);
const elapsed = (performance.now() - start) / 1000;
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))]!;
console.log(
  `event page ${path}: ${times.length} requests in ${elapsed.toFixed(1)} s (${
    (times.length / elapsed).toFixed(0)
  }/s offered ${rate}/s), errors ${errors}`,
);
console.log(
  `server time p50 ${pct(0.5).toFixed(1)} ms · p95 ${pct(0.95).toFixed(1)} ms · p99 ${
    pct(0.99).toFixed(1)
  } ms · budget p95 <= 20 ms: ${pct(0.95) <= 20 ? "met" : "NOT met"}`,
);
await closeDb();
