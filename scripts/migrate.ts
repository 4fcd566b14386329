// deno task migrate: apply pending migrations to the configured database, or to the
// superuser URL given as the first argument.
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate, MigrationError } from "../lib/migrate.ts";

try {
  const applied = await migrate(Deno.args[0] ?? adminDatabaseUrl(), {
    log: (line) => console.log(line),
  });
  console.log(applied.length ? `migrations: ${applied.length} applied` : "migrations: up to date");
} catch (error) {
  if (error instanceof MigrationError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}
