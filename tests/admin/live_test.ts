// The live dashboard's SSE stream over real HTTP and real Postgres: a signed-in owner opens
// /admin/events/<id>/live/stream, a sale is made through the API functions, and a `stats`
// message with the higher ticket count arrives (NOTIFY -> LISTEN -> coalesce -> stats query).
// A scan at a gate likewise (people inside, check-ins per gate per minute).
// Also: the page renders, door staff (no view_orders) get no money, another org's event is 404.
import assert from "node:assert/strict";
import { closeDb } from "../../lib/db.ts";
import { closeKv } from "../../lib/admin_session.ts";
import { stopLive } from "../../lib/live.ts";
import { adminApp, DOOR, OWNER, signIn } from "./support.ts";
import { demoEvent, markPaid, pendingOrder } from "./live_support.ts";
import type { StreamMessage } from "../../lib/dashboard/types.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { adminSql } from "../support/db.ts";
import { pairDevice } from "../scan/fixture.ts";

/** Reads SSE `stats` messages from a fetch response until `until` accepts one. */
async function nextStats(
  reader: ReadableStreamDefaultReader<string>,
  buffer: { text: string },
  until: (m: StreamMessage) => boolean,
  timeoutMs = 5000,
): Promise<StreamMessage> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let end: number;
    while ((end = buffer.text.indexOf("\n\n")) >= 0) {
      const block = buffer.text.slice(0, end);
      buffer.text = buffer.text.slice(end + 2);
      if (!block.includes("event: stats")) continue;
      const data = block.split("\n").find((l) => l.startsWith("data: "))!.slice(6);
      const message = JSON.parse(data) as StreamMessage;
      if (until(message)) return message;
    }
    const chunk = await Promise.race([
      reader.read(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("No stats message in time")), deadline - Date.now())
      ),
    ]);
    if (chunk.done) throw new Error("Stream ended");
    buffer.text += chunk.value;
  }
  throw new Error("No stats message in time");
}

Deno.test({
  name: "live dashboard: page, stream delivers a sale over real HTTP, roles and orgs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const app = await adminApp();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.handler);
    const base = `http://127.0.0.1:${server.addr.port}`;
    try {
      const event = await demoEvent();
      const owner = await signIn(app, OWNER);
      const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join("; ");

      await t.step("the page renders the island with the first stats", async () => {
        const res = await fetch(`${base}/admin/events/${event.id}/live`, { headers: { cookie } });
        assert.equal(res.status, 200);
        const html = await res.text();
        assert.match(html, /Tickets sold per minute/);
        assert.match(html, /frsh:island:LiveDashboard/);
        assert.match(html, /Open Stand/);
      });

      let orderId = "";
      await t.step("a sale arrives on the stream within a second", async () => {
        orderId = await pendingOrder(event, 2);
        const res = await fetch(`${base}/admin/events/${event.id}/live/stream`, {
          headers: { cookie, accept: "text/event-stream" },
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const buffer = { text: "" };
        const first = await nextStats(reader, buffer, () => true);
        assert.deepEqual(first.kinds, []);
        const before = first.stats.totals.tickets;
        const started = performance.now();
        await markPaid(event, orderId);
        const after = await nextStats(reader, buffer, (m) => m.stats.totals.tickets >= before + 2);
        const ms = performance.now() - started;
        assert.ok(
          after.kinds.includes("sale") || after.kinds.includes("seats"),
          after.kinds.join(),
        );
        assert.ok(ms < 1000, `update took ${ms.toFixed(0)} ms`);
        assert.ok(after.stats.revenue!.length >= 1);
        console.log(`sale -> SSE stats message: ${ms.toFixed(0)} ms`);
        await reader.cancel();
      });

      await t.step("a scan at a gate arrives on the stream within a second", async () => {
        const sql = await adminSql(1);
        const gate = `Live ${crypto.randomUUID().slice(0, 6)}`;
        let device;
        let code: string;
        try {
          const gateId = await sql.begin(async (tx) => {
            await tx`select set_config('request.jwt.claims', ${
              JSON.stringify({ role: "platform_admin", org_id: event.orgId })
            }, true)`;
            const [row] = await tx`select api.save_gate(${event.id}, ${gate}) as id`;
            return row!.id as string;
          });
          device = await pairDevice(
            sql,
            { orgId: event.orgId, eventId: event.id, gates: { [gate]: gateId } },
            gate,
            "live-test",
          );
          const [o] = await sql`select code from core.orders where id = ${orderId}`;
          code = o!.code;
        } finally {
          await sql.end();
        }
        const res = await fetch(`${base}/admin/events/${event.id}/live/stream`, {
          headers: { cookie, accept: "text/event-stream" },
        });
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const buffer = { text: "" };
        const first = await nextStats(reader, buffer, () => true);
        const started = performance.now();
        const r = await rpc<{ result: string }>("scan", {
          scan_id: crypto.randomUUID(),
          code,
          direction: "in",
        }, { claims: device.claims });
        assert.equal(r.result, "admitted");
        const after = await nextStats(reader, buffer, (m) => m.stats.scans > first.stats.scans);
        const ms = performance.now() - started;
        assert.ok(ms < 1000, `update took ${ms.toFixed(0)} ms`);
        assert.ok(after.stats.inside > first.stats.inside, "people inside now");
        assert.ok(
          after.stats.checkins_per_gate_minute.some((c) => c.gate === gate && c.n >= 1),
          "check-ins per gate per minute",
        );
        console.log(`scan -> SSE stats message: ${ms.toFixed(0)} ms`);
        await reader.cancel();
      });

      await t.step("door staff see the dashboard without money", async () => {
        const door = await signIn(app, DOOR);
        const doorCookie = [...door.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        const res = await fetch(`${base}/admin/events/${event.id}/live/stream`, {
          headers: { cookie: doorCookie },
        });
        assert.equal(res.status, 200);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const m = await nextStats(reader, { text: "" }, () => true);
        assert.equal(m.stats.revenue, null);
        assert.equal(m.stats.payment_failures, null);
        await reader.cancel();
      });

      await t.step(
        "an unknown (or other org's) event is 404, no session is a redirect",
        async () => {
          const res = await fetch(`${base}/admin/events/${crypto.randomUUID()}/live/stream`, {
            headers: { cookie },
          });
          assert.equal(res.status, 404);
          await res.body?.cancel();
          const anon = await fetch(`${base}/admin/events/${event.id}/live/stream`, {
            redirect: "manual",
          });
          assert.ok([303, 302, 401].includes(anon.status), String(anon.status));
          await anon.body?.cancel();
        },
      );
    } finally {
      await server.shutdown();
      await stopLive();
      await closeKv();
      await closeDb();
    }
  },
});
