// A check-in fixture on the test database: an org, an event with gates North and South,
// its signing key pair, N paid tickets (bulk SQL as the superuser, the rows the engine
// would leave) and paired scanner devices (through the real pairing route).
import type postgres from "postgres";
import { generateEventKeyPair, signTicket } from "../../lib/tickets/signing.ts";
import { pairHandler } from "../../lib/scan/server.ts";

type Sql = postgres.Sql;

export interface Ticket {
  id: string;
  secret: string;
  issued_at: Date;
  event_id: string;
}

export interface CheckInFixture {
  orgId: string;
  eventId: string;
  gates: Record<string, string>;
  adult: string;
  section: string;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  tickets: Ticket[];
}

export interface Device {
  token: string;
  deviceId: string;
  claims: Record<string, string>;
}

function one<T>(rows: readonly T[]): T {
  if (!rows[0]) throw new Error("query returned no row");
  return rows[0];
}

/** Inserts n paid tickets (orders of up to 4) for the event; returns them. */
export async function seedTickets(
  sql: Sql,
  fx: Omit<CheckInFixture, "tickets">,
  n: number,
): Promise<Ticket[]> {
  const rows = await sql.unsafe(
    `with o as (
       insert into core.orders (org_id, event_id, code, access_token_hash, status, channel, buyer_email, currency,
         subtotal_minor, discount_minor, fees_minor, tax_minor, tax_inclusive, total_minor, lines, expires_at, paid_at,
         payment_provider, payment_reference)
       select $1, $2, core.new_order_code(), '\\x00', 'paid', 'web', 'fan' || g || '@example.com', 'USD', 0, 0, 0, 0, true, 0,
              '[]', now() + interval '1 hour', now(), 'seed', 'seed-' || gen_random_uuid()
       from generate_series(1, ceil($5::int / 4.0)::int) g
       returning id
     ), slots as (
       select o.id as order_id, row_number() over () as k from o, generate_series(1, 4)
     ), i as (
       insert into core.order_items (order_id, org_id, kind, ticket_type_id, event_section_id, description, attendee_name, price_minor)
       select order_id, $1, 'admission', $3, $4, 'Adult', 'Fan ' || k, 0 from slots where k <= $5
       returning id, order_id, attendee_name
     )
     insert into core.tickets (org_id, event_id, order_id, order_item_id, ticket_type_id, attendee_name, secret)
     select $1, $2, order_id, id, $3, attendee_name, core.new_ticket_secret() from i
     returning id, secret, issued_at, event_id`,
    [fx.orgId, fx.eventId, fx.adult, fx.section, n],
  );
  return rows as unknown as Ticket[];
}

/** A new org and event (gates North, South; ticket type Adult; a key pair) with n tickets. */
export async function makeCheckInEvent(
  sql: Sql,
  n: number,
  name = "Check-in",
): Promise<CheckInFixture> {
  const tag = crypto.randomUUID().slice(0, 8);
  const { publicJwk, privateJwk } = await generateEventKeyPair();
  const base = await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
    const { org } = one(
      await tx`select api.create_org(${name + " " + tag}, ${"scan-" + tag}) as org`,
    );
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role: "platform_admin", org_id: org })
    }, true)`;
    const { venue } = one(await tx`select api.create_venue(${"Ground " + tag}, 'Harare') as venue`);
    const { lv } = one(await tx`select api.create_layout(${venue}, 'Main') as lv`);
    const { zone } = one(await tx`select api.add_price_zone(${lv}, 'All') as zone`);
    await tx`select api.add_standing_section(${lv}, 'Terrace', ${Math.max(n, 10)}, ${zone})`;
    await tx`select api.publish_layout_version(${lv})`;
    const { ev } = one(
      await tx`select api.create_event(layout_version_id => ${lv}, name => ${name + " " + tag},
      starts_at => now() + interval '2 hours') as ev`,
    );
    const { adult } = one(
      await tx`select api.create_ticket_type(event_id => ${ev}, name => 'Adult', price_minor => 1000) as adult`,
    );
    const { section } = one(
      await tx`select id as section from core.event_sections where event_id = ${ev}`,
    );
    const { north } = one(await tx`select api.save_gate(${ev}, 'North', sort => 1) as north`);
    const { south } = one(await tx`select api.save_gate(${ev}, 'South', sort => 2) as south`);
    await tx`select core.register_event_signing_key(${ev}, ${tx.json(publicJwk as never)}, ${
      tx.json(privateJwk as never)
    })`;
    return {
      orgId: org,
      eventId: ev,
      adult,
      section,
      gates: { North: north, South: south } as Record<string, string>,
    };
  });
  const fx = { ...base, privateJwk, publicJwk } as Omit<CheckInFixture, "tickets">;
  return { ...fx, tickets: n > 0 ? await seedTickets(sql, fx, n) : [] };
}

/** Pairs a device at `gate` through POST /scan/api/pair (code made by a platform admin). */
export async function pairDevice(
  sql: Sql,
  fx: { orgId: string; eventId: string; gates: Record<string, string> },
  gate: string,
  name: string,
): Promise<Device> {
  const code = await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role: "platform_admin", org_id: fx.orgId })
    }, true)`;
    const { p } = one(
      await tx`select api.create_pairing_code(${fx.eventId}, ${fx.gates[gate]!}) as p`,
    );
    return (p as { code_display: string }).code_display;
  });
  const res = await pairHandler(
    new Request("http://x/scan/api/pair", { method: "POST", body: JSON.stringify({ code, name }) }),
  );
  if (res.status !== 200) throw new Error(`pairing failed: ${res.status} ${await res.text()}`);
  const { token, device } = await res.json();
  return {
    token,
    deviceId: device.device_id,
    claims: {
      role: "scanner",
      org_id: device.org_id,
      event_id: device.event_id,
      gate_id: device.gate_id,
      device_id: device.device_id,
    },
  };
}

export function qr(ticket: Ticket, privateJwk: JsonWebKey): Promise<string> {
  return signTicket(ticket, privateJwk);
}
