// Page weight against the budgets: gzipped HTML+CSS of the home and event pages (CSS is
// extracted into the HTML), and the JavaScript the seat-selection page loads (boot runtime,
// preact, signals and the SeatMap island chunks). Runs the app in memory over the database
// in DATABASE_URL (default: the demo database `mutambo`).
//   deno run -A bench/page_weight.ts
import { createApp } from "../lib/fresh/mod.ts";
import { projectRoot } from "../lib/config.ts";
import { closeDb } from "../lib/db.ts";
import { rpc } from "../lib/rest/mod.ts";

const KB = 1024;
const app = await createApp({ root: projectRoot });
const get = async (path: string) => {
  const response = await app.handler(new Request(`http://localhost${path}`));
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
};

async function gzipSize(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

const rows: { what: string; raw: number; gzip: number; budget: number }[] = [];
async function measure(what: string, parts: Uint8Array[], budget: number) {
  let raw = 0, gzip = 0;
  for (const part of parts) {
    raw += part.byteLength;
    gzip += await gzipSize(part);
  }
  rows.push({ what, raw, gzip, budget });
}

try {
  const [event] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
  if (!event) throw new Error("No demo event: run deno task db:reset first");
  const home = await get("/");
  const eventPage = await get(`/e/${event.slug}`);
  await measure("home page HTML+CSS", [home], 14 * KB);
  await measure("event page HTML+CSS", [eventPage], 14 * KB);
  if (new TextDecoder().decode(eventPage).includes("<script")) {
    throw new Error("The event page ships JavaScript; it must not");
  }

  // Every script the seats page loads: modulepreload links and the imports of the inline boot.
  const seats = new TextDecoder().decode(await get(`/e/${event.slug}/seats`));
  const urls = new Set<string>();
  for (const m of seats.matchAll(/<link rel="modulepreload" href="([^"]+)"/g)) urls.add(m[1]!);
  for (const m of seats.matchAll(/import[^"']*["'](\/_frsh\/[^"']+)["']/g)) urls.add(m[1]!);
  const files: Uint8Array[] = [];
  for (const url of urls) files.push(await get(url));
  // Static chunks imported by those files (esbuild's shared chunks), followed transitively.
  for (let i = 0; i < files.length; i++) {
    const text = new TextDecoder().decode(files[i]!);
    for (
      const m of text.matchAll(/from\s*["']\.\/([^"']+\.js)["']|import\s*["']\.\/([^"']+\.js)["']/g)
    ) {
      const name = m[1] ?? m[2]!;
      const url = `${[...urls][0]!.replace(/[^/]+$/, "")}${name}`;
      if (!urls.has(url)) {
        urls.add(url);
        files.push(await get(url));
      }
    }
  }
  await measure(`seat map JS (${urls.size} files)`, files, 30 * KB);
  await measure("seat map CSS (static/seatmap.css)", [await get("/seatmap.css")], 4 * KB);
} finally {
  await closeDb();
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;
console.log("what".padEnd(40), "raw".padStart(10), "gzip".padStart(10), "budget".padStart(10));
let over = false;
for (const r of rows) {
  const ok = r.gzip <= r.budget;
  over ||= !ok;
  console.log(
    r.what.padEnd(40),
    kb(r.raw).padStart(10),
    kb(r.gzip).padStart(10),
    `${kb(r.budget)}`.padStart(10),
    ok ? "ok" : "OVER BUDGET",
  );
}
if (over) Deno.exit(1);
