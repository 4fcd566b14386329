// /admin in memory over the seeded test database: sign-in, rate limit, CSRF, password set via
// the outbox token, role enforcement per page and across orgs, CSV export.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { buyerSession } from "../pages/buyer_session.ts";
import { adminSql } from "../support/db.ts";
import { adminApp, BOX_OFFICE, DOOR, MANAGER, OWNER, PLATFORM_ADMIN, signIn } from "./support.ts";
import { csvCell } from "../../lib/csv.ts";
import { inspectImage } from "../../lib/uploads.ts";

const app = await adminApp();
/** The flash message of a redirect's location (?ok=… or ?error=…). */
const flash = (location: string) => {
  const q = new URL(location, "http://x").searchParams;
  return `ok=${q.get("ok") ?? ""} error=${q.get("error") ?? ""}`;
};
const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "anonymous visitors are sent to the sign-in page with next",
  ...opts,
  fn: async () => {
    const s = buyerSession(app);
    const r = await s.get("/admin/orders?q=abc");
    assert.equal(r.status, 303);
    assert.equal(
      r.headers.get("location"),
      `/admin/login?next=${encodeURIComponent("/admin/orders?q=abc")}`,
    );
  },
});

Deno.test({
  name: "sign-in sets a strict HttpOnly cookie; the layout shows the role's nav",
  ...opts,
  fn: async () => {
    const s = buyerSession(app);
    await s.get("/admin/login");
    const r = await s.post("/admin/login", {
      _csrf: s.csrf,
      email: OWNER,
      password: "mutambo-demo-2026",
      next: "/admin/orders",
    });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get("location"), "/admin/orders");
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith("mutambo_admin="))!;
    assert.match(cookie, /; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const html = await (await s.get("/admin/events")).text();
    for (const label of ["Events", "Orders", "Venues", "Team", "Audit"]) {
      assert.ok(html.includes(`>${label}</a>`), label);
    }
    // Logout deletes the session: the same cookie no longer works.
    const old = s.cookies.get("mutambo_admin")!;
    assert.equal((await s.post("/admin/logout", { _csrf: s.csrf })).status, 303);
    s.cookies.set("mutambo_admin", old);
    assert.equal((await s.get("/admin/events")).status, 303);
  },
});

Deno.test({
  name: "door staff see no Orders or Audit and are refused by the SQL when they try",
  ...opts,
  fn: async () => {
    const s = await signIn(app, DOOR);
    const html = await (await s.get("/admin/events")).text();
    assert.ok(!html.includes(">Orders</a>") && !html.includes(">Audit</a>"));
    assert.ok(!html.includes("New event"));
    const orders = await s.get("/admin/orders");
    assert.equal(orders.status, 403);
    assert.match(await orders.text(), /Your role door_staff may not view orders/);
    assert.equal((await s.get("/admin/audit")).status, 403);
    assert.equal((await s.get("/admin/orders/export")).status, 403);
  },
});

Deno.test({
  name: "box office may not export or refund; the manager may export CSV",
  ...opts,
  fn: async () => {
    const box = await signIn(app, BOX_OFFICE);
    assert.equal((await box.get("/admin/orders/export")).status, 403);
    const manager = await signIn(app, MANAGER);
    const csv = await manager.get("/admin/orders/export");
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get("content-type") ?? "", /^text\/csv/);
    assert.match(await csv.text(), /^\uFEFF?code,status,channel,event_name,.*,ticket_status\r\n/);
  },
});

Deno.test({
  name: "wrong passwords: a generic message, then a rate limit that says when to retry",
  ...opts,
  fn: async () => {
    const s = buyerSession(app);
    await s.get("/admin/login");
    const email = "nobody-" + crypto.randomUUID().slice(0, 8) + "@example.com";
    for (let i = 1; i <= 5; i++) {
      const r = await s.post("/admin/login", { _csrf: s.csrf, email, password: "wrong password" });
      assert.equal(r.status, i < 5 ? 401 : 401);
      const text = await r.text();
      if (i < 5) assert.match(text, /Email or password is wrong\./);
      else assert.match(text, /Too many failed sign-ins\. Try again in 15 minutes/);
    }
    const blocked = await s.post("/admin/login", {
      _csrf: s.csrf,
      email,
      password: "mutambo-demo-2026",
    });
    assert.equal(blocked.status, 429);
    assert.match(await blocked.text(), /Try again in \d+ minutes? \(after \d\d:\d\d UTC\)/);
  },
});

Deno.test({
  name: "forms without the CSRF token are refused",
  ...opts,
  fn: async () => {
    const s = buyerSession(app);
    await s.get("/admin/login");
    const r = await s.post("/admin/login", { email: OWNER, password: "mutambo-demo-2026" });
    assert.equal(r.status, 403);
    const owner = await signIn(app, OWNER);
    const forged = await owner.post("/admin/team", {
      action: "invite",
      email: "evil@example.com",
      display_name: "Evil",
      role: "org_owner",
    });
    assert.equal(forged.status, 403);
    const wrong = await owner.post("/admin/team", {
      _csrf: "x".repeat(43),
      action: "invite",
      email: "evil@example.com",
      display_name: "Evil",
      role: "org_owner",
    });
    assert.equal(wrong.status, 403);
  },
});

Deno.test({
  name: "an invited member sets a password from the outbox token and signs in with their role",
  ...opts,
  fn: async () => {
    const owner = await signIn(app, OWNER);
    const email = `invitee-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const r = await owner.post("/admin/team", {
      _csrf: owner.csrf,
      action: "invite",
      email,
      display_name: "Invited Person",
      role: "read_only",
    });
    assert.equal(r.status, 303);
    assert.match(flash(r.headers.get("location") ?? ""), /Invitation sent/);
    const sql = await adminSql(1);
    try {
      const [row] =
        await sql`select payload ->> 'token' as token from core.outbox where topic = 'users__send_invite' and payload ->> 'email' = ${email}`;
      const s = buyerSession(app);
      await s.get(`/admin/password/reset?token=${row!.token}`);
      const short = await s.post("/admin/password/reset", {
        _csrf: s.csrf,
        token: row!.token,
        password: "short",
        confirm: "short",
      });
      assert.equal(short.status, 400);
      assert.match(await short.text(), /at least 10 characters/);
      const ok = await s.post("/admin/password/reset", {
        _csrf: s.csrf,
        token: row!.token,
        password: "invited-password-1",
        confirm: "invited-password-1",
      });
      assert.equal(ok.status, 303);
      const again = await s.post("/admin/password/reset", {
        _csrf: s.csrf,
        token: row!.token,
        password: "invited-password-2",
        confirm: "invited-password-2",
      });
      assert.equal(again.status, 404);
      const member = await signIn(app, email, "invited-password-1");
      const team = await (await member.get("/admin/team")).text();
      assert.ok(!team.includes("Invite</button>"), "read-only sees no invite form");
      const refused = await member.post("/admin/team", {
        _csrf: member.csrf,
        action: "invite",
        email: "x@example.com",
        display_name: "X",
        role: "org_owner",
      });
      assert.match(
        flash(refused.headers.get("location") ?? ""),
        /Only the organisation's owner can manage the team/,
      );
      // Removing the member signs them out on their next request.
      const [u] = await sql`select id from core.users where email = ${email}`;
      await owner.get("/admin/team");
      await owner.post("/admin/team", {
        _csrf: owner.csrf,
        action: "remove",
        user_id: u!.id,
        confirmed: "yes",
      });
      const after = await member.get("/admin/events");
      assert.equal(after.status, 303);
      assert.match(after.headers.get("location") ?? "", /expired=1/);
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "password reset by the forgot form writes the outbox row; the link resets once",
  ...opts,
  fn: async () => {
    const sql = await adminSql(1);
    try {
      const email = `reset-${crypto.randomUUID().slice(0, 8)}@example.com`;
      await sql`insert into core.users (email, display_name) values (${email}, 'Reset Person')`;
      await sql`insert into core.memberships (org_id, user_id, role) select o.id, u.id, 'finance' from core.orgs o, core.users u where u.email = ${email} and o.slug = 'harare-sports-events'`;
      const s = buyerSession(app);
      await s.get("/admin/password/forgot");
      const r = await s.post("/admin/password/forgot", { _csrf: s.csrf, email });
      assert.match(await r.text(), /If that address has an account/);
      const [row] =
        await sql`select payload ->> 'token' as token from core.outbox where topic = 'users__send_password_reset' and payload ->> 'email' = ${email}`;
      await s.get(`/admin/password/reset?token=${row!.token}`);
      assert.equal(
        (await s.post("/admin/password/reset", {
          _csrf: s.csrf,
          token: row!.token,
          password: "finance-pass-1",
          confirm: "finance-pass-1",
        })).status,
        303,
      );
      await signIn(app, email, "finance-pass-1");
    } finally {
      await sql.end();
    }
  },
});

Deno.test({
  name: "another org's event and order are not found; a platform admin can switch org",
  ...opts,
  fn: async () => {
    const sql = await adminSql(1);
    try {
      const [other] =
        await sql`select e.id from core.events e join core.orgs o on o.id = e.org_id where o.slug = 'harare-sports-events' limit 1`;
      // A second org with nothing of its own: its owner must not see the first org's event.
      const slug = `other-${crypto.randomUUID().slice(0, 8)}`;
      const email = `${slug}@example.com`;
      await sql`insert into core.orgs (name, slug) values ('Other Org', ${slug})`;
      await sql`insert into core.users (email, display_name, password_hash) values (${email}, 'Other Owner', crypt('other-owner-pass', gen_salt('bf', 4)))`;
      await sql`insert into core.memberships (org_id, user_id, role) select o.id, u.id, 'org_owner' from core.orgs o, core.users u where o.slug = ${slug} and u.email = ${email}`;
      const s = await signIn(app, email, "other-owner-pass");
      assert.equal((await s.get(`/admin/events/${other!.id}`)).status, 404);
      const post = await s.post(`/admin/events/${other!.id}`, {
        _csrf: s.csrf,
        action: "status",
        which: "cancel",
        confirmed: "yes",
      });
      assert.match(flash(post.headers.get("location") ?? ""), /error=.*not found/i);
      const admin = await signIn(app, PLATFORM_ADMIN);
      const html = await (await admin.get("/admin/events")).text();
      assert.ok(html.includes('name="org_id"'), "the org switcher is shown");
      const [org] = await sql`select id from core.orgs where slug = ${slug}`;
      assert.equal(
        (await admin.post("/admin/switch-org", { _csrf: admin.csrf, org_id: org!.id })).status,
        303,
      );
      assert.match(await (await admin.get("/admin/events")).text(), /No events yet/);
    } finally {
      await sql.end();
    }
  },
});

Deno.test("CSV cells are quoted and formula-safe; images are recognised by magic bytes", () => {
  assert.equal(csvCell('Say "hi", ok'), '"Say ""hi"", ok"');
  assert.equal(csvCell("line\nbreak"), '"line\nbreak"');
  assert.equal(csvCell("=SUM(A1)"), "'=SUM(A1)");
  assert.equal(csvCell(-12), "-12");
  assert.equal(csvCell(null), "");
  const png = new Uint8Array(33);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(png.buffer).setUint32(16, 1200);
  new DataView(png.buffer).setUint32(20, 400);
  assert.deepEqual(inspectImage(png), { type: "image/png", ext: "png", width: 1200, height: 400 });
  assert.equal(
    inspectImage(new TextEncoder().encode("<svg></svg>")),
    "Upload a JPEG, PNG or WebP image",
  );
  assert.match(String(inspectImage(new Uint8Array(2 * 1024 * 1024 + 1))), /limit is 2 MB/);
});

Deno.test({
  name: "close",
  ...opts,
  fn: async () => {
    await closeKv();
    await closeDb();
  },
});
