// The migration runner: order, once only, checksums, and a failing file leaves nothing behind.
import assert from "node:assert/strict";
import postgres from "postgres";
import { adminDatabaseUrl } from "../lib/config.ts";
import { migrate, MigrationError } from "../lib/migrate.ts";

const dbName = `${Deno.env.get("MUTAMBO_TEST_DB") ?? "mutambo_test"}_migrate`;

async function freshDatabase(): Promise<string> {
  const admin = postgres(adminDatabaseUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
  await admin.unsafe(`create database "${dbName}"`);
  await admin.end();
  return adminDatabaseUrl(dbName);
}

Deno.test("migrations apply in order, once, and refuse an edited file", async () => {
  const url = await freshDatabase();
  const dir = await Deno.makeTempDir();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await Deno.writeTextFile(
      `${dir}/002_b.sql`,
      "-- migrate: superuser\ninsert into steps values ('b');",
    );
    await Deno.writeTextFile(
      `${dir}/001_a.sql`,
      "-- migrate: superuser\ncreate table steps (name text);",
    );
    await Deno.writeTextFile(`${dir}/notes.sql`, "this is not a migration and must be ignored");
    assert.deepEqual(await migrate(url, { dir }), ["001_a.sql", "002_b.sql"]);
    assert.deepEqual(await migrate(url, { dir }), [], "a second run applies nothing");
    assert.deepEqual((await sql`select name from steps`).map((r) => r.name), ["b"]);

    await Deno.writeTextFile(
      `${dir}/002_b.sql`,
      "-- migrate: superuser\ninsert into steps values ('changed');",
    );
    await assert.rejects(migrate(url, { dir }), (error: Error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /002_b\.sql was edited after it was applied/);
      return true;
    });
  } finally {
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a migration that fails halfway is rolled back and named with its line", async () => {
  const url = await freshDatabase();
  const dir = await Deno.makeTempDir();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await Deno.writeTextFile(
      `${dir}/001_ok.sql`,
      "-- migrate: superuser\ncreate table kept (id int);",
    );
    await Deno.writeTextFile(
      `${dir}/002_broken.sql`,
      "-- migrate: superuser\ncreate table half (id int);\n\nselect * from no_such_table;\n",
    );
    await assert.rejects(migrate(url, { dir }), (error: Error) => {
      assert.ok(error instanceof MigrationError);
      assert.match(error.message, /002_broken\.sql failed and was rolled back/);
      assert.match(error.message, /002_broken\.sql, line 4/);
      assert.match(error.message, /no_such_table/);
      return true;
    });
    const [state] =
      await sql`select to_regclass('kept') is not null as kept, to_regclass('half') is not null as half`;
    assert.equal(state?.kept, true, "the file before the broken one stays applied");
    assert.equal(state?.half, false, "nothing of the broken file is left");
    const applied = await sql`select filename from public.schema_migrations order by 1`;
    assert.deepEqual(applied.map((r) => r.filename), ["001_ok.sql"]);
  } finally {
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files run as the non-superuser owner unless marked superuser", async () => {
  const url = await freshDatabase();
  const dir = await Deno.makeTempDir();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // The owner role exists cluster-wide once the project's own first migration has run.
    await Deno.writeTextFile(
      `${dir}/001_schema.sql`,
      "-- migrate: superuser\ncreate schema owned authorization mutambo_owner;",
    );
    await Deno.writeTextFile(`${dir}/002_table.sql`, "create table owned.things (id int);");
    await migrate(url, { dir });
    const [row] = await sql`select tableowner from pg_tables where tablename = 'things'`;
    assert.equal(row?.tableowner, "mutambo_owner");
  } finally {
    await sql.end();
    await Deno.remove(dir, { recursive: true });
  }
});
