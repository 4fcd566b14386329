// Live seat updates: a hold made over HTTP reaches an SSE subscriber of the event through the
// NOTIFY trigger and the process's one LISTEN connection.
import assert from "node:assert/strict";
import { stopLive } from "../../lib/live.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { gaEvent, httpBuyer, startServer } from "./support.ts";

Deno.test({
  name: "a hold shows up on the event's SSE stream with its section",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const ga = await gaEvent();
      const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
        event_id: ga.event.id,
      });
      const openStand = sections.find((s) => s.name === "Open Stand")!;
      const abort = new AbortController();
      const response = await fetch(`${server.origin}/live/events/${ga.event.slug}`, {
        signal: abort.signal,
      });
      assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = (await reader.read()).value ?? "";
      assert.match(text, /retry: 3000/);

      const started = performance.now();
      const buyer = httpBuyer(server.origin);
      await buyer.get(ga.path);
      const held = await buyer.post(ga.path, { _csrf: buyer.csrf, [ga.field]: "2" });
      assert.equal(held.status, 303);
      while (!text.includes("event: seats")) text += (await reader.read()).value ?? "";
      const data = /event: seats\ndata: (.*)\n/.exec(text)![1]!;
      assert.ok(openStand.id in JSON.parse(data), data);
      console.log(`hold -> SSE in ${(performance.now() - started).toFixed(0)} ms`);
      abort.abort();
      await reader.cancel().catch(() => {});
    } finally {
      await stopLive();
      await server.close();
    }
  },
});
