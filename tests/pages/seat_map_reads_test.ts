// The seat map's shared reads (/seatmap/<section>/seats and /status, lib/seat_map.ts): the
// seats without statuses, cacheable; the statuses fresh within a second; bad ids refused.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { testApp } from "../support/app.ts";

const app = await testApp();
const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
const event = await rpc<{ id: string }>("event_by_slug", { slug: card!.slug });
const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
  event_id: event.id,
});
const vip = sections.find((s) => s.name === "VIP")!;
const openStand = sections.find((s) => s.name === "Open Stand")!;
const get = (path: string) => app.handler(new Request(`http://localhost${path}`));

Deno.test("the seats come once and cacheable, without statuses; the statuses match the engine's", async () => {
  const res = await get(`/seatmap/${vip.id}/seats`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("cache-control") ?? "", /public, max-age=300/);
  assert.equal(res.headers.get("set-cookie"), null, "no session cookie on a shared answer");
  const seats = await res.json();
  assert.equal(seats.status, undefined);
  const full = await rpc<{ ids: number[]; status: string }>("section_seats", {
    event_section_id: vip.id,
  });
  assert.deepEqual(seats.ids, full.ids);

  const statusRes = await get(`/seatmap/${vip.id}/status`);
  assert.equal(statusRes.headers.get("cache-control"), "no-store");
  const { status } = await statusRes.json();
  assert.equal(status.length, full.ids.length, "one character per seat");
  assert.equal(status, full.status);
});

Deno.test("buyers looking at a section within a second share one database answer", async () => {
  await new Promise((r) => setTimeout(r, 1_100)); // nothing cached from the tests before
  const read = async () => (await (await get(`/seatmap/${vip.id}/status`)).json()).at as string;
  const [a, b, c] = await Promise.all([read(), read(), read()]);
  assert.equal(a, b, "the same answer (api.section_status's 'at' is its transaction's time)");
  assert.equal(b, c);
  await new Promise((r) => setTimeout(r, 1_100));
  assert.notEqual(await read(), a, "a second later, a new read");
});

Deno.test("a seat taken shows in the statuses within a second", async () => {
  await (await get(`/seatmap/${vip.id}/status`)).arrayBuffer(); // cached now
  const full = await rpc<{ ids: number[]; status: string }>("section_seats", {
    event_section_id: vip.id,
  });
  const i = full.status.lastIndexOf("f");
  const hold = await rpc<{ token: string }>("hold_seats", {
    event_id: event.id,
    seat_ids: [full.ids[i]],
    session_id: "sess-seatmap-reads-1",
  });
  try {
    await new Promise((r) => setTimeout(r, 1_100));
    const { status } = await (await get(`/seatmap/${vip.id}/status`)).json();
    assert.equal(status[i], "h", "the held seat");
  } finally {
    await rpc("release_hold", { hold_token: hold.token, session_id: "sess-seatmap-reads-1" });
  }
});

Deno.test("bad section ids get a clear 4xx", async () => {
  const bad = await get(`/seatmap/not-a-section/status`);
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /is not a section id/);
  const unknown = await get(`/seatmap/${crypto.randomUUID()}/seats`);
  assert.equal(unknown.status, 404);
  assert.match((await unknown.json()).message, /not found/);
  const standing = await get(`/seatmap/${openStand.id}/status`);
  assert.equal(standing.status, 422);
  assert.match((await standing.json()).message, /standing/);
});

Deno.test({
  name: "close",
  fn: closeDb,
  sanitizeOps: false,
  sanitizeResources: false,
});
