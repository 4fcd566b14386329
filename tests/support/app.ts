// The whole app, in memory, over the test database with the demo data loaded: for page
// tests that send Requests and for browser tests that serve it on a free port.
import { createApp } from "../../lib/fresh/mod.ts";
import { projectRoot } from "../../lib/config.ts";
import { ensureTestDatabase, testAdminUrl } from "./db.ts";

let seeded: Promise<void> | undefined;

/** Loads sql/seed/demo.sql into the test database once, whatever fixture orgs other tests made. */
export function ensureDemoData(): Promise<void> {
  seeded ??= (async () => {
    await ensureTestDatabase();
    const { code, stderr, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${projectRoot}scripts/seed.ts`, testAdminUrl(), "--unless-demo-org"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      const text = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
      throw new Error(`Seeding the test database failed:\n${text}`);
    }
  })();
  return seeded;
}

/** The app wired to the test database: the server's pool follows DATABASE_URL. */
export async function testApp() {
  await ensureDemoData();
  Deno.env.set("DATABASE_URL", testAdminUrl());
  return await createApp({ root: projectRoot });
}
