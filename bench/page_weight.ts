// Page weight against the budgets: gzipped HTML+CSS of the home and event pages (CSS is
// extracted into the HTML), the JavaScript the seat-selection page loads (boot runtime,
// preact, signals and the SeatMap island chunks), and the seat map's reads of the largest
// stand. Runs the app in memory over the database in DATABASE_URL (default: the demo database
// `mutambo`), wrapped as main.ts serves it (lib/compress.ts), and reports the bytes the server
// actually sends to a client that accepts gzip next to the uncompressed size.
//   deno run -A bench/page_weight.ts
import { createApp } from "../lib/fresh/mod.ts";
import { projectRoot } from "../lib/config.ts";
import { closeDb } from "../lib/db.ts";
import { rpc } from "../lib/rest/mod.ts";
import { withCompression } from "../lib/compress.ts";

const KB = 1024;
const app = await createApp({ root: projectRoot });
const handler = withCompression(app.handler);
interface Sent {
  raw: number;
  sent: number;
  text: string;
}
/** The body uncompressed, and its size as the server sends it to a client accepting gzip. */
const fetchBoth = async (path: string): Promise<Sent> => {
  const response = await app.handler(new Request(`http://localhost${path}`));
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  const text = await response.text();
  const wire = await handler(
    new Request(`http://localhost${path}`, { headers: { "accept-encoding": "gzip" } }),
  );
  if (text.length >= 1024 && wire.headers.get("content-encoding") !== "gzip") {
    throw new Error(`${path} was sent uncompressed to a client that accepts gzip`);
  }
  const sent = (await wire.arrayBuffer()).byteLength;
  return { raw: new TextEncoder().encode(text).byteLength, sent, text };
};

const rows: { what: string; raw: number; gzip: number; budget: number }[] = [];
function measure(what: string, parts: Sent[], budget: number) {
  let raw = 0, gzip = 0;
  for (const part of parts) {
    raw += part.raw;
    gzip += part.sent;
  }
  rows.push({ what, raw, gzip, budget });
}

try {
  const [event] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
  if (!event) throw new Error("No demo event: run deno task db:reset first");
  const home = await fetchBoth("/");
  const eventPage = await fetchBoth(`/e/${event.slug}`);
  measure("home page HTML+CSS", [home], 14 * KB);
  measure("event page HTML+CSS", [eventPage], 14 * KB);
  if (eventPage.text.includes("<script")) {
    throw new Error("The event page ships JavaScript; it must not");
  }

  // Every script the seats page loads: modulepreload links and the imports of the inline boot.
  const seatsPage = await fetchBoth(`/e/${event.slug}/seats`);
  measure("seats page HTML+CSS (venue overview)", [seatsPage], 14 * KB);
  const seats = seatsPage.text;
  const urls = new Set<string>();
  for (const m of seats.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)) urls.add(m[1]!);
  for (const m of seats.matchAll(/import[^"']*["'](\/_frsh\/[^"']+)["']/g)) urls.add(m[1]!);
  const files: Sent[] = [];
  for (const url of urls) files.push(await fetchBoth(url));
  // Static chunks imported by those files (esbuild's shared chunks), followed transitively.
  for (let i = 0; i < files.length; i++) {
    const text = files[i]!.text;
    for (
      const m of text.matchAll(/from\s*["']\.\/([^"']+\.js)["']|import\s*["']\.\/([^"']+\.js)["']/g)
    ) {
      const name = m[1] ?? m[2]!;
      const url = `${[...urls][0]!.replace(/[^/]+$/, "")}${name}`;
      if (!urls.has(url)) {
        urls.add(url);
        files.push(await fetchBoth(url));
      }
    }
  }
  measure(`seat map JS (${urls.size} files)`, files, 30 * KB);
  measure("seat map CSS (static/seatmap.css)", [await fetchBoth("/seatmap.css")], 4 * KB);

  // The seat map's reads of the largest stand: its seats once, its statuses on each change.
  const sections = await rpc<{ id: string; name: string; capacity: number; kind: string }[]>(
    "event_sections",
    { event_id: (await rpc<{ id: string }>("event_by_slug", { slug: event.slug })).id },
  );
  const stand = sections.filter((s) => s.kind === "seated")
    .sort((a, b) => b.capacity - a.capacity)[0]!;
  const label = `${stand.name}, ${stand.capacity.toLocaleString("en")} seats`;
  measure(`seat map seats (${label})`, [await fetchBoth(`/seatmap/${stand.id}/seats`)], 100 * KB);
  measure(`seat map statuses (${label})`, [await fetchBoth(`/seatmap/${stand.id}/status`)], 4 * KB);
} finally {
  await closeDb();
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;
console.log("what".padEnd(48), "raw".padStart(10), "sent".padStart(10), "budget".padStart(10));
let over = false;
for (const r of rows) {
  const ok = r.gzip <= r.budget;
  over ||= !ok;
  console.log(
    r.what.padEnd(48),
    kb(r.raw).padStart(10),
    kb(r.gzip).padStart(10),
    `${kb(r.budget)}`.padStart(10),
    ok ? "ok" : "OVER BUDGET",
  );
}
if (over) Deno.exit(1);
