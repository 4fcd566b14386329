// The conventions of sql/CONVENTIONS.md that the catalog can check, for every migration
// present and future: comments on api functions, no EXECUTE for PUBLIC, pinned search_path
// on SECURITY DEFINER functions, RLS forced on tenant tables, objects owned by the owner.
import assert from "node:assert/strict";
import { adminSql } from "./support/db.ts";

const sql = await adminSql(1);
const projectSchemas = ["api", "core", "auth", "analytics"];

Deno.test("every api function has a COMMENT", async () => {
  const rows = await sql`
    select p.oid::regprocedure::text as fn from pg_proc p
    where p.pronamespace = 'api'::regnamespace and obj_description(p.oid, 'pg_proc') is null`;
  assert.deepEqual(rows.map((r) => r.fn), []);
});

Deno.test("no project function is executable by PUBLIC", async () => {
  const rows = await sql`
    select p.oid::regprocedure::text as fn from pg_proc p
    where p.pronamespace::regnamespace::text = any(${projectSchemas})
      and has_function_privilege('public', p.oid, 'execute')
      and exists (select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a where a.grantee = 0)`;
  assert.deepEqual(rows.map((r) => r.fn), []);
});

Deno.test("SECURITY DEFINER functions pin their search_path", async () => {
  const rows = await sql`
    select p.oid::regprocedure::text as fn from pg_proc p
    where p.pronamespace::regnamespace::text = any(${projectSchemas}) and p.prosecdef
      and not exists (select from unnest(p.proconfig) c where c like 'search_path=%')`;
  assert.deepEqual(rows.map((r) => r.fn), []);
});

Deno.test("tenant tables (with org_id) have row-level security enabled and forced", async () => {
  const rows = await sql`
    select c.oid::regclass::text as tbl from pg_class c
    where c.relnamespace = 'core'::regnamespace and c.relkind in ('r', 'p')
      and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
      and not (c.relrowsecurity and c.relforcerowsecurity)`;
  assert.deepEqual(rows.map((r) => r.tbl), []);
});

Deno.test("project objects are owned by mutambo_owner, which cannot bypass RLS", async () => {
  const objects = await sql`
    select c.oid::regclass::text as name, pg_get_userbyid(c.relowner) as owner from pg_class c
    where c.relnamespace::regnamespace::text = any(${projectSchemas}) and pg_get_userbyid(c.relowner) <> 'mutambo_owner'
    union all
    select p.oid::regprocedure::text, pg_get_userbyid(p.proowner) from pg_proc p
    where p.pronamespace::regnamespace::text = any(${projectSchemas}) and pg_get_userbyid(p.proowner) <> 'mutambo_owner'`;
  assert.deepEqual(objects.map((r) => `${r.name} (${r.owner})`), []);
  const [owner] =
    await sql`select rolsuper, rolbypassrls from pg_roles where rolname = 'mutambo_owner'`;
  assert.deepEqual({ ...owner }, { rolsuper: false, rolbypassrls: false });
});

Deno.test("API roles cannot touch core tables directly", async () => {
  const rows = await sql`
    select distinct r.rolname, c.oid::regclass::text as tbl from pg_class c
    cross join pg_roles r
    where c.relnamespace = 'core'::regnamespace and c.relkind = 'r'
      and r.rolname in ('anon', 'buyer', 'scanner', 'analyst')
      and has_table_privilege(r.oid, c.oid, 'insert, update, delete')`;
  assert.deepEqual(rows.map((r) => `${r.rolname} → ${r.tbl}`), []);
});

Deno.test({
  name: "close",
  fn: () => sql.end(),
  sanitizeOps: false,
  sanitizeResources: false,
});
