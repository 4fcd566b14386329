// First paint of the stadium overview (/e/<slug>/seats) in Debian's Chromium on DevTools'
// "Slow 3G" profile: 2,000 ms request latency, 50 KB/s down and up (the numbers of
// Chrome's own preset). Budget: first contentful paint ≤ 3 s. Also prints when the seat-map
// island has hydrated. Serves the app in memory over DATABASE_URL (default: the demo
// database `mutambo`) on a free loopback port.
//   deno run -A bench/seatmap_first_paint.ts [--runs 3]
import { chromium } from "playwright-core";
import { createApp } from "../lib/fresh/mod.ts";
import { projectRoot } from "../lib/config.ts";
import { closeDb } from "../lib/db.ts";
import { rpc } from "../lib/rest/mod.ts";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../tests/support/browser.ts";

const runs = Number(Deno.args[Deno.args.indexOf("--runs") + 1] ?? 3) || 3;
const app = await createApp({ root: projectRoot });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.handler);
const [card] = await rpc<{ slug: string }[]>("list_events", { q: "Dynamos" });
if (!card) throw new Error("The demo event is missing: run ./mutambo start (or db:reset) first");
const url = `http://127.0.0.1:${server.addr.port}/e/${card.slug}/seats`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const paints: number[] = [];
const hydrated: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 2000,
      downloadThroughput: 50_000,
      uploadThroughput: 50_000,
    });
    await page.goto(url, { waitUntil: "commit" });
    await page.waitForFunction(
      () => performance.getEntriesByName("first-contentful-paint").length > 0,
      undefined,
      {
        timeout: 30_000,
      },
    );
    const fcp = await page.evaluate(() =>
      performance.getEntriesByName("first-contentful-paint")[0]!.startTime
    );
    // The island marks itself interactive by rendering its section buttons.
    await page.getByRole("list", { name: "Sections" }).waitFor({ timeout: 60_000 });
    await page.waitForLoadState("load", { timeout: 60_000 });
    const loaded = await page.evaluate(() => performance.now());
    paints.push(fcp);
    hydrated.push(loaded);
    await context.close();
  }
} finally {
  await browser.close();
  await server.shutdown();
  await closeDb();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `seat map on Slow 3G (2,000 ms latency, 50 KB/s), ${runs} runs, ${
    url.replace(/^.*\/e\//, "/e/")
  }`,
);
console.log(
  `  first contentful paint: median ${(median(paints) / 1000).toFixed(2)} s ` +
    `(runs ${paints.map((p) => (p / 1000).toFixed(2)).join(", ")}) · budget ≤ 3 s: ${
      median(paints) <= 3000 ? "met" : "MISSED"
    }`,
);
console.log(
  `  page loaded with the island's scripts: median ${(median(hydrated) / 1000).toFixed(2)} s`,
);
