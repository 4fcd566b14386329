// Fixtures for the /rest endpoint tests: a schema of their own (dropped and recreated at the
// start of each test file, so reruns on an existing database work), created as the
// non-superuser owner so that row-level security binds, plus a real HTTP server in front of
// createRest() on a random port.
import postgres from "postgres";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";
import { createRest, type Rest, type RestOptions } from "../../lib/rest/rest.ts";
import type { Sql } from "../../lib/db.ts";

export const secret = "test-secret-for-rest-endpoint-0123456789abcdef";
export const orgA = "00000000-0000-4000-8000-00000000000a";
export const orgB = "00000000-0000-4000-8000-00000000000b";
export const userId = "00000000-0000-4000-8000-0000000000f1";

/** Every SQL object the tests call, in schema `s`. */
function fixtureSql(s: string): string {
  return `
drop schema if exists ${s} cascade;
set role mutambo_owner;
create schema ${s};
grant usage on schema ${s} to anon, buyer, staff, scanner;

create type ${s}.seat_t as (id int, label text);

create table ${s}.counters (name text primary key, n int not null default 0);
create table ${s}.tickets (code text primary key);
create table ${s}.orders (id int primary key, ticket text references ${s}.tickets (code));
grant select, insert, update on ${s}.counters, ${s}.tickets, ${s}.orders to anon, buyer, staff;

create function ${s}.whoami() returns text language sql stable as $$ select current_user::text $$;
create function ${s}.request_info() returns jsonb language sql stable as $$
  select jsonb_build_object(
    'role', current_user,
    'method', current_setting('request.method', true),
    'path', current_setting('request.path', true),
    'headers', nullif(current_setting('request.headers', true), '')::jsonb,
    'cookies', nullif(current_setting('request.cookies', true), '')::jsonb,
    'claims', nullif(current_setting('request.jwt.claims', true), '')::jsonb,
    'org_id', auth.org_id(),
    'pre_request', current_setting('fixture.pre_request', true),
    'read_only', current_setting('transaction_read_only'),
    'search_path', current_setting('search_path'))
$$;
create function ${s}.add(a int, b int default 10) returns int language sql immutable
  as $$ select a + b $$;
create function ${s}.greet(name text) returns text language sql immutable
  as $$ select 'Hello, ' || name $$;
create function ${s}.big() returns numeric language sql immutable
  as $$ select 12345678901234567890.5::numeric $$;
create function ${s}.maybe_null() returns text language sql immutable as $$ select null::text $$;
create function ${s}.echo_json(jsonb) returns jsonb language sql immutable as $$ select $1 $$;
create function ${s}.seat(id int) returns ${s}.seat_t language sql stable
  as $$ select (id, 'Seat ' || id)::${s}.seat_t $$;
create function ${s}.seats(n int) returns setof ${s}.seat_t language sql stable
  as $$ select i, 'Seat ' || i from generate_series(1, n) i $$;
create function ${s}.squares(n int) returns table (i int, sq int) language sql stable
  as $$ select i, i * i from generate_series(1, n) i $$;
create function ${s}.numbers(n int) returns setof int language sql stable
  as $$ select generate_series(1, n) $$;
create function ${s}.stats(out total int, out label text) language sql stable
  as $$ select 3, 'three' $$;
create function ${s}.tags(list text[]) returns int language sql immutable
  as $$ select cardinality(list) $$;
create function ${s}.nothing() returns void language sql volatile as $$ select $$;
create function ${s}.bump(name text) returns int language sql volatile as $$
  insert into ${s}.counters as c (name, n) values (name, 1)
  on conflict (name) do update set n = c.n + 1 returning n
$$;
create function ${s}.counter(name text) returns int language sql stable
  as $$ select coalesce((select n from ${s}.counters c where c.name = counter.name), 0) $$;
-- STABLE, so called in a READ ONLY transaction; the volatile function it calls writes.
create function ${s}.write_in_stable(name text) returns int language plpgsql stable as $$
begin
  return ${s}.bump(name);
end $$;
create function ${s}.bump_then_fail(name text) returns int language plpgsql volatile as $$
begin
  perform ${s}.bump(name);
  raise exception 'Refused after writing' using errcode = 'PT409';
end $$;
create function ${s}.add_ticket(code text) returns void language sql volatile
  as $$ insert into ${s}.tickets (code) values (code) $$;
create function ${s}.add_order(id int, ticket text) returns void language sql volatile
  as $$ insert into ${s}.orders (id, ticket) values (id, ticket) $$;
create function ${s}.raise_code(code text) returns void language plpgsql volatile as $$
begin
  raise exception 'Raised %', code using errcode = code, detail = 'Detail of ' || code,
    hint = 'Hint for ' || code;
end $$;
create function ${s}.raise_code_stable(code text) returns int language plpgsql stable as $$
begin
  raise exception 'Raised %', code using errcode = code;
end $$;
create function ${s}.private_fn() returns int language sql stable as $$ select 1 $$;
create function ${s}.amb(a int) returns text language sql immutable as $$ select 'int' $$;
create function ${s}.amb(a text) returns text language sql immutable as $$ select 'text' $$;
create function ${s}.overloaded(a int) returns text language sql immutable as $$ select 'int' $$;
create function ${s}.overloaded(a int, b int) returns text language sql immutable
  as $$ select 'int,int' $$;
-- Fails with a serialization failure for its first "failures" calls per key, counting calls
-- with a sequence (nextval survives the rollback of each failed attempt).
create function ${s}.flaky(key text, failures int, code text default '40001') returns int
language plpgsql volatile as $$
declare
  attempt bigint := nextval(format('${s}.%I', 'flaky_' || key)::regclass);
begin
  if attempt <= failures then
    raise exception 'Transient failure (attempt %)', attempt using errcode = code;
  end if;
  return attempt;
end $$;
create function ${s}.pre_request() returns void language plpgsql stable as $$
begin
  if nullif(current_setting('request.headers', true), '')::jsonb ? 'x-refuse' then
    raise exception 'Refused by the pre-request check' using errcode = 'PT429',
      hint = 'Try again later';
  end if;
  perform set_config('fixture.pre_request', 'ran', true);
end $$;

-- Tenant rows behind ENABLE + FORCE row-level security, keyed by org_id from the claims.
create table ${s}.notes (id int primary key, org_id uuid not null, body text not null);
insert into ${s}.notes values (1, '${orgA}', 'a1'), (2, '${orgA}', 'a2'), (3, '${orgB}', 'b1');
alter table ${s}.notes enable row level security;
alter table ${s}.notes force row level security;
create policy notes_by_org on ${s}.notes using (org_id = (select auth.org_id()));
grant select on ${s}.notes to staff, buyer;
create view ${s}.notes_v with (security_invoker = true) as select id, org_id, body from ${s}.notes;
grant select on ${s}.notes_v to staff, buyer;
create function ${s}.note_count() returns int language sql stable
  as $$ select count(*)::int from ${s}.notes $$;

-- 250 rows to read, filter, order and page.
create table ${s}.items (
  id int primary key, name text not null, price numeric(8, 2), category text,
  active boolean not null, tags text[]);
insert into ${s}.items
select i, 'item ' || lpad(i::text, 3, '0'), case when i % 10 = 0 then null else i * 1.5 end,
  (array['food', 'drink', 'merch'])[1 + i % 3], i % 2 = 0, array['t' || (i % 5)]
from generate_series(1, 250) i;
create view ${s}.items_v with (security_invoker = true) as
  select id, name, price, category, active from ${s}.items;
grant select on ${s}.items, ${s}.items_v to anon, buyer, staff;
create table ${s}.hidden (id int);

grant execute on function ${s}.whoami(), ${s}.request_info(), ${s}.add(int, int),
  ${s}.greet(text), ${s}.big(), ${s}.maybe_null(), ${s}.echo_json(jsonb), ${s}.seat(int),
  ${s}.seats(int), ${s}.squares(int), ${s}.numbers(int), ${s}.stats(), ${s}.tags(text[]),
  ${s}.nothing(), ${s}.bump(text), ${s}.counter(text), ${s}.write_in_stable(text),
  ${s}.bump_then_fail(text), ${s}.add_ticket(text), ${s}.add_order(int, text),
  ${s}.raise_code(text), ${s}.raise_code_stable(text), ${s}.overloaded(int),
  ${s}.overloaded(int, int), ${s}.amb(int), ${s}.amb(text), ${s}.flaky(text, int, text), ${s}.pre_request(), ${s}.note_count()
  to anon, buyer, staff, scanner;
reset role;
`;
}

export interface Fixture {
  schema: string;
  admin: Sql;
  pool: Sql;
  rest: Rest;
  /** Base URL of the HTTP server, ending in `/rest/`. */
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  token(claims: Record<string, unknown>, options?: { expiresIn?: number | null }): Promise<string>;
  close(): Promise<void>;
}

/** Creates schema `schema` with the fixtures and serves a createRest() over it. */
export async function startFixture(
  schema: string,
  options: Partial<RestOptions> = {},
): Promise<Fixture> {
  const admin = await adminSql(2);
  await admin.unsafe(fixtureSql(schema));
  const pool = postgres(testAuthenticatorUrl(), { max: 6, onnotice: () => {}, prepare: false });
  const rest = createRest({ sql: pool, jwtSecret: secret, schema, ...options });
  const server = serve(rest);
  return {
    schema,
    admin,
    pool,
    rest,
    url: server.url,
    fetch: server.fetch,
    token: (claims, tokenOptions) => rest.signJwt(claims, tokenOptions),
    close: async () => {
      await server.close();
      await pool.end();
      await admin.end();
    },
  };
}

export interface Served {
  url: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** Serves `rest` over real HTTP on a random local port, under `/rest/`. */
export function serve(rest: Rest): Served {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname.replace(/^\/rest\/?/, "");
    return rest.handler(req, path);
  });
  const url = `http://127.0.0.1:${server.addr.port}/rest/`;
  return { url, fetch: (path, init) => fetch(url + path, init), close: () => server.shutdown() };
}

/**
 * One fixture per test file: started by the first test that needs it, closed by the last
 * test the file registers (call `closeTest()` at the end of the file).
 */
export function useFixture(schema: string, options: Partial<RestOptions> = {}) {
  let current: Promise<Fixture> | undefined;
  const get = () => current ??= startFixture(schema, options);
  return {
    get,
    test(name: string, fn: (fx: Fixture) => Promise<void>) {
      Deno.test({ name, ...dbTest, fn: async () => await fn(await get()) });
    },
    closeTest() {
      Deno.test({
        name: `${schema}: close the fixture`,
        ...dbTest,
        fn: async () => {
          if (current) await (await current).close();
        },
      });
    },
  };
}

/** Asserts an error response: status, PostgREST body with exactly its four keys. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
  message?: string | RegExp,
): Promise<{ code: string; message: string; details: string | null; hint: string | null }> {
  const text = await response.text();
  if (response.status !== status) {
    throw new Error(`Expected status ${status} but found ${response.status}: ${text}`);
  }
  const body = JSON.parse(text);
  const keys = Object.keys(body).sort().join(",");
  if (keys !== "code,details,hint,message") {
    throw new Error(`Expected the keys code, details, hint, message but found ${keys}`);
  }
  if (body.code !== code) throw new Error(`Expected code ${code} but found ${body.code}: ${text}`);
  if (typeof message === "string" && body.message !== message) {
    throw new Error(
      `Expected message ${JSON.stringify(message)} but found ${JSON.stringify(body.message)}`,
    );
  }
  if (message instanceof RegExp && !message.test(body.message)) {
    throw new Error(
      `Expected message matching ${message} but found ${JSON.stringify(body.message)}`,
    );
  }
  if (!(response.headers.get("content-type") ?? "").startsWith("application/json")) {
    throw new Error(
      `Expected a JSON content type but found ${response.headers.get("content-type")}`,
    );
  }
  return body;
}

/** POSTs JSON to an RPC. */
export function post(
  fx: Fixture,
  fn: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fx.fetch(`rpc/${fn}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The response's JSON body (consumes it). */
export async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`Expected a JSON body but found ${JSON.stringify(text)} (${response.status})`);
  }
}

export const dbTest = { sanitizeOps: false, sanitizeResources: false } as const;
