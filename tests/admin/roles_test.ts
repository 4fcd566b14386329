// Every admin action as every org role, and as another org's owner, against the SQL that the
// admin pages call (api.*, with the same role switch and JWT claims as /rest). Each call runs
// in its own transaction that is rolled back, so allowed actions change nothing.
//
// The documented matrix: ACTIONS says which permission each action needs, PERMISSIONS which
// permissions each role has (core.role_permissions must say the same). A role with the
// permission must be allowed, one without it refused with 403 (PT403 or 42501), and another
// org's owner must not find the object (PT404, or a list without it).
import assert from "node:assert/strict";
import type postgres from "postgres";
import { adminSql } from "../support/db.ts";
import { ensureDemoData } from "../support/app.ts";

const ROLES = [
  "org_owner",
  "event_manager",
  "promoter",
  "box_office_agent",
  "door_staff",
  "finance",
  "read_only",
] as const;
type Role = (typeof ROLES)[number];

const PERMISSIONS: Record<Role, string[]> = {
  org_owner: [
    "view_events",
    "manage_events",
    "manage_prices",
    "manage_promo_codes",
    "view_orders",
    "manage_orders",
    "refund",
    "comp",
    "export_orders",
    "view_finance",
    "manage_team",
    "manage_check_in",
    "check_in",
    "view_audit",
    "manage_venues",
    "manage_integrations",
  ],
  event_manager: [
    "view_events",
    "manage_events",
    "manage_prices",
    "manage_promo_codes",
    "view_orders",
    "manage_orders",
    "refund",
    "comp",
    "export_orders",
    "view_finance",
    "manage_check_in",
    "check_in",
    "view_audit",
    "manage_venues",
  ],
  promoter: ["view_events", "manage_promo_codes"],
  box_office_agent: ["view_events", "view_orders", "manage_orders"],
  door_staff: ["view_events", "check_in"],
  finance: [
    "view_events",
    "view_orders",
    "manage_orders",
    "refund",
    "export_orders",
    "view_finance",
    "view_audit",
  ],
  read_only: ["view_events", "view_orders", "view_audit"],
};

/** The ids the actions work on (org A = the demo organiser). */
interface Ids {
  event: string;
  draftEvent: string;
  publishedVersion: string;
  draftVersion: string;
  draftSection: string;
  zone: string;
  order: string;
  pendingOrder: string;
  ticket: string;
  ticketType: string;
  promo: string;
  gate: string;
  list: string;
  device: string;
  member: string;
  venue: string;
  section: string;
}

interface Action {
  name: string;
  permission: string;
  /** SQL run as the actor; for a list, it selects the rows of org A's object (none = hidden). */
  sql: (ids: Ids) => string;
  list?: boolean;
}

const q = (v: string) => `'${v.replaceAll("'", "''")}'`;
const soon = "now() + interval '40 days'";

const ACTIONS: Action[] = [
  // Events
  {
    name: "list events",
    permission: "view_events",
    list: true,
    sql: (i) => `select id from api.admin_events() where id = ${q(i.event)}`,
  },
  {
    name: "view an event",
    permission: "view_events",
    sql: (i) => `select api.admin_event(${q(i.event)})`,
  },
  {
    name: "create an event",
    permission: "manage_events",
    sql: (i) =>
      `select api.create_event(layout_version_id => ${
        q(i.publishedVersion)
      }, name => 'Roles Cup', starts_at => ${soon})`,
  },
  {
    name: "edit event details",
    permission: "manage_events",
    sql: (i) => `select api.update_event(event_id => ${q(i.event)}, city => 'Harare')`,
  },
  {
    name: "set the banner",
    permission: "manage_events",
    sql: (i) =>
      `select api.update_event(event_id => ${q(i.event)}, banner_url => '/admin/banners/x.png')`,
  },
  {
    name: "publish",
    permission: "manage_events",
    sql: (i) => `select api.set_event_status(${q(i.draftEvent)}, 'on_sale')`,
  },
  {
    name: "unpublish",
    permission: "manage_events",
    sql: (i) => `select api.unpublish_event(${q(i.draftEvent)})`,
  },
  {
    name: "cancel an event",
    permission: "manage_events",
    sql: (i) => `select api.set_event_status(${q(i.event)}, 'cancelled')`,
  },
  {
    name: "add a date to the series",
    permission: "manage_events",
    sql: (i) => `select api.add_event_date(${q(i.event)}, now() + interval '60 days')`,
  },
  {
    name: "live dashboard",
    permission: "view_events",
    sql: (i) => `select api.event_live_stats(${q(i.event)})`,
  },
  // Prices
  {
    name: "add a ticket type",
    permission: "manage_prices",
    sql: (i) =>
      `select api.create_ticket_type(event_id => ${
        q(i.draftEvent)
      }, name => 'Extra', prices => '{"Gold": 1500}')`,
  },
  {
    name: "change a price",
    permission: "manage_prices",
    sql: (i) => `select api.set_ticket_price(${q(i.ticketType)}, 1200)`,
  },
  {
    name: "add a quota",
    permission: "manage_prices",
    sql: (i) =>
      `select api.create_quota(${
        q(i.draftEvent)
      }, 'Q', 5, array[(select id from core.ticket_types where event_id = ${
        q(i.draftEvent)
      } limit 1)])`,
  },
  {
    name: "set fees",
    permission: "manage_prices",
    sql: (i) => `select api.set_event_fees(${q(i.event)}, per_ticket_minor => 50)`,
  },
  {
    name: "set the organisation's tax",
    permission: "manage_prices",
    sql: () => `select api.set_org_tax(15, true, 'VAT')`,
  },
  {
    name: "add a price rule",
    permission: "manage_prices",
    sql: (i) =>
      `select api.create_pricing_rule(event_id => ${
        q(i.event)
      }, name => 'Late', adjust_percent => 10, sold_percent => 80)`,
  },
  {
    name: "add a group discount",
    permission: "manage_prices",
    sql: (i) => `select api.create_group_discount(${q(i.event)}, 10, 5)`,
  },
  // Promo codes
  {
    name: "create a promo code",
    permission: "manage_promo_codes",
    sql: (i) =>
      `select api.create_promo_code(code => 'ROLES' || floor(random() * 1e6)::text, kind => 'percent', percent => 10, event_id => ${
        q(i.event)
      })`,
  },
  {
    name: "bulk-generate promo codes",
    permission: "manage_promo_codes",
    sql: (i) =>
      `select api.generate_promo_codes(event_id => ${
        q(i.event)
      }, prefix => 'RB', count => 3, kind => 'percent', percent => 10)`,
  },
  {
    name: "switch a promo code off",
    permission: "manage_promo_codes",
    sql: (i) => `select api.set_promo_code_active(${q(i.promo)}, false)`,
  },
  // Orders
  {
    name: "search orders",
    permission: "view_orders",
    list: true,
    sql: (i) => `select id from api.search_orders() where id = ${q(i.order)}`,
  },
  {
    name: "view an order",
    permission: "view_orders",
    sql: (i) => `select api.admin_order(${q(i.order)})`,
  },
  {
    name: "resend tickets",
    permission: "manage_orders",
    sql: (i) => `select api.resend_tickets(${q(i.order)})`,
  },
  {
    name: "change an attendee name",
    permission: "manage_orders",
    sql: (i) => `select api.set_attendee_name(${q(i.order)}, ${q(i.ticket)}, 'New Name')`,
  },
  {
    name: "cancel a pending order",
    permission: "manage_orders",
    sql: (i) => `select api.cancel_order(${q(i.pendingOrder)}, 'Roles test')`,
  },
  {
    name: "cancel a paid order",
    permission: "refund",
    sql: (i) => `select api.cancel_order(${q(i.order)}, 'Roles test')`,
  },
  {
    name: "refund in full",
    permission: "refund",
    sql: (i) => `select api.request_refund(${q(i.order)}, 'Roles test')`,
  },
  {
    name: "refund in part",
    permission: "refund",
    sql: (i) => `select api.request_refund(${q(i.order)}, 'Roles test', 100)`,
  },
  {
    name: "comp tickets",
    permission: "comp",
    sql: (i) =>
      `select api.create_order(hold_token => (api.hold_tickets(event_id => ${
        q(i.event)
      }, items => jsonb_build_array(jsonb_build_object('ticket_type_id', ${
        q(i.ticketType)
      }, 'quantity', 1, 'section_id', ${
        q(i.section)
      })), session_id => 's_roles-comp-0000000001', channel => 'complimentary')) ->> 'token', buyer_name => 'Guest', channel => 'complimentary')`,
  },
  {
    name: "export orders",
    permission: "export_orders",
    list: true,
    sql: (i) => `select id from api.export_orders() where id = ${q(i.order)}`,
  },
  // Check-in setup: door staff (check_in) pair and revoke the scanners at their gate and see
  // the setup and offline duplicates; gates and lists are the managers' (manage_check_in).
  {
    name: "check-in setup page",
    permission: "check_in",
    sql: (i) => `select api.check_in_setup(${q(i.event)})`,
  },
  {
    name: "add a gate",
    permission: "manage_check_in",
    sql: (i) => `select api.save_gate(${q(i.event)}, 'Gate Z')`,
  },
  {
    name: "save a check-in list",
    permission: "manage_check_in",
    sql: (i) => `select api.save_check_in_list(event_id => ${q(i.event)}, name => 'VIP list')`,
  },
  {
    name: "delete a check-in list",
    permission: "manage_check_in",
    sql: (i) => `select api.delete_check_in_list(${q(i.list)})`,
  },
  {
    name: "make a pairing code",
    permission: "check_in",
    sql: (i) => `select api.create_pairing_code(${q(i.event)}, ${q(i.gate)})`,
  },
  {
    name: "revoke a device",
    permission: "check_in",
    sql: (i) => `select api.revoke_device(${q(i.device)})`,
  },
  {
    name: "offline duplicates",
    permission: "check_in",
    sql: (i) => `select api.offline_conflicts(${q(i.event)})`,
  },
  // Venues and the designer
  {
    name: "create a venue",
    permission: "manage_venues",
    sql: () => `select api.create_venue('Roles Hall', 'Harare')`,
  },
  {
    name: "create a layout",
    permission: "manage_venues",
    sql: (i) => `select api.create_layout(${q(i.venue)}, 'Roles layout ' || random()::text)`,
  },
  {
    name: "copy a layout version",
    permission: "manage_venues",
    sql: (i) => `select api.copy_layout_version(${q(i.publishedVersion)})`,
  },
  {
    name: "publish a layout version",
    permission: "manage_venues",
    sql: (i) => `select api.publish_layout_version(${q(i.draftVersion)})`,
  },
  {
    name: "open the designer",
    permission: "view_events",
    sql: (i) => `select api.layout_designer(${q(i.draftVersion)})`,
  },
  {
    name: "add a price zone",
    permission: "manage_venues",
    sql: (i) => `select api.add_price_zone(${q(i.draftVersion)}, 'Bronze')`,
  },
  {
    name: "draw a seated section",
    permission: "manage_venues",
    sql: (i) =>
      `select api.build_seated_section(layout_version_id => ${
        q(i.draftVersion)
      }, name => 'East', rows => 2, seats_per_row => 4)`,
  },
  {
    name: "add a standing section",
    permission: "manage_venues",
    sql: (i) => `select api.add_standing_section(${q(i.draftVersion)}, 'Lawn', 100)`,
  },
  {
    name: "move a section",
    permission: "manage_venues",
    sql: (i) => `select api.move_section(${q(i.draftSection)}, dx => 2)`,
  },
  {
    name: "zone a section",
    permission: "manage_venues",
    sql: (i) => `select api.set_section_zone(${q(i.draftSection)}, ${q(i.zone)})`,
  },
  {
    name: "zone seats",
    permission: "manage_venues",
    sql: (i) =>
      `select api.set_seat_zone(${q(i.draftSection)}, '[{"row": "A", "numbers": [1]}]', ${
        q(i.zone)
      })`,
  },
  {
    name: "mark seats accessible",
    permission: "manage_venues",
    sql: (i) =>
      `select api.set_seat_attribute(${
        q(i.draftSection)
      }, '[{"row": "A", "numbers": [1]}]', 'accessible')`,
  },
  {
    name: "import a layout",
    permission: "manage_venues",
    sql: (i) =>
      `select api.import_layout(${
        q(i.draftVersion)
      }, '{"format": "mutambo.layout/1", "zones": [], "sections": []}')`,
  },
  {
    name: "delete a section",
    permission: "manage_venues",
    sql: (i) => `select api.delete_section(${q(i.draftSection)})`,
  },
  // Team and audit
  {
    name: "invite a member",
    permission: "manage_team",
    sql: () =>
      `select api.invite_member('roles-invitee@example.com', 'Roles Invitee', 'read_only')`,
  },
  {
    name: "change a member's role",
    permission: "manage_team",
    sql: (i) => `select api.set_member_role(${q(i.member)}, 'finance')`,
  },
  {
    name: "remove a member",
    permission: "manage_team",
    sql: (i) => `select api.remove_member(${q(i.member)})`,
  },
  {
    name: "audit log",
    permission: "view_audit",
    list: true,
    sql: (i) => `select id from api.audit_entries(of_id => ${q(i.order)})`,
  },
  // Finance reports (the page is another issue's; the rule is the same table)
  {
    name: "finance summary",
    permission: "view_finance",
    list: true,
    sql: (i) => `select event_id from api.finance_summary() where event_id = ${q(i.event)}`,
  },
];

type Outcome = "allowed" | "denied" | "not found" | string;

/** Runs one action as the actor in a rolled-back transaction and says how it went. */
async function attempt(
  sql: postgres.Sql,
  claims: { role: string; org_id: string; sub: string },
  action: Action,
  ids: Ids,
): Promise<Outcome> {
  let outcome: Outcome = "";
  await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('role', ${claims.role}, true)`;
    try {
      const rows = await tx.unsafe(action.sql(ids));
      outcome = action.list && rows.length === 0 ? "not found" : "allowed";
    } catch (e) {
      const code = (e as { code?: string }).code;
      outcome = code === "PT403" || code === "42501"
        ? "denied"
        : code === "PT404"
        ? "not found"
        : `${code}: ${(e as Error).message}`;
    }
    throw new Rollback();
  }).catch((e) => {
    if (!(e instanceof Rollback)) throw e;
  });
  return outcome;
}

class Rollback extends Error {}

/** The fixture objects of org A, made once and committed (other tests do not touch them). */
async function fixture(sql: postgres.Sql, orgA: string): Promise<Ids> {
  const tag = crypto.randomUUID().slice(0, 8);
  const as = JSON.stringify({ role: "platform_admin", org_id: orgA });
  return await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${as}, true)`;
    const [e] = await tx`
      select e.id, e.layout_version_id from core.events e
      where e.org_id = ${orgA} and e.name like 'Dynamos%' limit 1`;
    const [tt] = await tx`select id from core.ticket_types where event_id = ${
      e!.id
    } and name = 'Adult'`;
    const [sec] = await tx`select id from core.event_sections where event_id = ${
      e!.id
    } and name = 'Open Stand'`;
    const [venue] = await tx`select api.create_venue(${`Roles Venue ${tag}`}, 'Harare') as id`;
    const [lv] = await tx`select api.create_layout(${venue!.id}, 'Main') as id`;
    const [zone] = await tx`select api.add_price_zone(${lv!.id}, 'Gold') as id`;
    await tx`select api.build_seated_section(layout_version_id => ${lv!.id}, name => 'North',
      rows => 2, seats_per_row => 4, price_zone_id => ${zone!.id})`;
    await tx`select api.publish_layout_version(${lv!.id})`;
    const [draftEvent] = await tx`select api.create_event(layout_version_id => ${lv!.id},
      name => ${`Roles Draft ${tag}`}, starts_at => now() + interval '30 days') as id`;
    await tx`select api.create_ticket_type(event_id => ${draftEvent!.id}, name => 'Adult',
      prices => '{"Gold": 1000}')`;
    const [draftVersion] = await tx`select api.copy_layout_version(${lv!.id}) as id`;
    const [draftSection] = await tx`select id from core.sections where layout_version_id = ${
      draftVersion!.id
    } limit 1`;
    const [draftZone] = await tx`select id from core.price_zones where layout_version_id = ${
      draftVersion!.id
    } limit 1`;
    const [promo] = await tx`select api.create_promo_code(code => ${`ROLES${tag}`},
      kind => 'percent', percent => 10, event_id => ${e!.id}) as id`;
    const [gate] = await tx`select api.save_gate(${e!.id}, ${`Gate ${tag}`}) as id`;
    const [list] = await tx`select api.save_check_in_list(event_id => ${e!.id},
      name => ${`List ${tag}`}) as id`;
    const [pairing] = await tx`select api.create_pairing_code(${e!.id}, ${gate!.id}) as p`;
    const [device] = await tx`select api.pair_device(${pairing!.p.code}, 'Roles phone') as d`;
    const [member] = await tx`insert into core.users (email, display_name)
      values (${`roles-member-${tag}@example.com`}, 'Roles Member') returning id`;
    await tx`insert into core.memberships (org_id, user_id, role)
      values (${orgA}, ${member!.id}, 'read_only')`;
    const hold = await tx`select api.hold_tickets(event_id => ${e!.id},
      items => ${
      tx.json([{ ticket_type_id: tt!.id, quantity: 2, section_id: sec!.id }])
    }, session_id => ${`s_roles-${tag}-00000000`}) ->> 'token' as token`;
    const [order] = await tx`select api.create_order(hold_token => ${hold[0]!.token},
      buyer_email => ${`roles-${tag}@example.com`}, buyer_name => 'Roles Buyer',
      buyer_phone => '+263 77 123 4567') ->> 'id' as id`;
    await tx`select api.mark_order_paid(${order!.id}, ${`roles-${tag}`}, 'box_office')`;
    const [ticket] = await tx`select id from core.tickets where order_id = ${order!.id} limit 1`;
    const hold2 = await tx`select api.hold_tickets(event_id => ${e!.id},
      items => ${
      tx.json([{ ticket_type_id: tt!.id, quantity: 1, section_id: sec!.id }])
    }, session_id => ${`s_roles-${tag}-00000001`}) ->> 'token' as token`;
    const [pending] = await tx`select api.create_order(hold_token => ${hold2[0]!.token},
      buyer_email => ${`roles-pending-${tag}@example.com`}, buyer_name => 'Roles Pending') ->> 'id' as id`;
    return {
      event: e!.id,
      draftEvent: draftEvent!.id,
      publishedVersion: lv!.id,
      draftVersion: draftVersion!.id,
      draftSection: draftSection!.id,
      zone: draftZone!.id,
      order: order!.id,
      pendingOrder: pending!.id,
      ticket: ticket!.id,
      ticketType: tt!.id,
      promo: promo!.id,
      gate: gate!.id,
      list: list!.id,
      device: device!.d.device_id ?? device!.d.id,
      member: member!.id,
      venue: venue!.id,
      section: sec!.id,
    };
  });
}

Deno.test({
  name: "every admin action: each role allowed or refused as documented, other orgs see nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureDemoData();
    const sql = await adminSql(1);
    try {
      const [a] = await sql`select id from core.orgs where slug = 'harare-sports-events'`;
      const orgA = a!.id as string;
      // The documented matrix is what the SQL says.
      for (const role of ROLES) {
        const [row] = await sql`select core.role_permissions(${role}) as p`;
        assert.deepEqual(
          [...row!.p].filter((p: string) => p !== "manage_integrations").sort(),
          PERMISSIONS[role].filter((p) => p !== "manage_integrations").sort(),
          `core.role_permissions('${role}')`,
        );
      }
      const ids = await fixture(sql, orgA);
      // One member of org A per role, and the owner of a second org.
      const tag = crypto.randomUUID().slice(0, 8);
      const subs: Record<string, string> = {};
      for (const role of ROLES) {
        const [u] = await sql`insert into core.users (email, display_name)
          values (${`roles-${role}-${tag}@example.com`}, ${role}) returning id`;
        await sql`insert into core.memberships (org_id, user_id, role)
          values (${orgA}, ${u!.id}, ${role})`;
        subs[role] = u!.id;
      }
      const [orgB] = await sql`insert into core.orgs (name, slug)
        values ('Roles Other Org', ${`roles-other-${tag}`}) returning id`;
      const [ownerB] = await sql`insert into core.users (email, display_name)
        values (${`roles-owner-b-${tag}@example.com`}, 'Other Owner') returning id`;
      await sql`insert into core.memberships (org_id, user_id, role)
        values (${orgB!.id}, ${ownerB!.id}, 'org_owner')`;
      const [admin] = await sql`select id from core.users where is_platform_admin limit 1`;

      const wrong: string[] = [];
      for (const action of ACTIONS) {
        for (const role of ROLES) {
          const expected = PERMISSIONS[role].includes(action.permission) ? "allowed" : "denied";
          const got = await attempt(sql, { role, org_id: orgA, sub: subs[role]! }, action, ids);
          if (got !== expected) wrong.push(`${action.name} as ${role}: ${got}, not ${expected}`);
        }
        const asAdmin = await attempt(
          sql,
          { role: "platform_admin", org_id: orgA, sub: admin!.id },
          action,
          ids,
        );
        if (asAdmin !== "allowed") wrong.push(`${action.name} as platform admin: ${asAdmin}`);
        const other = await attempt(
          sql,
          { role: "org_owner", org_id: orgB!.id, sub: ownerB!.id },
          action,
          ids,
        );
        const fine = other === "not found" ||
          // Creating something or setting the tax in one's own org touches nothing of org A.
          ["create a venue", "invite a member", "set the organisation's tax"].includes(
              action.name,
            ) && other === "allowed" ||
          // The event is on sale to the public; what is refused is the complimentary channel.
          action.name === "comp tickets" && other === "denied";
        if (!fine) wrong.push(`${action.name} as another org's owner: ${other}`);
      }
      assert.deepEqual(wrong, [], `role rules broken:\n${wrong.join("\n")}`);
    } finally {
      await sql.end();
    }
  },
});
