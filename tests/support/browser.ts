// Launches Debian's chromium through playwright-core (never downloads a browser), headless,
// with a fresh temporary profile that is removed again on close.
//
//   const browser = await launchBrowser();
//   try { const page = await browser.newPage(); … } finally { await browser.close(); }
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
  "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  /** A new page (tab) in the browser's one context. */
  newPage(): Promise<Page>;
  /** Closes the browser and deletes its temporary profile. */
  close(): Promise<void>;
}

/** Starts chromium with its own temporary user-data-dir. */
export async function launchBrowser(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const userDataDir = await Deno.makeTempDir({ prefix: "mutambo-chromium-" });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (e) {
    await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    throw e;
  }
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      try {
        await context.close();
      } finally {
        await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
      }
    },
  };
}

export type { Browser, Page };
