// Numbered SQL files under sql/ applied in order, each once, each in one transaction,
// recorded with a checksum. An applied file that was edited is refused: migrations are
// append-only. psql runs the files so that an error names the file and the line.
import postgres from "postgres";
import { projectRoot } from "./config.ts";

const defaultSqlDir = `${projectRoot}sql`;
const lockKey = 7_351_001; // pg_advisory_lock key: one migrator per database at a time

export interface MigrationFile {
  name: string;
  path: string;
  checksum: string;
  superuser: boolean;
}

export class MigrationError extends Error {}

export async function migrationFiles(sqlDir = defaultSqlDir): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for await (const entry of Deno.readDir(sqlDir)) {
    if (!entry.isFile || !/^\d{3}_[a-z0-9_]+\.sql$/.test(entry.name)) continue;
    const path = `${sqlDir}/${entry.name}`;
    const text = await Deno.readTextFile(path);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
    const checksum = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    files.push({
      name: entry.name,
      path,
      checksum,
      superuser: /^-- migrate: superuser\s*$/m.test(text.split("\n", 3).join("\n")),
    });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** Applies pending migrations to the database at `url` (a superuser URL). Returns the names applied. */
export async function migrate(
  url: string,
  options: { log?: (line: string) => void; dir?: string } = {},
): Promise<string[]> {
  const log = options.log ?? (() => {});
  const dir = options.dir ?? defaultSqlDir;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${lockKey})`;
    await sql`create table if not exists public.schema_migrations (
      filename text primary key,
      checksum text not null,
      applied_at timestamptz not null default now())`;
    const applied = new Map(
      (await sql<{ filename: string; checksum: string }[]>`
        select filename, checksum from public.schema_migrations`).map((
        r,
      ) => [r.filename, r.checksum]),
    );
    const files = await migrationFiles(dir);
    for (const [name, checksum] of applied) {
      const file = files.find((f) => f.name === name);
      if (file && file.checksum !== checksum) {
        throw new MigrationError(
          `${label(dir, name)} was edited after it was applied to this database ` +
            `(recorded checksum ${checksum.slice(0, 12)}…, file now ${
              file.checksum.slice(0, 12)
            }…). ` +
            `Applied migrations are append-only: undo the edit and put the change in a new numbered file, ` +
            `or start over with \`deno task db:reset\`.`,
        );
      }
    }
    const pending = files.filter((f) => !applied.has(f.name));
    for (const file of pending) {
      await applyFile(url, file, label(dir, file.name));
      log(`applied ${label(dir, file.name)}`);
    }
    return pending.map((f) => f.name);
  } finally {
    await sql`select pg_advisory_unlock(${lockKey})`.catch(() => {});
    await sql.end();
  }
}

/** How a file is named in messages: sql/NNN_x.sql for the project's own files. */
function label(dir: string, name: string): string {
  return dir === defaultSqlDir ? `sql/${name}` : `${dir}/${name}`;
}

async function applyFile(url: string, file: MigrationFile, name: string): Promise<void> {
  const script = [
    "\\set ON_ERROR_STOP on",
    "begin;",
    file.superuser ? "" : "set local role mutambo_owner;",
    `\\i '${file.path.replaceAll("'", "''")}'`,
    "reset role;",
    `insert into public.schema_migrations (filename, checksum) values ('${file.name}', '${file.checksum}');`,
    "commit;",
  ].join("\n");
  const command = new Deno.Command("psql", {
    args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { PGOPTIONS: "-c client_min_messages=warning" },
  });
  const child = command.spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stderr } = await child.output();
  if (code !== 0) {
    const message = new TextDecoder().decode(stderr).trim()
      .replaceAll(`psql:${file.path}:`, `${name}, line `);
    throw new MigrationError(
      `Migration ${name} failed and was rolled back; nothing of it was applied.\n${message}`,
    );
  }
}
