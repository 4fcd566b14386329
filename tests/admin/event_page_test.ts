// The event page's series and promo code forms (in memory over the seeded test database):
// adding dates makes draft events of the same series, listed on every date's page; promo codes
// made one by one or in bulk (by a promoter) show their uses, paid orders and discount given
// once a buyer uses one, and can be switched off.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, OWNER, signIn } from "./support.ts";
import { demoEvent, markPaid } from "./live_support.ts";

const app = await adminApp();
const opts = { sanitizeResources: false, sanitizeOps: false };
const tag = crypto.randomUUID().slice(0, 6).toUpperCase();
const flash = (r: Response) => {
  const q = new URL(r.headers.get("location") ?? "", "http://x").searchParams;
  return { ok: q.get("ok"), error: q.get("error"), codes: q.get("codes") };
};
/** The page's text without tags, spaces squeezed. */
const plain = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

/** A draft event of the demo org on the National Sports Stadium's published layout. */
async function draftStadiumEvent(name: string, inDays: number): Promise<string> {
  const sql = await adminSql(1);
  try {
    const [org] = await sql`select id from core.orgs where slug = 'harare-sports-events'`;
    return await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org!.id })
      }, true)`;
      const [v] = await tx`select v.id from core.layout_versions v
        join core.layouts l on l.id = v.layout_id join core.venues x on x.id = l.venue_id
        where x.name = 'National Sports Stadium' and v.status = 'published' limit 1`;
      const [e] = await tx`select api.create_event(layout_version_id => ${v!.id},
        name => ${name}, starts_at => now() + make_interval(days => ${inDays})) as id`;
      return e!.id as string;
    });
  } finally {
    await sql.end();
  }
}

Deno.test({
  name: "dates added to an event become draft events of one series, listed on each",
  ...opts,
  fn: async () => {
    const first = await draftStadiumEvent(`Series Night ${tag}`, 20);
    const owner = await signIn(app, OWNER);
    const path = `/admin/events/${first}`;
    assert.match(await (await owner.get(path)).text(), /A single date\./);
    const day = (n: number) => new Date(Date.now() + n * 86400_000).toISOString().slice(0, 10);
    for (const n of [27, 34]) {
      const r = await owner.post(path, {
        _csrf: owner.csrf,
        action: "add_date",
        starts_at: `${day(n)}T19:30`,
      });
      assert.equal(flash(r).ok, "Date added as a new draft event in the series", flash(r).error!);
    }
    const past = await owner.post(path, {
      _csrf: owner.csrf,
      action: "add_date",
      starts_at: "2020-05-01T19:30",
    });
    assert.match(flash(past).error ?? "", /must be in the future/);

    const html = await (await owner.get(path)).text();
    const links = [...html.matchAll(/href="\/admin\/events\/([0-9a-f-]{36})"[^>]*>[^<]*19:30/g)]
      .map((m) => m[1]);
    assert.equal(links.length, 2, "both new dates listed with their 19:30 start");
    // The other dates list the same series, the first date included.
    const other = await (await owner.get(`/admin/events/${links[1]}`)).text();
    assert.ok(other.includes(`href="/admin/events/${first}"`));
    assert.ok(plain(other).includes("draft"));
  },
});

Deno.test({
  name: "prices: ticket type per zone, price change, quota, fees, price rule and group discount",
  ...opts,
  fn: async () => {
    const id = await draftStadiumEvent(`Price Night ${tag}`, 25);
    const manager = await signIn(app, "rudo.chikwanha@hse.co.zw");
    const path = `/admin/events/${id}`;
    await manager.get(path);
    const post = async (fields: Record<string, string> | [string, string][]) => {
      const list = Array.isArray(fields) ? fields : Object.entries(fields);
      return flash(await manager.post(path, [["_csrf", manager.csrf], ...list]));
    };
    const zones = ["VIP", "Covered Stand", "Ends", "Open Stand"];
    let r = await post([
      ["action", "ticket_type"],
      ["name", "Adult"],
      ["max_per_order", "6"],
      ...zones.map((z, i) => [`price:${z}`, String(10 + i * 5)] as [string, string]),
    ]);
    assert.equal(r.ok, "Ticket type added", r.error!);
    let html = await (await manager.get(path)).text();
    const tt = /<option value="([0-9a-f-]{36})"[^>]*>Adult<\/option>/.exec(html)![1]!;
    assert.match(plain(html), /Adult VIP: US\$10\.00 Covered Stand: US\$15\.00 Ends: US\$20\.00/);
    r = await post({ action: "set_price", ticket_type_id: tt, zone: "Ends", price: "18.50" });
    assert.equal(r.ok, "Price changed", r.error!);
    r = await post({ action: "set_price", ticket_type_id: tt, zone: "Ends", price: "-1" });
    assert.ok(r.error, "a negative price is refused with a message");
    r = await post([
      ["action", "quota"],
      ["name", "Early adults"],
      ["capacity", "250"],
      ["ticket_type_ids", tt],
    ]);
    assert.equal(r.ok, "Quota created", r.error!);
    r = await post({ action: "fees", per_ticket: "0.50", per_order: "1.00" });
    assert.equal(r.ok, "Fees saved", r.error!);
    r = await post({
      action: "rule",
      name: "Late surge",
      adjust_percent: "10",
      sold_percent: "80",
    });
    assert.equal(r.ok, "Price rule added", r.error!);
    r = await post({ action: "group", min_quantity: "8", percent: "5" });
    assert.equal(r.ok, "Group discount added", r.error!);
    r = await post({ action: "group", min_quantity: "1", percent: "500" });
    assert.ok(r.error, "a 500 % group discount is refused with a message");
    html = plain(await (await manager.get(path)).text());
    assert.match(html, /Ends: US\$18\.50/);
    assert.match(html, /Early adults: 0 sold of 250 \(Adult\)/);
    assert.match(html, /Booking fee: US\$0\.50 per ticket, US\$1\.00 per order/);
    assert.match(html, /Late surge: \+ ?10 % once 80 % sold/);
    assert.match(html, /Groups of 8\+: 5 % off/);
  },
});

Deno.test({
  name: "promo codes: made one by one and in bulk, usage stats after a paid order, switched off",
  ...opts,
  fn: async () => {
    const event = await demoEvent();
    const sql = await adminSql(1);
    const email = `promoter-${tag.toLowerCase()}@example.com`;
    try {
      await sql`insert into core.users (email, display_name, password_hash)
        values (${email}, 'Pat Promoter', crypt('promoter-pass-1', gen_salt('bf', 4)))`;
      await sql`insert into core.memberships (org_id, user_id, role)
        select ${event.orgId}, id, 'promoter' from core.users where email = ${email}`;
    } finally {
      await sql.end();
    }
    const promoter = await signIn(app, email, "promoter-pass-1");
    const path = `/admin/events/${event.id}`;
    await promoter.get(path);
    const code = `FANS${tag}`;
    const made = await promoter.post(path, {
      _csrf: promoter.csrf,
      action: "promo",
      code,
      kind: "percent",
      value: "10",
      max_uses: "5",
    });
    assert.equal(flash(made).ok, "Promo code created", flash(made).error!);
    const bad = await promoter.post(path, {
      _csrf: promoter.csrf,
      action: "promo",
      code: "no spaces allowed",
      kind: "percent",
      value: "10",
    });
    assert.ok(flash(bad).error, "a malformed code is refused with a message");

    const bulk = await promoter.post(path, {
      _csrf: promoter.csrf,
      action: "promo_bulk",
      prefix: `B${tag}`,
      count: "3",
      kind: "fixed",
      value: "1.50",
      max_uses: "1",
    });
    assert.equal(flash(bulk).ok, "3 codes generated", flash(bulk).error!);
    const codes = flash(bulk).codes!.split(",");
    assert.equal(codes.length, 3);
    const afterBulk = await (await promoter.get(`${path}?codes=${codes.join(",")}`)).text();
    for (const c of codes) assert.ok(afterBulk.includes(c), c);

    // A buyer uses the code: two Adult tickets at US$3.00, 10 % off each.
    const hold = await rpc<{ token: string }>("hold_tickets", {
      event_id: event.id,
      items: [{ ticket_type_id: event.adultId, quantity: 2, section_id: event.sectionId }],
      session_id: `s_promo-${tag.toLowerCase()}-0000000000`,
    });
    const order = await rpc<{ id: string }>("create_order", {
      hold_token: hold.token,
      buyer_email: `promo-${tag.toLowerCase()}@example.com`,
      buyer_name: "Promo Buyer",
      attendees: ["Promo Buyer", "Promo Friend"],
      promo_code: code.toLowerCase(),
    });
    await markPaid(event, order.id);

    const row = (html: string) => {
      const at = html.indexOf(`>${code}`);
      assert.ok(at > 0, "the code is listed");
      return plain(html.slice(html.lastIndexOf("<tr", at), html.indexOf("</tr>", at)));
    };
    const stats = row(await (await promoter.get(path)).text());
    // Code, 10 %, used 1 of 5, 1 paid order, US$0.60 given.
    assert.match(stats, /10 % 1 \/ 5 1 US\$0\.60/);

    const listed = await (await promoter.get(path)).text();
    const id = /name="promo_code_id" value="([0-9a-f-]{36})"/.exec(
      listed.slice(listed.indexOf(`>${code}`)),
    )![1];
    const off = await promoter.post(path, {
      _csrf: promoter.csrf,
      action: "promo_active",
      promo_code_id: id!,
      active: "no",
    });
    assert.equal(flash(off).ok, "Promo code updated", flash(off).error!);
    assert.match(row(await (await promoter.get(path)).text()), /off/);
    const refused = await rpc<{ token: string }>("hold_tickets", {
      event_id: event.id,
      items: [{ ticket_type_id: event.adultId, quantity: 1, section_id: event.sectionId }],
      session_id: `s_promo-${tag.toLowerCase()}-0000000001`,
    });
    await assert.rejects(
      rpc("create_order", {
        hold_token: refused.token,
        buyer_email: `promo2-${tag.toLowerCase()}@example.com`,
        buyer_name: "Late Buyer",
        attendees: ["Late Buyer"],
        promo_code: code,
      }),
      /promo|code/i,
      "a switched-off code no longer gives a discount",
    );
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
