// Admin test helpers: the in-memory app over the seeded test database with a temporary KV
// file, and a cookie-keeping staff session that signs in through the real login form.
import { testApp } from "../support/app.ts";
import { type BuyerSession, buyerSession } from "../pages/buyer_session.ts";
import type { App } from "../../lib/fresh/mod.ts";
import type { Page } from "../support/browser.ts";

export const DEMO_PASSWORD = "mutambo-demo-2026";
export const OWNER = "tatenda.moyo@hse.co.zw";
export const MANAGER = "rudo.chikwanha@hse.co.zw";
export const BOX_OFFICE = "blessing.ncube@hse.co.zw";
export const DOOR = "farai.dube@hse.co.zw";
export const PLATFORM_ADMIN = "admin@mutambo.africa";

let appPromise: Promise<App> | undefined;

/** One app per test process, with its own KV file (sessions, rate limits). */
export function adminApp(): Promise<App> {
  appPromise ??= (async () => {
    if (!Deno.env.get("MUTAMBO_KV_PATH")) {
      Deno.env.set("MUTAMBO_KV_PATH", await Deno.makeTempFile({ suffix: ".kv.sqlite3" }));
    }
    return await testApp();
  })();
  return appPromise;
}

/** A session signed in as `email` (the demo password by default). */
export async function signIn(
  app: App,
  email: string,
  password = DEMO_PASSWORD,
): Promise<BuyerSession> {
  const s = buyerSession(app);
  await s.get("/admin/login");
  const response = await s.post("/admin/login", { _csrf: s.csrf, email, password, next: "/admin" });
  if (response.status !== 303) {
    throw new Error(`Signing in as ${email} failed: ${response.status} ${await response.text()}`);
  }
  await s.get("/admin/events"); // picks up the session's CSRF token
  return s;
}

/** In a browser showing the login form: signs in as `email` and waits for `landing` (a URL). */
export async function submitLogin(page: Page, landing: string, email = OWNER): Promise<void> {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await Promise.all([
    page.waitForURL(landing),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
}

/** In a signed-in browser on /admin/venues: creates a venue named `name` in `city`. */
export async function createVenue(page: Page, name: string, city: string): Promise<void> {
  await page.getByLabel("Venue name").fill(name);
  await page.getByLabel("City").fill(city);
  await page.getByRole("button", { name: "Create venue" }).click();
  await page.waitForURL(/ok=Venue/);
}

/**
 * Creates an empty draft layout `name` for `venue` from /admin/venues (at `base`) and waits for
 * its designer; returns the new layout version's id.
 */
export async function newLayout(
  page: Page,
  base: string,
  venue: string,
  name: string,
): Promise<string> {
  if (!new URL(page.url()).pathname.endsWith("/admin/venues")) {
    await page.goto(`${base}/admin/venues`);
  }
  const region = page.getByRole("region", { name: venue });
  await region.getByPlaceholder("New layout name").fill(name);
  await region.getByRole("button", { name: "Create layout" }).click();
  await page.waitForURL(/\/layouts\/[0-9a-f-]{36}$/);
  await page.getByText("0 places · 0 sections").waitFor();
  return page.url().split("/").at(-1)!;
}
