// A migrated test database on the project's cluster. Its name comes from MUTAMBO_TEST_DB
// (default mutambo_test) so that separate runs can use separate databases. The test runner
// (scripts/run_tests.ts) recreates it once per run; tests make their own orgs and rows.
import postgres from "postgres";
import { adminDatabaseUrl, authenticatorDatabaseUrl } from "../../lib/config.ts";
import { migrate } from "../../lib/migrate.ts";

export const testDatabaseName = Deno.env.get("MUTAMBO_TEST_DB") ?? "mutambo_test";

let ready: Promise<void> | undefined;

/** Creates the test database when missing and applies pending migrations (once per process). */
export function ensureTestDatabase(): Promise<void> {
  ready ??= (async () => {
    const admin = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
    try {
      const [exists] = await admin`select 1 from pg_database where datname = ${testDatabaseName}`;
      if (!exists) await admin.unsafe(`create database "${testDatabaseName}"`);
    } finally {
      await admin.end();
    }
    await migrate(adminDatabaseUrl(testDatabaseName));
  })();
  return ready;
}

export const testAdminUrl = () => adminDatabaseUrl(testDatabaseName);
export const testAuthenticatorUrl = () => authenticatorDatabaseUrl(testDatabaseName);

/** A superuser connection to the test database, for arranging fixtures. Close it with `.end()`. */
export async function adminSql(max = 4) {
  await ensureTestDatabase();
  return postgres(testAdminUrl(), { max, onnotice: () => {} });
}
