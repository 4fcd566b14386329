// A bench database with the demo data (the 60,000-seat National Sports Stadium and the other
// demo events): created when missing (or dropped first with fresh), migrated, seeded once.
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate } from "../lib/migrate.ts";

/** The superuser URL of database `name`, ready with the demo data. */
export async function demoDatabase(name: string, fresh: boolean): Promise<string> {
  const url = adminDatabaseUrl(name);
  const admin = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  try {
    if (fresh) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!exists) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  await migrate(url);
  // scripts/seed.ts loads the demo only into a database without it
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../scripts/seed.ts", import.meta.url).pathname, url],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  return url;
}
