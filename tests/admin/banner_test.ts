// Banner upload on the event page (in memory, multipart like the browser's form): a large
// JPEG is stored scaled down to 1600 wide as WebP and served from /admin/banners/; a WebP that
// is small enough keeps its size; too small, not an image, and a role that may not edit the
// event are refused with a message.
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { inspectImage } from "../../lib/uploads.ts";
import { adminSql } from "../support/db.ts";
import type { BuyerSession } from "../pages/buyer_session.ts";
import { adminApp, DOOR, OWNER, signIn } from "./support.ts";

const app = await adminApp();
const opts = { sanitizeResources: false, sanitizeOps: false };

// A draft event of the demo organiser of its own, so other tests' banners stay as they are.
const sql = await adminSql(1);
const [org] = await sql`select id from core.orgs where slug = 'harare-sports-events'`;
const eventId = await sql.begin(async (tx) => {
  await tx`select set_config('request.jwt.claims', ${
    JSON.stringify({ role: "platform_admin", org_id: org!.id })
  }, true)`;
  const [v] =
    await tx`select v.id from core.layout_versions v join core.layouts l on l.id = v.layout_id
    join core.venues x on x.id = l.venue_id
    where x.name = 'National Sports Stadium' and v.status = 'published' limit 1`;
  const [e] = await tx`select api.create_event(layout_version_id => ${v!.id},
    name => ${`Banner Night ${crypto.randomUUID().slice(0, 6)}`},
    starts_at => now() + interval '50 days') as id`;
  return e!.id as string;
});
await sql.end();

/** Posts the banner form with `bytes` as the file; returns the flash of the redirect. */
async function upload(s: BuyerSession, bytes: Uint8Array, name: string) {
  await s.get(`/admin/events/${eventId}`);
  const form = new FormData();
  form.set("_csrf", s.csrf);
  form.set("action", "banner");
  form.set("banner", new File([bytes as BlobPart], name));
  const r = await app.handler(
    new Request(`http://localhost/admin/events/${eventId}`, {
      method: "POST",
      body: form,
      headers: { cookie: [...s.cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    }),
  );
  assert.equal(r.status, 303);
  const q = new URL(r.headers.get("location")!, "http://x").searchParams;
  return { ok: q.get("ok"), error: q.get("error") };
}

async function bannerUrl(): Promise<string> {
  const db = await adminSql(1);
  try {
    const [e] = await db`select banner_url from core.events where id = ${eventId}`;
    return e!.banner_url;
  } finally {
    await db.end();
  }
}

function picture(width: number, height: number): Image {
  const img = new Image(width, height);
  img.fill(0x1d4ed8ff);
  img.drawBox(width / 4, height / 4, width / 2, height / 2, 0xf59e0bff);
  return img;
}

Deno.test({
  name: "a large JPEG banner is stored as a 1600-wide WebP and served",
  ...opts,
  fn: async () => {
    const owner = await signIn(app, OWNER);
    const jpeg = await picture(3000, 1125).encodeJPEG(85);
    const r = await upload(owner, jpeg, "stadium.jpg");
    assert.equal(r.ok, "Banner uploaded", r.error ?? "");
    const url = await bannerUrl();
    assert.match(url, /^\/admin\/banners\/[0-9a-f]{32}-1600x600\.webp$/);
    const served = await app.handler(new Request(`http://localhost${url}`));
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("content-type"), "image/webp");
    const bytes = new Uint8Array(await served.arrayBuffer());
    assert.deepEqual(inspectImage(bytes), {
      type: "image/webp",
      ext: "webp",
      width: 1600,
      height: 600,
    });
    assert.ok(bytes.length < jpeg.length, `${bytes.length} bytes stored of ${jpeg.length}`);
    // The event page shows it with its size.
    const html = await (await owner.get(`/admin/events/${eventId}`)).text();
    assert.ok(html.includes(url));
  },
});

Deno.test({
  name: "a WebP within the limits keeps its size; too small or not an image is refused",
  ...opts,
  fn: async () => {
    const owner = await signIn(app, OWNER);
    const webp = await picture(1000, 400).encodeWEBP(80);
    assert.equal((await upload(owner, webp, "b.webp")).ok, "Banner uploaded");
    assert.match(await bannerUrl(), /-1000x400\.webp$/);
    const before = await bannerUrl();
    const small = await picture(300, 100).encode();
    assert.equal(
      (await upload(owner, small, "small.png")).error,
      "The image is 300 pixels wide; a banner needs at least 600",
    );
    assert.equal(
      (await upload(owner, new TextEncoder().encode("<svg/>"), "x.svg")).error,
      "Upload a JPEG, PNG or WebP image",
    );
    assert.equal(await bannerUrl(), before, "refused uploads change nothing");
  },
});

Deno.test({
  name: "door staff may not change the banner",
  ...opts,
  fn: async () => {
    const door = await signIn(app, DOOR);
    const before = await bannerUrl();
    const r = await upload(door, await picture(1200, 400).encodeJPEG(80), "d.jpg");
    assert.match(r.error ?? "", /Your role door_staff may not/);
    assert.equal(await bannerUrl(), before);
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
