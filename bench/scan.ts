// Door scanning bench: a 60,000-ticket event in its own database (created, migrated with
// lib/migrate.ts, tickets bulk-inserted as the superuser), the whole app served by a child
// process on loopback, then an open-loop load of scans through POST /scan/api/scan (the
// route the scanner page uses: signature check with Web Crypto, then api.scan) at a fixed
// rate with bounded concurrency. Reports p50/p95/p99 latency, checks that every ticket was
// admitted exactly once and that repeats (some of them simultaneous, at two gates) were
// refused; measures the offline manifest (bytes, gzipped) and the browser's offline decision
// time with that manifest (Debian chromium).
//
//   deno run -A bench/scan.ts            60 s at 1,000 scans/s
//   deno run -A bench/scan.ts --quick    10 s at 1,000 scans/s
//   options: --rate N --seconds N --tickets N --db NAME --no-browser --fresh
//            --timeline (p50/p99/max latency for each second) --pool N (server's connections, 8)
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate } from "../lib/migrate.ts";
import { makeCheckInEvent, pairDevice, qr } from "../tests/scan/fixture.ts";
import { base64url, ticketPayload } from "../lib/tickets/signing.ts";
import { importSigningKey, signBytes } from "../lib/tickets/key_algorithms.ts";
import { backendCpuMs, processCpuMs, selfCpuMs } from "./cpu.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const quick = args.includes("--quick");
const dbName = opt("--db", "mutambo_bench_scan");
const RATE = Number(opt("--rate", "1000"));
const SECONDS = Number(opt("--seconds", quick ? "10" : "60"));
const TICKETS = Number(opt("--tickets", "60000"));
const MAX_IN_FLIGHT = 64;
const adminUrl = adminDatabaseUrl(dbName);

// ---- child process: serve the app ------------------------------------------------------
if (args.includes("--serve")) {
  Deno.env.set("DATABASE_URL", adminUrl);
  Deno.env.set("MUTAMBO_DB_POOL", opt("--pool", "8"));
  const { createApp } = await import("../lib/fresh/mod.ts");
  const app = await createApp({ root: new URL("../", import.meta.url).pathname });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
  console.log(`PORT ${server.addr.port}`);
  await server.finished;
  Deno.exit(0);
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};
const fmt = (x: number) => x.toFixed(2);
async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

// ---- database and event ----------------------------------------------------------------
{
  const root = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  if (args.includes("--fresh")) {
    await root.unsafe(`drop database if exists "${dbName}" with (force)`);
  }
  const [exists] = await root`select 1 from pg_database where datname = ${dbName}`;
  if (!exists) await root.unsafe(`create database "${dbName}"`);
  await root.end();
}
await migrate(adminUrl);
Deno.env.set("DATABASE_URL", adminUrl);
const sql = postgres(adminUrl, { max: 4, onnotice: () => {} });
let t = performance.now();
const fx = await makeCheckInEvent(sql, TICKETS, "Bench stadium");
console.log(
  `event with ${fx.tickets.length} tickets seeded in ${
    ((performance.now() - t) / 1000).toFixed(1)
  } s`,
);

// A real event's tickets are sold over weeks; these were inserted seconds ago. Vacuum and
// analyze the tables the seeding filled, or autovacuum does it during the first seconds of
// the load. (Not the tables the scans fill: analyzed while empty, they would be planned as
// empty, with sequential scans, until autovacuum analyzes them again.)
t = performance.now();
for (
  const { name } of await sql<
    { name: string }[]
  >`select format('%I.%I', schemaname, relname) as name
    from pg_stat_user_tables where n_mod_since_analyze >= 1000 and n_live_tup >= 1000`
) await sql.unsafe(`vacuum (analyze) ${name}`);
console.log(`vacuumed and analyzed in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const child = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "--serve",
    "--db",
    dbName,
    "--pool",
    opt("--pool", "8"),
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let port = 0;
for (let buf = ""; !port;) {
  const { value, done } = await reader.read();
  if (done) throw new Error("server did not start");
  buf += value;
  const m = /PORT (\d+)/.exec(buf);
  if (m) port = Number(m[1]);
}
const base = `http://127.0.0.1:${port}`;

try {
  const gates = ["North", "South", "North", "South"];
  const devices = [];
  for (const [i, g] of gates.entries()) devices.push(await pairDevice(sql, fx, g, `Bench ${i}`));

  // ---- the manifest ---------------------------------------------------------------------
  t = performance.now();
  const mres = await fetch(`${base}/rest/rpc/scan_manifest?since_version=0`, {
    headers: { authorization: `Bearer ${devices[0]!.token}` },
  });
  const manifestBytes = new Uint8Array(await mres.arrayBuffer());
  const manifestMs = performance.now() - t;
  const manifestGz = await gzipSize(manifestBytes);
  console.log(
    `manifest (full, ${TICKETS} tickets, none used): ${
      (manifestBytes.length / 1024).toFixed(0)
    } KB, ` +
      `${(manifestGz / 1024).toFixed(0)} KB gzipped, built and sent in ${manifestMs.toFixed(0)} ms`,
  );

  // ---- the plan -------------------------------------------------------------------------
  // 80 % first scans of distinct tickets, 15 % repeats of a ticket scanned earlier, 5 % the
  // same ticket at two gates at the same instant (sent back to back).
  const total = RATE * SECONDS;
  const distinct = Math.min(fx.tickets.length, Math.ceil(total * 0.9));
  // Signed before the clock starts, with the key imported once (lib/tickets/signing.ts
  // signTicket imports it per call), a few at a time on Web Crypto's threads.
  t = performance.now();
  const signKey = await importSigningKey(fx.privateJwk);
  const sign = async (i: number) => {
    const payload = await ticketPayload(fx.tickets[i]!);
    return `${payload}.${base64url(await signBytes(signKey, new TextEncoder().encode(payload)))}`;
  };
  const codes: string[] = new Array(distinct);
  for (let i = 0; i < distinct; i += 256) {
    const batch = [];
    for (let j = i; j < Math.min(distinct, i + 256); j++) {
      batch.push(sign(j).then((c) => codes[j] = c));
    }
    await Promise.all(batch);
  }
  if ((await qr(fx.tickets[0]!, fx.privateJwk)).slice(0, -87) !== codes[0]!.slice(0, -87)) {
    throw new Error("the bench's codes differ from signTicket's");
  }
  console.log(`${distinct} QR codes signed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  interface Planned {
    ticket: number;
    device: number;
    kind: "first" | "repeat" | "pair";
  }
  const plan: Planned[] = [];
  let next = 0;
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (plan.length < total) {
    const r = rand();
    const device = plan.length % devices.length;
    if (next < 100 || (r < 0.8 && next < distinct)) {
      plan.push({ ticket: next++, device, kind: "first" });
    } else if (r < 0.95 || next >= distinct) {
      plan.push({ ticket: Math.floor(rand() * next), device, kind: "repeat" });
    } else if (next < distinct) {
      plan.push({ ticket: next, device: 0, kind: "pair" }, {
        ticket: next,
        device: 1,
        kind: "pair",
      });
      next++;
    }
  }
  plan.length = total;

  // ---- the load (open loop: request i is due at start + i / RATE) ----------------------
  const latencies: number[] = [];
  const byWindow: number[][] = []; // latencies by 10 s window of the send time
  const bySecond: number[][] = []; // and by second, for --timeline
  const fromDue: number[] = [];
  const serverSide: number[] = []; // the server's own decision time (Server-Timing: decide)
  const results: string[] = new Array(plan.length);
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let skipped = 0;
  let sentAll = false;
  const start = performance.now();
  const cpu0 = { self: selfCpuMs(), server: processCpuMs(child.pid), db: backendCpuMs(dbName) };
  const walStats = () =>
    sql<{ bytes: number; fpi: number; syncs: number; commits: number }[]>`select
      wal_bytes::float8 as bytes, wal_fpi::float8 as fpi, wal_sync::float8 as syncs,
      (select xact_commit::float8 from pg_stat_database where datname = current_database()) as commits
      from pg_stat_wal`.then((r) => r[0]!);
  const wal0 = await walStats();
  // No array of the requests' promises: 60,000 settled promise chains kept alive grow the
  // heap, and the generator's own GC pauses would show up as scan latency.
  let drained: () => void = () => {};
  const allDone = new Promise<void>((resolve) => drained = resolve);
  for (let i = 0; i < plan.length; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped++;
      results[i] = "skipped";
      continue;
    }
    const p = plan[i]!;
    const d = devices[p.device]!;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const sent = performance.now();
    void (
      fetch(`${base}/scan/api/scan`, {
        method: "POST",
        headers: { authorization: `Bearer ${d.token}`, "content-type": "application/json" },
        body: JSON.stringify({ id: crypto.randomUUID(), code: codes[p.ticket] }),
      }).then(async (res) => {
        const body = await res.json();
        const now = performance.now();
        const decide = /decide;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "");
        if (decide) serverSide.push(Number(decide[1]));
        latencies.push(now - sent);
        (byWindow[Math.floor((sent - start) / 10_000)] ??= []).push(now - sent);
        (bySecond[Math.floor((sent - start) / 1000)] ??= []).push(now - sent);
        fromDue.push(now - due);
        results[i] = res.ok ? body.result : `http_${res.status}`;
        if (!res.ok) errors++;
      }).catch(() => {
        errors++;
        results[i] = "error";
      }).finally(() => {
        inFlight--;
        if (inFlight === 0 && sentAll) drained();
      })
    );
  }
  sentAll = true;
  if (inFlight > 0) await allDone;
  const elapsed = (performance.now() - start) / 1000;
  const wal1 = await walStats();
  const cpu = {
    self: selfCpuMs() - cpu0.self,
    server: processCpuMs(child.pid) - cpu0.server,
    db: backendCpuMs(dbName) - cpu0.db,
  };

  // ---- the check ------------------------------------------------------------------------
  // Per ticket, over the scans that got an answer: exactly one admitted, every other one
  // already_used. (Which of them admits is not fixed: up to 64 requests are in flight, so a
  // repeat sent 1 ms after a first scan may be decided first.)
  let wrong = 0;
  const answers = new Map<number, string[]>();
  for (let i = 0; i < plan.length; i++) {
    const r = results[i]!;
    if (r === "skipped" || r === "error" || r.startsWith("http_")) continue;
    const list = answers.get(plan[i]!.ticket) ?? [];
    list.push(r);
    answers.set(plan[i]!.ticket, list);
  }
  for (const list of answers.values()) {
    const admitted = list.filter((r) => r === "admitted").length;
    if (admitted !== 1) wrong++;
    wrong += list.filter((r) => r !== "admitted" && r !== "already_used").length;
  }
  const [db] =
    await sql`select count(*)::int as admitted, count(distinct ticket_id)::int as tickets,
      (select count(*)::int from core.scans where event_id = ${fx.eventId}) as scans,
      (select count(*)::int from (select ticket_id from core.scans where event_id = ${fx.eventId} and result = 'admitted'
        group by ticket_id having count(*) > 1) x) as twice
    from core.ticket_checkins where event_id = ${fx.eventId}`;
  const sentCount = plan.length - skipped;
  console.log(
    `\nscans: ${sentCount} sent in ${elapsed.toFixed(1)} s (${
      (sentCount / elapsed).toFixed(0)
    }/s target ${RATE}/s), ` +
      `${skipped} skipped at ${MAX_IN_FLIGHT} in flight, max in flight ${maxInFlight}, errors ${errors}`,
  );
  console.log(
    `latency (HTTP round trip, signature check + api.scan): p50 ${fmt(pct(latencies, 0.5))} ms, ` +
      `p95 ${fmt(pct(latencies, 0.95))} ms, p99 ${fmt(pct(latencies, 0.99))} ms, max ${
        fmt(pct(latencies, 1))
      } ms`,
  );
  // The first seconds warm 8 fresh Postgres connections (plan and catalog caches), the JIT
  // and autovacuum of the just-loaded tickets: reported apart, not hidden.
  const steady = byWindow.slice(1).flat();
  console.log(
    `p99 by 10 s window: ${byWindow.map((w) => fmt(pct(w, 0.99))).join(", ")} ms; ` +
      `after the first 10 s: p50 ${fmt(pct(steady, 0.5))} ms, p95 ${fmt(pct(steady, 0.95))} ms, ` +
      `p99 ${fmt(pct(steady, 0.99))} ms`,
  );
  if (args.includes("--timeline")) {
    // Per second of send time: p50 / p99 / max, to see when the tail happens.
    console.log(
      bySecond.map((w, s) => `${s}s ${fmt(pct(w, 0.5))}/${fmt(pct(w, 0.99))}/${fmt(pct(w, 1))}`)
        .join("  "),
    );
  }
  console.log(
    `the server's decision time (Server-Timing: token, signature, wait for a lane, api.scan): p50 ${
      fmt(pct(serverSide, 0.5))
    } ms, p95 ${fmt(pct(serverSide, 0.95))} ms, p99 ${fmt(pct(serverSide, 0.99))} ms`,
  );
  console.log(
    `latency from the scheduled time: p50 ${fmt(pct(fromDue, 0.5))} ms, p99 ${
      fmt(pct(fromDue, 0.99))
    } ms`,
  );
  const per = (ms: number) => (ms / sentCount).toFixed(2);
  console.log(
    `CPU per scan: server ${per(cpu.server)} ms, Postgres backends ${per(cpu.db)} ms, ` +
      `load generator ${
        per(cpu.self)
      } ms; without the generator ${navigator.hardwareConcurrency} ` +
      `cores would sustain about ${
        (navigator.hardwareConcurrency * 1000 * sentCount / (cpu.server + cpu.db)).toFixed(0)
      } scans/s`,
  );
  // Every scan is committed (synchronous_commit on) and its WAL flushed before it answers;
  // scans that wait for a lane share one commit (lib/scan/batch.ts).
  console.log(
    `WAL per scan: ${((wal1.bytes - wal0.bytes) / sentCount / 1024).toFixed(1)} KB, ` +
      `${((wal1.fpi - wal0.fpi) / sentCount).toFixed(2)} full-page images; ` +
      `${((wal1.syncs - wal0.syncs) / elapsed).toFixed(0)} WAL flushes/s (the whole cluster); ` +
      `${((wal1.commits - wal0.commits) / sentCount).toFixed(2)} commits per scan (group commit)`,
  );
  const counts: Record<string, number> = {};
  for (const r of results) counts[r ?? "none"] = (counts[r ?? "none"] ?? 0) + 1;
  console.log(`results: ${JSON.stringify(counts)}`);
  console.log(
    `database: ${db!.scans} scans recorded, ${
      db!.admitted
    } tickets admitted, tickets admitted twice: ${db!.twice}; ` +
      `wrong decisions: ${wrong}`,
  );
  if (wrong > 0 || db!.twice > 0 || db!.scans !== sentCount - errors) {
    console.log("FAILED: a wrong decision or an unrecorded scan");
    Deno.exitCode = 1;
  }

  // ---- the browser's offline decision with the 60,000-ticket manifest ------------------
  if (!args.includes("--no-browser")) {
    const { chromium } = await import("playwright-core");
    const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import("../tests/support/browser.ts");
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
    });
    try {
      const pairing = await sql.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", org_id: fx.orgId })
        }, true)`;
        return (await tx`select api.create_pairing_code(${fx.eventId}, ${fx.gates.North!}) as p`)[
          0
        ]!.p as { code_display: string };
      });
      const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
      const page = await context.newPage();
      await page.goto(`${base}/scan?pair=${pairing.code_display}`);
      await page.getByLabel("Device name").fill("Bench browser");
      const t0 = Date.now();
      await page.getByRole("button", { name: "Pair device" }).click();
      await page.waitForFunction(() => localStorage.getItem("mt.scan.manifest") !== null, null, {
        timeout: 60000,
      });
      console.log(`\nbrowser: paired and stored the manifest in ${Date.now() - t0} ms`);
      await context.setOffline(true);
      const decide = async (code: string) => {
        const input = page.getByLabel("Ticket code");
        await input.fill(code);
        await input.press("Enter");
        await page.locator(".sc-result").waitFor();
        const meta = await page.locator(".sc-meta").innerText();
        const result = await page.locator(".sc-result").getAttribute("data-result");
        await page.locator(".sc-result").click();
        await page.locator(".sc-result").waitFor({ state: "detached" });
        return { ms: Number(/([\d.]+) ms/.exec(meta)?.[1]), result };
      };
      const unused = fx.tickets.length - 1;
      const spare = [];
      for (let i = 0; i < 30; i++) spare.push(await qr(fx.tickets[unused - i]!, fx.privateJwk));
      const times: number[] = [];
      for (const code of spare.slice(0, 20)) {
        const d = await decide(code);
        if (d.result !== "admitted") console.log(`unexpected offline result ${d.result}`);
        times.push(d.ms);
      }
      const used = await decide(codes[0]!);
      console.log(
        `browser offline decision (signature + rules + used-set + queue), 20 scans: p50 ${
          fmt(pct(times, 0.5))
        } ms, ` +
          `max ${fmt(pct(times, 1))} ms; a used ticket: ${used.result} in ${fmt(used.ms)} ms`,
      );
      await page.reload();
      await page.getByLabel("Ticket code").waitFor();
      const cold = await decide(spare[25]!);
      console.log(
        `after a reload (offline), the first decision also rebuilds the 60,000-ticket book: ${
          fmt(cold.ms)
        } ms`,
      );
      await context.close();
    } finally {
      await browser.close();
    }
  }
} finally {
  await reader.cancel().catch(() => {});
  child.kill();
  await child.status;
  await sql.end({ timeout: 5 });
}
Deno.exit(Number(Deno.exitCode ?? 0));
