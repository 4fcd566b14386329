// A real HTTP server over the in-memory app and the test database, the sandbox provider's
// own KV store in a temporary file, and a cookie-keeping HTTP client that follows nothing.
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { closeSandboxParty } from "../../lib/payments/sandbox_party.ts";
import { testApp } from "../support/app.ts";

export interface TestServer {
  origin: string;
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "mutambo-sandbox-" });
  Deno.env.set("SANDBOX_KV_PATH", `${dir}/sandbox.kv`);
  Deno.env.set("SANDBOX_RETRY_BASE_MS", "150");
  const app = await testApp();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.handler);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    async close() {
      await closeSandboxParty();
      await server.shutdown();
      await closeDb();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

export interface HttpBuyer {
  csrf: string;
  get(path: string): Promise<Response>;
  post(path: string, fields: Record<string, string>): Promise<Response>;
}

/** A buyer over real HTTP: cookies kept, redirects returned (not followed), CSRF remembered. */
export function httpBuyer(origin: string): HttpBuyer {
  const cookies = new Map<string, string>();
  const buyer: HttpBuyer = {
    csrf: "",
    async get(path) {
      const response = await send(path, { method: "GET" });
      if ((response.headers.get("content-type") ?? "").includes("text/html")) {
        const html = await response.clone().text();
        const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
        if (token) buyer.csrf = token;
      }
      return response;
    },
    post(path, fields) {
      return send(path, { method: "POST", body: new URLSearchParams(fields) });
    },
  };
  async function send(path: string, init: RequestInit): Promise<Response> {
    const response = await fetch(new URL(path, origin), {
      ...init,
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (/Max-Age=0/.test(line)) cookies.delete(pair!.slice(0, eq));
      else cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  }
  return buyer;
}

export interface DemoEvent {
  id: string;
  slug: string;
  ticket_types: { id: string; name: string }[];
}

/** The demo GA event (Dynamos vs Highlanders, Open Stand) and its Adult field name. */
export async function gaEvent() {
  const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
  const event = await rpc<DemoEvent>("event_by_slug", { slug: card!.slug });
  const sections = await rpc<{ id: string; name: string }[]>("event_sections", {
    event_id: event.id,
  });
  const adult = event.ticket_types.find((t) => t.name === "Adult")!;
  const openStand = sections.find((s) => s.name === "Open Stand")!;
  return { event, field: `qty:${adult.id}:${openStand.id}`, path: `/e/${event.slug}` };
}

/** Waits until `check` returns a value (polling), or fails after `ms`. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  ms = 8000,
): Promise<T> {
  const end = Date.now() + ms;
  while (true) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`Condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
