// Analytics bench: a year of history with N tickets (default 1 million) in its own database
// mutambo_bench_analytics, then the time of core.refresh_analytics() per materialized view
// (first build, then a CONCURRENTLY refresh) and of every example query of
// sql/analytics/README.md. Events, venues, ticket types and gates are made through the api
// functions; the history (orders, order lines, tickets, payments, scans, check-ins) is bulk
// inserted with generate_series as the superuser with triggers off
// (session_replication_role = replica), foreign keys and checks still holding.
//
//   deno run -A bench/analytics.ts                 1,000,000 tickets
//   options: --tickets N --db NAME --keep (reuse the history already there)
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate } from "../lib/migrate.ts";

const args = Deno.args;
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const TICKETS = Number(opt("--tickets", "1000000"));
const dbName = opt("--db", "mutambo_bench_analytics");
const keep = args.includes("--keep");
const adminUrl = adminDatabaseUrl(dbName);
const started = performance.now();
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

{
  const root = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  if (!keep) await root.unsafe(`drop database if exists "${dbName}" with (force)`);
  const [exists] = await root`select 1 from pg_database where datname = ${dbName}`;
  if (!exists) await root.unsafe(`create database "${dbName}"`);
  await root.end();
}
let t = performance.now();
await migrate(adminUrl);
console.log(`migrated in ${secs(t)} s`);
const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });

// ---- events through the api: 2 orgs, 12 events over a year, 3 types, 3 sections, 2 gates ----
const CURRENCIES = ["USD", "ZAR", "KES", "NGN", "ZWG"];
interface BenchEvent {
  idx: number;
  id: string;
  org: string;
  currency: string;
  types: string[];
  sections: string[];
  gates: string[];
  device: string;
}
async function makeEvents(): Promise<BenchEvent[]> {
  const capacity = Math.max(100, Math.ceil(TICKETS / 12 / 3 / 0.8));
  const events: BenchEvent[] = [];
  for (const [o, orgName] of ["Harare Bench Sports", "Jozi Bench Live"].entries()) {
    await sql.begin(async (tx) => {
      const claims = (org?: string) =>
        tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", ...(org ? { org_id: org } : {}) })
        }, true)`;
      await claims();
      const [{ org }] = await tx`select api.create_org(${orgName}, ${"bench-" + o}) as org` as [
        { org: string },
      ];
      await claims(org);
      const [{ venue }] = await tx`select api.create_venue(${"Arena " + o}, 'Harare') as venue` as [
        { venue: string },
      ];
      const [{ lv }] = await tx`select api.create_layout(${venue}, 'Main') as lv` as [
        { lv: string },
      ];
      const [{ zone }] = await tx`select api.add_price_zone(${lv}, 'All') as zone` as [
        { zone: string },
      ];
      for (const s of ["North Terrace", "South Terrace", "Main Stand"]) {
        // Sized so the events are ~80% full (a standing place costs the event copy some work).
        await tx`select api.add_standing_section(${lv}, ${s}, ${capacity}, ${zone})`;
      }
      await tx`select api.publish_layout_version(${lv})`;
      for (let k = 0; k < 6; k++) {
        const idx = events.length;
        const currency = CURRENCIES[idx % CURRENCIES.length]!;
        const [{ ev }] = await tx`select api.create_event(layout_version_id => ${lv},
          name => ${`${orgName} night ${k + 1}`}, starts_at => now() + interval '30 days',
          currency => ${currency}) as ev` as [{ ev: string }];
        const types: string[] = [];
        for (const [name, price] of [["Adult", 1500], ["Student", 800], ["VIP", 6000]] as const) {
          const [{ id }] = await tx`select api.create_ticket_type(event_id => ${ev},
            name => ${name}, price_minor => ${price}) as id` as [{ id: string }];
          types.push(id);
        }
        const gates: string[] = [];
        for (const g of ["North", "South"]) {
          const [{ id }] = await tx`select api.save_gate(${ev}, ${g}) as id` as [{ id: string }];
          gates.push(id);
        }
        const sections = (await tx`select id from core.event_sections where event_id = ${ev}
          order by name`).map((r) => r.id as string);
        const [{ device }] =
          await tx`insert into core.scan_devices (org_id, event_id, gate_id, name)
          values (${org}, ${ev}, ${gates[0]!}, 'Bench scanner') returning id as device` as [
            { device: string },
          ];
        events.push({ idx, id: ev, org, currency, types, sections, gates, device });
      }
    });
  }
  // Spread the dates over a year: 9 months back to 3 months ahead.
  for (const e of events) {
    const days = -270 + Math.round((e.idx * 365) / events.length);
    await sql`update core.events set starts_at = now() + ${days} * interval '1 day',
      ends_at = now() + ${days} * interval '1 day' + interval '3 hours',
      sales_start = now() + ${days - 120} * interval '1 day',
      sales_end = now() + ${days} * interval '1 day',
      status = case when ${days} < 0 then 'ended' else 'on_sale' end where id = ${e.id}`;
  }
  return events;
}

const [{ have }] = await sql`select count(*)::int as have from core.tickets` as [{ have: number }];
if (!keep || have === 0) {
  t = performance.now();
  const events = await makeEvents();
  console.log(`${events.length} events through the api in ${secs(t)} s`);

  t = performance.now();
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`create temp table be (idx int primary key, id uuid, org uuid, currency text, types uuid[],
      sections uuid[], gates uuid[], device uuid, starts_at timestamptz) on commit drop`;
    for (const e of events) {
      await tx`insert into be select ${e.idx}, ${e.id}, ${e.org}, ${e.currency}, ${e.types}::uuid[],
        ${e.sections}::uuid[], ${e.gates}::uuid[], ${e.device}, starts_at from core.events where id = ${e.id}`;
    }
    // Orders of 1-4 tickets (2.5 on average): staging with everything decided up front.
    // Status mix: 93% paid, 3% refunded, 4% expired (never paid). Channels: 80% web, 12% box
    // office, 5% agent, 3% complimentary. Paid up to 90 days before the event.
    await tx.unsafe(
      `create temp table bo on commit drop as
       select g as n, gen_random_uuid() as id, be.idx, be.id as event_id, be.org, be.currency, be.types,
              be.sections, be.starts_at, 1 + (g % 4) as qty,
              case when g % 100 < 93 then 'paid' when g % 100 < 96 then 'refunded' else 'expired' end as status,
              case when g % 100 < 80 then 'web' when g % 100 < 92 then 'box_office' when g % 100 < 97 then 'agent'
                   else 'complimentary' end as channel,
              least(now(), be.starts_at - random() * interval '90 days') as at,
              (g % 3) as tt_pick, (g % 7) as phone_pick
       from generate_series(1, ceil($1::numeric / 2.5)::int) g
       join be on be.idx = g % (select count(*) from be)`,
      [TICKETS],
    );
    // Order codes: g in base 31 over the code alphabet, 8 characters.
    await tx.unsafe(
      `insert into core.orders (id, org_id, event_id, code, access_token_hash, status, channel, buyer_email,
         buyer_phone, buyer_name, currency, subtotal_minor, discount_minor, fees_minor, tax_minor, tax_inclusive,
         total_minor, lines, expires_at, paid_at, payment_provider, payment_reference, created_at)
       select id, org, event_id, code, '\\x00', status, channel,
              'fan' || n || '@example.com',
              case phone_pick when 0 then null when 1 then '0772' || lpad((n % 1000000)::text, 6, '0')
                              when 2 then '+27' || lpad((n % 100000000)::text, 9, '0')
                              when 3 then '+254' || lpad((n % 100000000)::text, 9, '0')
                              else '+263' || lpad((n % 100000000)::text, 9, '0') end,
              'Fan ' || n, currency, price, 0, fees, 0, true, price + fees, '[]',
              at + interval '15 minutes', case when status = 'expired' then null else at end,
              case when status = 'expired' then null else 'bench' end,
              case when status = 'expired' then null else 'bench-' || n end, at - interval '2 minutes'
       from (select bo.*,
                    (select string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + ((bo.n / (31 ^ k)::bigint) % 31)::int, 1), '' order by k)
                     from generate_series(0, 7) k) as code,
                    case when channel = 'complimentary' then 0 else qty * (array[1500, 800, 6000])[tt_pick + 1] end as price,
                    case when channel in ('complimentary', 'box_office') then 0 else qty * 150 end as fees
             from bo) bo`,
    );
    const [{ base }] = await tx`select coalesce(max(id), 0) as base from core.order_items` as [
      { base: string },
    ];
    await tx.unsafe(
      `create temp table bi on commit drop as
       select $1::bigint + row_number() over () as item_id, bo.*, k
       from bo, generate_series(1, bo.qty) k where k <= bo.qty`,
      [base],
    );
    await tx.unsafe(
      `insert into core.order_items (id, order_id, org_id, kind, ticket_type_id, event_section_id, description,
         attendee_name, price_minor, fee_minor)
       overriding system value
       select item_id, id, org, 'admission', types[tt_pick + 1], sections[1 + (n + k) % 3],
              (array['Adult', 'Student', 'VIP'])[tt_pick + 1], 'Fan ' || n || '/' || k,
              case when channel = 'complimentary' then 0 else (array[1500, 800, 6000])[tt_pick + 1] end,
              case when channel in ('complimentary', 'box_office') then 0 else 150 end
       from bi`,
    ).catch(async () => {
      // order_items.id may be a plain sequence column rather than an identity.
      await tx.unsafe(
        `insert into core.order_items (id, order_id, org_id, kind, ticket_type_id, event_section_id, description,
           attendee_name, price_minor, fee_minor)
         select item_id, id, org, 'admission', types[tt_pick + 1], sections[1 + (n + k) % 3],
                (array['Adult', 'Student', 'VIP'])[tt_pick + 1], 'Fan ' || n || '/' || k,
                case when channel = 'complimentary' then 0 else (array[1500, 800, 6000])[tt_pick + 1] end,
                case when channel in ('complimentary', 'box_office') then 0 else 150 end
         from bi`,
      );
    });
    await tx.unsafe(
      `select setval('core.order_items_id_seq', (select max(id) from core.order_items))`,
    );
    // Tickets of paid and refunded orders (expired orders never got any).
    await tx.unsafe(
      `insert into core.tickets (id, org_id, event_id, order_id, order_item_id, ticket_type_id, attendee_name,
         secret, status, issued_at, cancelled_at)
       select gen_random_uuid(), org, event_id, id, item_id, types[tt_pick + 1], 'Fan ' || n || '/' || k,
              'bench' || lpad(item_id::text, 20, '0'), case when status = 'paid' then 'valid' else 'refunded' end,
              at, case when status = 'refunded' then at + interval '3 days' end
       from bi
       where status <> 'expired'`,
    );
    // Payments: one succeeded per paid order (plus a failed first try for 1 in 12 web orders).
    await tx.unsafe(
      `insert into core.payments (org_id, order_id, provider, method, intent_id, amount_minor, currency, status,
         failure_reason, created_at, updated_at, succeeded_at)
       select org, id, p.provider, p.method, 'bench-' || n || '-' || p.try, p.amount, currency, p.status,
              p.reason, at - interval '1 minute', at, case when p.status = 'succeeded' then at end
       from bo
       cross join lateral (
         select 1 as try,
                case channel when 'box_office' then 'box_office' when 'complimentary' then 'complimentary'
                             else (array['paynow', 'paystack', 'mpesa', 'stripe'])[1 + n % 4] end as provider,
                case when channel = 'box_office' then 'cash' when n % 4 in (0, 2) then 'mobile_money' else 'card' end as method,
                case when status = 'expired' then 'failed' when status = 'refunded' then 'refunded' else 'succeeded' end as status,
                case when status = 'expired' then 'declined' end as reason,
                (select total_minor from core.orders x where x.id = bo.id) as amount
         union all
         select 0, (array['paynow', 'paystack', 'mpesa', 'stripe'])[1 + n % 4], 'mobile_money', 'failed',
                'insufficient_funds', 0
         where channel = 'web' and n % 12 = 0
       ) p`,
    );
    // Scans at past events: 85% of valid tickets admitted at one of the two gates in the two
    // hours before kick-off, 2% of those scanned again (already used), refunded ones refused.
    await tx.unsafe(
      `create temp table bs on commit drop as
       select gen_random_uuid() as scan_id, k.id as ticket_id, k.org_id, k.event_id, be.gates[1 + k.order_item_id::int % 2] as gate_id,
              be.device, be.starts_at - interval '2 hours' + (k.order_item_id % 7200) * interval '1 second' as at,
              case when k.status = 'valid' then 'admitted' else 'cancelled_or_refunded' end as result,
              k.order_item_id
       from core.tickets k join be on be.id = k.event_id
       where be.starts_at < now() and k.order_item_id % 100 < 85 and k.secret like 'bench%'`,
    );
    await tx.unsafe(
      `insert into core.scans (id, org_id, event_id, device_id, gate_id, ticket_id, direction, result, offline,
         scanned_at, recorded_at)
       select scan_id, org_id, event_id, device, gate_id, ticket_id, 'in', result, order_item_id % 50 = 0, at, at from bs
       union all
       select gen_random_uuid(), org_id, event_id, device, gate_id, ticket_id, 'in', 'already_used', false,
              at + interval '10 minutes', at + interval '10 minutes'
       from bs where result = 'admitted' and order_item_id % 50 = 1`,
    );
    await tx.unsafe(
      `insert into core.ticket_checkins (ticket_id, org_id, event_id, inside, entries, first_scan_id, first_in_at,
         first_gate_id, last_in_at, last_gate_id, last_at)
       select ticket_id, org_id, event_id, true, 1, scan_id, at, gate_id, at, gate_id, at
       from bs where result = 'admitted'`,
    );
  });
  console.log(`history bulk-inserted in ${secs(t)} s`);
  t = performance.now();
  await sql`vacuum analyze`;
  console.log(`vacuum analyze in ${secs(t)} s`);
}

const counts = await sql`select
  (select count(*) from core.orders)::int as orders, (select count(*) from core.order_items)::int as items,
  (select count(*) from core.tickets)::int as tickets, (select count(*) from core.payments)::int as payments,
  (select count(*) from core.scans)::int as scans,
  (select min(paid_at)::date from core.orders)::text as first, (select max(paid_at)::date from core.orders)::text as last`;
console.log("history:", JSON.stringify(counts[0]));

// ---- refresh: first build (views were created empty? then populated) and CONCURRENTLY ----
for (const round of ["refresh 1", "refresh 2 (concurrently)"]) {
  t = performance.now();
  const rows = await sql<
    { view_name: string; ms: string }[]
  >`select * from core.refresh_analytics()`;
  console.log(`${round}: total ${((performance.now() - t) / 1000).toFixed(2)} s`);
  for (const r of rows) {
    console.log(`  ${r.view_name.padEnd(26)} ${Number(r.ms).toFixed(0).padStart(7)} ms`);
  }
}

// ---- the example queries of sql/analytics/README.md, as the analyst role ----------------
const readme = await Deno.readTextFile(new URL("../sql/analytics/README.md", import.meta.url));
const examples = readme.slice(readme.indexOf("## Example queries"));
const queries = [...examples.matchAll(/\n([^\n]+):\n\s*```sql\n([\s\S]*?)```/g)].map((m) => ({
  title: m[1]!.trim(),
  text: m[2]!.trim().replace(/;\s*$/, ""),
}));
// The README's one-event examples name the demo match; use the busiest bench event instead.
const [{ slug }] =
  await sql`select e.slug from core.events e join core.orders o on o.event_id = e.id
  group by e.slug order by count(*) desc limit 1` as [{ slug: string }];
console.log(`example queries (${queries.length}), as role analyst, best of 3:`);
for (const q of queries) {
  const text = q.text.replaceAll("dynamos-vs-caps-united-2026-11-28", slug);
  const times: number[] = [];
  let n = 0;
  for (let i = 0; i < 3; i++) {
    const s = performance.now();
    const rows = await sql.begin(async (tx) => {
      await tx`set local role analyst`;
      return await tx.unsafe(text);
    });
    times.push(performance.now() - s);
    n = rows.length;
  }
  console.log(
    `  ${Math.min(...times).toFixed(1).padStart(8)} ms  ${String(n).padStart(5)} rows  ${q.title}`,
  );
}
await sql.end();
console.log(`${TICKETS} tickets requested; whole run ${secs(started)} s`);
