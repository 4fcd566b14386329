// deno task start runs this after the migrations: loads the demo data (sql/seed/demo.sql)
// into a database that has no organisations yet, in one transaction. When data is there
// it does nothing and returns at once. Usage: deno run -A scripts/seed.ts [database-url]
// With --unless-demo-org (used by tests, whose database also holds their own fixture orgs)
// it loads the demo whenever the demo organiser is missing.
import postgres from "postgres";
import { adminDatabaseUrl, projectRoot } from "../lib/config.ts";

const unlessDemoOrg = Deno.args.includes("--unless-demo-org");
const url = Deno.args.find((a) => !a.startsWith("--")) ?? adminDatabaseUrl();
const seedFile = `${projectRoot}sql/seed/demo.sql`;

const sql = postgres(url, { max: 1, onnotice: () => {} });
let empty: boolean;
try {
  const [row] = await sql<{ ready: boolean }[]>`
    select to_regclass('core.orgs') is not null as ready`;
  if (!row?.ready) {
    console.error("seed: the schema is missing; run the migrations first (deno task migrate)");
    Deno.exit(1);
  }
  const [count] = unlessDemoOrg
    ? await sql<{ n: number }[]>`
        select count(*)::int as n from core.orgs where slug = 'harare-sports-events'`
    : await sql<{ n: number }[]>`select count(*)::int as n from core.orgs`;
  empty = (count?.n ?? 0) === 0;
} finally {
  await sql.end();
}

if (!empty) {
  console.log("seed: data present, nothing to do");
} else {
  const started = performance.now();
  const { code, stderr } = await new Deno.Command("psql", {
    args: ["-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", seedFile],
    stdout: "null",
    stderr: "piped",
    env: { PGOPTIONS: "-c client_min_messages=warning" },
  }).output();
  if (code !== 0) {
    console.error(
      `seed: sql/seed/demo.sql failed and was rolled back; nothing of it was loaded.\n` +
        new TextDecoder().decode(stderr).trim().replaceAll(
          `psql:${seedFile}:`,
          "sql/seed/demo.sql, line ",
        ),
    );
    Deno.exit(1);
  }
  console.log(`seed: demo data loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// Demo passwords for /admin (sql/seed/demo_passwords.sql): only demo users still without a
// password are touched, so this is a no-op once they have one.
const passwords = await new Deno.Command("psql", {
  args: [
    "-X",
    "-q",
    "-1",
    "-v",
    "ON_ERROR_STOP=1",
    "-d",
    url,
    "-f",
    `${seedFile.replace(/demo\.sql$/, "")}demo_passwords.sql`,
  ],
  stdout: "null",
  stderr: "piped",
  env: { PGOPTIONS: "-c client_min_messages=warning" },
}).output();
if (passwords.code !== 0) {
  console.error(
    `seed: sql/seed/demo_passwords.sql failed: ${
      new TextDecoder().decode(passwords.stderr).trim()
    }`,
  );
  Deno.exit(1);
}
