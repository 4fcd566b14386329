// What the admin pages show each role (in memory over the seeded test database): the event,
// order and check-in pages offer only the actions the role's SQL permissions allow (the SQL
// refusing them is tests/admin/roles_test.ts); order search by phone and the audit log's
// filters through the pages.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, BOX_OFFICE, DOOR, OWNER, signIn } from "./support.ts";
import { demoEvent, markPaid } from "./live_support.ts";

const app = await adminApp();
const opts = { sanitizeResources: false, sanitizeOps: false };
const tag = crypto.randomUUID().slice(0, 8);
const PASSWORD = "role-pages-pass-1";
const email = (role: string) => `pages-${role}-${tag}@example.com`;

// Members of the demo organiser with the roles the demo has no user for, a gate, and a paid
// order of a buyer known by phone.
const event = await demoEvent();
const sql = await adminSql(1);
for (const role of ["finance", "read_only", "promoter"]) {
  await sql`insert into core.users (email, display_name, password_hash)
    values (${email(role)}, ${role}, crypt(${PASSWORD}, gen_salt('bf', 4)))`;
  await sql`insert into core.memberships (org_id, user_id, role)
    select ${event.orgId}, id, ${role} from core.users where email = ${email(role)}`;
}
await sql.begin(async (tx) => {
  await tx`select set_config('request.jwt.claims', ${
    JSON.stringify({ role: "platform_admin", org_id: event.orgId })
  }, true)`;
  await tx`select api.save_gate(${event.id}, ${`Pages gate ${tag}`})`;
});
await sql.end();
const phone = `+263 77 ${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
const hold = await rpc<{ token: string }>("hold_tickets", {
  event_id: event.id,
  items: [{ ticket_type_id: event.adultId, quantity: 2, section_id: event.sectionId }],
  session_id: `s_pages-${tag}-0000000000`,
});
const order = await rpc<{ id: string; code: string }>("create_order", {
  hold_token: hold.token,
  buyer_phone: phone,
  buyer_name: "Phone Buyer",
  attendees: ["Phone Buyer", "Second Guest"],
});
await markPaid(event, order.id);

/** Which of `labels` the page at `path` shows (as button or link text). */
async function shown(who: string, path: string, labels: string[], password?: string) {
  const s = await signIn(app, who, password);
  const r = await s.get(path);
  assert.equal(r.status, 200, `${who} ${path}`);
  const html = await r.text();
  const escape = (l: string) => l.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return labels.filter((l) => new RegExp(`>\\s*${escape(l)}\\s*</(button|a)>`).test(html));
}

const EVENT_ACTIONS = [
  "Orders",
  "Check-in",
  "Issue comp tickets",
  "Unpublish…",
  "Cancel event…",
  "Save details",
  "Upload banner",
  "Add ticket type",
  "Change price",
  "Add quota",
  "Save fees",
  "Create code",
  "Generate codes",
  "Add date",
];

Deno.test({
  name: "the event page offers each role only what it may do",
  ...opts,
  fn: async () => {
    const path = `/admin/events/${event.id}`;
    assert.deepEqual(await shown(OWNER, path, EVENT_ACTIONS), EVENT_ACTIONS);
    assert.deepEqual(await shown(email("finance"), path, EVENT_ACTIONS, PASSWORD), ["Orders"]);
    assert.deepEqual(await shown(email("read_only"), path, EVENT_ACTIONS, PASSWORD), ["Orders"]);
    assert.deepEqual(await shown(email("promoter"), path, EVENT_ACTIONS, PASSWORD), [
      "Create code",
      "Generate codes",
    ]);
    assert.deepEqual(await shown(BOX_OFFICE, path, EVENT_ACTIONS), ["Orders"]);
    assert.deepEqual(await shown(DOOR, path, EVENT_ACTIONS), ["Check-in"]);
  },
});

Deno.test({
  name: "the order page offers resend, cancel and refund only to roles that may",
  ...opts,
  fn: async () => {
    const path = `/admin/orders/${order.id}`;
    const actions = ["Resend tickets…", "Cancel order…", "Refund…", "Save"];
    assert.deepEqual(await shown(OWNER, path, actions), actions);
    assert.deepEqual(await shown(email("finance"), path, actions, PASSWORD), actions);
    // Box office manage orders but a paid order is cancelled with its money (refund).
    assert.deepEqual(await shown(BOX_OFFICE, path, actions), ["Resend tickets…", "Save"]);
    assert.deepEqual(await shown(email("read_only"), path, actions, PASSWORD), []);
    const promoter = await signIn(app, email("promoter"), PASSWORD);
    assert.equal((await promoter.get(path)).status, 403);
  },
});

Deno.test({
  name: "the orders list offers CSV export and the venues page its forms only to roles that may",
  ...opts,
  fn: async () => {
    const exportCsv = ["Export CSV"];
    assert.deepEqual(await shown(OWNER, "/admin/orders", exportCsv), exportCsv);
    assert.deepEqual(
      await shown(email("finance"), "/admin/orders", exportCsv, PASSWORD),
      exportCsv,
    );
    assert.deepEqual(await shown(BOX_OFFICE, "/admin/orders", exportCsv), []);
    assert.deepEqual(await shown(email("read_only"), "/admin/orders", exportCsv, PASSWORD), []);
    const venueForms = ["Create venue", "Create layout", "Copy v1 to a draft"];
    assert.deepEqual(await shown(OWNER, "/admin/venues", venueForms), venueForms);
    for (const [who, password] of [[email("finance"), PASSWORD], [DOOR, undefined]] as const) {
      assert.deepEqual(await shown(who, "/admin/venues", venueForms, password), [], who);
    }
  },
});

Deno.test({
  name: "the CSV export of an event has one line per attendee of each order",
  ...opts,
  fn: async () => {
    const s = await signIn(app, email("finance"), PASSWORD);
    const r = await s.get(`/admin/orders/export?event=${event.id}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-disposition") ?? "", /attachment; filename="?orders-/);
    const lines = (await r.text()).replace(/^\uFEFF/, "").trimEnd().split("\r\n");
    const header = lines[0]!.split(",");
    const ours = lines.filter((l) => l.startsWith(`${order.code},`)).map((l) => l.split(","));
    assert.equal(ours.length, 2, "two admissions, two lines");
    const col = (name: string) => header.indexOf(name);
    assert.deepEqual(ours.map((l) => l[col("attendee_name")]).sort(), [
      "Phone Buyer",
      "Second Guest",
    ]);
    for (const l of ours) {
      assert.equal(l[col("status")], "paid");
      // Stored as E.164; a leading + is quoted so spreadsheets do not read it as a formula.
      assert.equal(l[col("buyer_phone")], `'+${phone.replace(/\D/g, "")}`);
      assert.equal(l[col("ticket_type")], "Adult");
      assert.equal(l[col("ticket_status")], "valid");
    }
  },
});

Deno.test({
  name: "door staff pair scanners on the check-in page but do not edit gates or lists",
  ...opts,
  fn: async () => {
    const path = `/admin/events/${event.id}/check-in`;
    const actions = ["Add gate", "Save list", "Create pairing code"];
    assert.deepEqual(await shown(OWNER, path, actions), actions);
    assert.deepEqual(await shown(DOOR, path, actions), ["Create pairing code"]);
    const door = await signIn(app, DOOR);
    await door.get(path);
    const r = await door.post(path, { _csrf: door.csrf, action: "add_gate", name: "Sneaky" });
    assert.equal(r.status, 303);
    const error = new URL(r.headers.get("location") ?? "", "http://x").searchParams.get("error");
    assert.match(error ?? "", /Your role door_staff may not/);
    const finance = await signIn(app, email("finance"), PASSWORD);
    assert.equal((await finance.get(path)).status, 403);
    // The device list: a scanner paired now is online; one not heard from for 10 minutes is not.
    const device = `Pages phone ${tag}`;
    const db = await adminSql(1);
    try {
      await db.begin(async (tx) => {
        await tx`select set_config('request.jwt.claims', ${
          JSON.stringify({ role: "platform_admin", org_id: event.orgId })
        }, true)`;
        const [gate] = await tx`select id from core.gates where event_id = ${event.id} limit 1`;
        const [p] = await tx`select api.create_pairing_code(${event.id}, ${
          gate!.id
        }) ->> 'code' as code`;
        await tx`select api.pair_device(${p!.code}, ${device})`;
      });
      const status = async () => {
        const html = await (await door.get(path)).text();
        const row = html.slice(html.indexOf(`>${device}<`));
        return /data-device-status[^>]*>(?:<[^>]+>)*([a-z]+)/.exec(row)?.[1];
      };
      assert.equal(await status(), "online");
      await db`update core.scan_devices set last_seen_at = now() - interval '10 minutes'
        where name = ${device}`;
      assert.equal(await status(), "offline");
    } finally {
      await db.end();
    }
  },
});

Deno.test({
  name: "orders are found by the buyer's phone in any spacing",
  ...opts,
  fn: async () => {
    const s = await signIn(app, BOX_OFFICE);
    const printed = `${order.code.slice(0, 4)}-${order.code.slice(4)}`;
    for (const q of [phone, phone.replaceAll(" ", ""), "0" + phone.slice(5)]) {
      const html = await (await s.get(`/admin/orders?q=${encodeURIComponent(q)}`)).text();
      assert.ok(html.includes(printed), `found by ${q}`);
    }
    const none = await (await s.get(`/admin/orders?q=${encodeURIComponent("+1 555 000")}`))
      .text();
    assert.ok(!none.includes(printed));
  },
});

Deno.test({
  name: "the audit log filters by action, actor, entity and dates; a reversed range is a 400",
  ...opts,
  fn: async () => {
    const s = await signIn(app, email("read_only"), PASSWORD);
    const get = async (query: string) => {
      const r = await s.get(`/admin/audit?${query}`);
      return { status: r.status, html: await r.text() };
    };
    const link = `/admin/orders/${order.id}`;
    let r = await get(`entity=order&entity_id=${order.id}`);
    assert.ok(r.html.includes("order.paid") && r.html.includes(link), "the order's entries");
    r = await get(`action=order.paid&entity_id=${order.id}`);
    assert.ok(r.html.includes("order.paid") && !r.html.includes(">order.created<"));
    r = await get(`action=member.&entity_id=${order.id}`);
    assert.ok(!r.html.includes(link), "another action prefix hides them");
    r = await get(`actor=org_owner&entity_id=${order.id}`);
    assert.ok(r.html.includes("order.paid"), "marked paid by an org owner");
    r = await get(`actor=door_staff&entity_id=${order.id}`);
    assert.ok(!r.html.includes(link));
    const today = new Date(Date.now() + 2 * 3600_000).toISOString().slice(0, 10);
    r = await get(`from=${today}&to=${today}&entity_id=${order.id}`);
    assert.ok(r.html.includes(link), "today's entries (Harare dates)");
    r = await get(`from=2020-01-01&to=2020-01-31&entity_id=${order.id}`);
    assert.ok(!r.html.includes(link), "nothing in 2020");
    r = await get(`from=2026-02-01&to=2026-01-01`);
    assert.equal(r.status, 400);
    assert.match(r.html, /The end date .* is before the start date/);
  },
});

Deno.test({
  name: "close",
  ...opts,
  fn: async () => {
    await closeKv();
    await closeDb();
  },
});
