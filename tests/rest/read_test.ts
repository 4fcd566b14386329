// Read-only GET /rest/<view>: select, filters, order, limit/offset, Range, Prefer: count=exact,
// the single-object media type, and the 4xx answers to bad queries. Fixture: 250 items,
// price null for every 10th, category food/drink/merch by id % 3, active for even ids.
import assert from "node:assert/strict";
import { createRest } from "../../lib/rest/rest.ts";
import { expectError, type Fixture, json, secret, serve, useFixture } from "./support.ts";

const s = "rest_fx_read";
const fixture = useFixture(s);

async function ids(fx: Fixture, query: string, headers: Record<string, string> = {}) {
  const response = await fx.fetch(`items_v?${query}`, { headers });
  const text = await response.text();
  assert.equal(response.status, 200, `${query}: ${text}`);
  return (JSON.parse(text) as { id: number }[]).map((r) => r.id);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

fixture.test("a view reads as an array of objects with all its columns", async (fx) => {
  const response = await fx.fetch("items_v?order=id");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(response.headers.get("content-range"), "0-249/*");
  const rows = await response.json() as Record<string, unknown>[];
  assert.equal(rows.length, 250);
  assert.deepEqual(rows[0], {
    id: 1,
    name: "item 001",
    price: 1.5,
    category: "drink",
    active: false,
  });
  assert.equal(rows[9]?.price, null);
  // Tables in the exposed schema read the same way.
  assert.equal((await json(await fx.fetch("items?select=tags&id=eq.3")) as unknown[]).length, 1);
});

fixture.test("select picks and renames columns", async (fx) => {
  assert.deepEqual(await json(await fx.fetch("items_v?select=id,name&id=eq.5")), [{
    id: 5,
    name: "item 005",
  }]);
  assert.deepEqual(await json(await fx.fetch("items_v?select=label:name,id&id=eq.5")), [{
    label: "item 005",
    id: 5,
  }]);
  assert.deepEqual(await json(await fx.fetch("items_v?select=*&id=eq.1")), [
    { id: 1, name: "item 001", price: 1.5, category: "drink", active: false },
  ]);
});

fixture.test("comparison filters", async (fx) => {
  assert.deepEqual(await ids(fx, "id=eq.5"), [5]);
  assert.equal((await ids(fx, "id=neq.5")).length, 249);
  assert.deepEqual(await ids(fx, "id=gt.245&order=id"), range(246, 250));
  assert.deepEqual(await ids(fx, "id=gte.245&order=id"), range(245, 250));
  assert.deepEqual(await ids(fx, "id=lt.4&order=id"), [1, 2, 3]);
  assert.deepEqual(await ids(fx, "id=lte.3&order=id"), [1, 2, 3]);
  assert.deepEqual(await ids(fx, "id=gt.2&id=lt.5&order=id"), [3, 4], "filters combine with AND");
  assert.deepEqual(await ids(fx, "price=gt.370&order=id"), [247, 248, 249]);
  assert.deepEqual(await ids(fx, "name=eq.item 007"), [7]);
});

fixture.test("like, ilike with * as the wildcard", async (fx) => {
  assert.deepEqual(await ids(fx, "name=like.item 00*&order=id"), range(1, 9));
  assert.deepEqual(await ids(fx, "name=ilike.ITEM 01*&order=id"), range(10, 19));
  assert.deepEqual(await ids(fx, "name=like.ITEM 01*"), [], "like is case sensitive");
  assert.deepEqual(await ids(fx, "name=like.*50&order=id"), [50, 150, 250]);
});

fixture.test("in.(a,b) including quoted values, and is.null/true/false", async (fx) => {
  assert.deepEqual(await ids(fx, "id=in.(3,1,2)&order=id"), [1, 2, 3]);
  assert.deepEqual(await ids(fx, 'name=in.("item 001","item 002")&order=id'), [1, 2]);
  assert.deepEqual(await ids(fx, "id=in.()"), []);
  assert.equal((await ids(fx, "category=in.(food,drink)")).length, 167);
  assert.equal((await ids(fx, "price=is.null")).length, 25);
  assert.equal((await ids(fx, "active=is.true")).length, 125);
  assert.equal((await ids(fx, "active=is.false")).length, 125);
  assert.deepEqual(await ids(fx, "active=eq.true&id=lte.4&order=id"), [2, 4], "booleans as values");
});

fixture.test("not. negates any operator", async (fx) => {
  assert.equal((await ids(fx, "id=not.eq.1")).length, 249);
  assert.equal((await ids(fx, "price=not.is.null")).length, 225);
  assert.equal((await ids(fx, "category=not.in.(food,drink)")).length, 83);
  assert.deepEqual(await ids(fx, "id=not.gt.3&order=id"), [1, 2, 3]);
  assert.equal((await ids(fx, "name=not.like.item 0*")).length, 151);
});

fixture.test("order: direction, nulls placement, several columns", async (fx) => {
  assert.deepEqual(await ids(fx, "order=id.desc&limit=3"), [250, 249, 248]);
  assert.deepEqual(await ids(fx, "order=price.desc.nullslast&limit=2"), [249, 248]);
  assert.deepEqual(
    await ids(fx, "order=price.desc,id.asc&limit=2"),
    [10, 20],
    "desc puts nulls first",
  );
  assert.deepEqual(await ids(fx, "order=price.asc.nullsfirst,id.desc&limit=2"), [250, 240]);
  assert.deepEqual(await ids(fx, "order=category.asc,id.desc&limit=2"), [250, 247]);
});

fixture.test("limit and offset", async (fx) => {
  const response = await fx.fetch("items_v?order=id&limit=10&offset=20");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-range"), "20-29/*");
  assert.deepEqual((await response.json() as { id: number }[]).map((r) => r.id), range(21, 30));
  assert.deepEqual(await ids(fx, "order=id&limit=0"), []);
});

fixture.test("Range header pages; Prefer: count=exact gives the total and 206 for a partial page", async (fx) => {
  const plain = await fx.fetch("items_v?order=id", { headers: { range: "0-19" } });
  assert.equal(plain.status, 200, "without a count there is no way to know it is partial");
  assert.equal(plain.headers.get("content-range"), "0-19/*");
  assert.equal((await plain.json() as unknown[]).length, 20);

  const counted = await fx.fetch("items_v?order=id", {
    headers: { range: "0-19", prefer: "count=exact" },
  });
  assert.equal(counted.status, 206);
  assert.equal(counted.headers.get("content-range"), "0-19/250");
  assert.deepEqual((await counted.json() as { id: number }[]).map((r) => r.id), range(1, 20));

  const later = await fx.fetch("items_v?order=id", {
    headers: { range: "240-259", prefer: "count=exact" },
  });
  assert.equal(later.status, 206);
  assert.equal(later.headers.get("content-range"), "240-249/250");

  const whole = await fx.fetch("items_v?limit=300", { headers: { prefer: "count=exact" } });
  assert.equal(whole.status, 200, "a complete result is 200");
  assert.equal(whole.headers.get("content-range"), "0-249/250");
  await whole.body?.cancel();

  const filtered = await fx.fetch("items_v?id=lte.10&order=id", {
    headers: { range: "0-4", prefer: "count=exact" },
  });
  assert.equal(filtered.status, 206);
  assert.equal(
    filtered.headers.get("content-range"),
    "0-4/10",
    "the total counts the filtered rows",
  );
  await filtered.body?.cancel();

  const open = await fx.fetch("items_v?order=id", { headers: { range: "245-" } });
  assert.deepEqual((await open.json() as { id: number }[]).map((r) => r.id), range(246, 250));

  const narrowed = await fx.fetch("items_v?order=id&limit=5", { headers: { range: "10-19" } });
  assert.equal(narrowed.headers.get("content-range"), "10-14/*", "limit narrows the Range");
  await narrowed.body?.cancel();
});

fixture.test("empty results and out-of-range offsets", async (fx) => {
  const empty = await fx.fetch("items_v?id=gt.1000", { headers: { prefer: "count=exact" } });
  assert.equal(empty.status, 200);
  assert.equal(empty.headers.get("content-range"), "*/0");
  assert.deepEqual(await empty.json(), []);
  const beyond = await fx.fetch("items_v?offset=300", { headers: { prefer: "count=exact" } });
  assert.equal(beyond.headers.get("content-range"), "*/250");
  const body = await expectError(beyond, 416, "PGRST103", "Requested range not satisfiable");
  assert.equal(body.details, "An offset of 300 was requested, but there are only 250 rows.");
  await expectError(await fx.fetch("items_v", { headers: { range: "10-5" } }), 416, "PGRST103");
});

fixture.test("Accept: application/vnd.pgrst.object+json on reads", async (fx) => {
  const accept = { accept: "application/vnd.pgrst.object+json" };
  const one = await fx.fetch("items_v?select=id,name&id=eq.1", { headers: accept });
  assert.equal(one.headers.get("content-type"), "application/vnd.pgrst.object+json; charset=utf-8");
  assert.deepEqual(await one.json(), { id: 1, name: "item 001" });
  const many = await expectError(
    await fx.fetch("items_v?id=lt.3", { headers: accept }),
    406,
    "PGRST116",
  );
  assert.equal(many.details, "The result contains 2 rows");
  await expectError(await fx.fetch("items_v?id=eq.0", { headers: accept }), 406, "PGRST116");
});

fixture.test("HEAD answers the headers without a body", async (fx) => {
  const head = await fx.fetch("items_v?limit=5", {
    method: "HEAD",
    headers: { prefer: "count=exact" },
  });
  assert.equal(head.status, 206);
  assert.equal(head.headers.get("content-range"), "0-4/250");
  assert.equal(await head.text(), "");
});

fixture.test("unknown relations and columns are 404 and 400, checked against the catalog", async (fx) => {
  await expectError(
    await fx.fetch("no_such_view"),
    404,
    "PGRST205",
    `Could not find the table '${s}.no_such_view' in the schema cache`,
  );
  await expectError(
    await fx.fetch("items_v?select=id,nope"),
    400,
    "42703",
    "column items_v.nope does not exist",
  );
  await expectError(await fx.fetch("items_v?nope=eq.1"), 400, "42703");
  await expectError(await fx.fetch("items_v?order=nope.desc"), 400, "42703");
  // The view does not expose tags, although its table has them.
  await expectError(await fx.fetch("items_v?select=tags"), 400, "42703");
});

fixture.test("malformed queries are 400 PGRST100, bad values Postgres' own 400", async (fx) => {
  await expectError(
    await fx.fetch("items_v?id=foo.1"),
    400,
    "PGRST100",
    "Failed to parse filter (foo.1)",
  );
  await expectError(await fx.fetch("items_v?id=5"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?id=in.1,2"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?id=is.maybe"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?order=id.sideways"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?limit=ten"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?limit=-1"), 416, "PGRST103");
  await expectError(await fx.fetch("items_v?or=(id.eq.1,id.eq.2)"), 400, "PGRST100");
  await expectError(await fx.fetch("items_v?select=count()"), 400, "PGRST100");
  await expectError(
    await fx.fetch("items_v?id=eq.abc"),
    400,
    "22P02",
    'invalid input syntax for type integer: "abc"',
  );
  await expectError(await fx.fetch("items_v?active=eq.maybe"), 400, "22P02");
  await expectError(await fx.fetch("items_v?id=in.(1,x)"), 400, "22P02");
});

fixture.test("hostile identifiers and values never reach SQL as code", async (fx) => {
  await expectError(
    await fx.fetch(`items_v?select=${encodeURIComponent("id; drop table items")}`),
    400,
    "PGRST100",
  );
  await expectError(await fx.fetch(`items_v?${encodeURIComponent('id"')}=eq.1`), 400, "PGRST100");
  await expectError(
    await fx.fetch(`items_v?order=${encodeURIComponent('id"desc')}`),
    400,
    "PGRST100",
  );
  await expectError(await fx.fetch(`${encodeURIComponent('items_v" cascade')}`), 404, "PGRST205");
  const value = encodeURIComponent("x'); drop table rest_fx_read.items; --");
  assert.deepEqual(await json(await fx.fetch(`items_v?name=eq.${value}`)), []);
  const [row] = await fx.admin`select count(*)::int as n from ${fx.admin(s)}.items`;
  assert.equal(row?.n, 250);
});

fixture.test("reads are read-only; writing methods on views are 405 PGRST117", async (fx) => {
  for (const method of ["POST", "PATCH", "PUT", "DELETE"]) {
    const response = await fx.fetch("items_v?id=eq.1", {
      method,
      headers: { "content-type": "application/json" },
      body: method === "DELETE" ? null : JSON.stringify({ name: "changed" }),
    });
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    await expectError(response, 405, "PGRST117", `Unsupported HTTP method: ${method}`);
  }
  const [row] = await fx.admin`select name from ${fx.admin(s)}.items where id = 1`;
  assert.equal(row?.name, "item 001");
});

fixture.test("a table without grants is 401 for anon", async (fx) => {
  await expectError(await fx.fetch("hidden"), 401, "42501", /permission denied/);
});

fixture.test("in-process read() returns rows and uses the same checks", async (fx) => {
  assert.deepEqual(await fx.rest.read("items_v", "select=id&id=lte.2&order=id.desc"), [{ id: 2 }, {
    id: 1,
  }]);
  await assert.rejects(() => fx.rest.read("items_v", "nope=eq.1"), { status: 400, code: "42703" });
});

fixture.test("a column added after the first read is found (cache refresh on miss)", async (fx) => {
  await fx.admin.unsafe(`set role mutambo_owner;
    create or replace view ${s}.late_v with (security_invoker = true) as select id from ${s}.items;
    grant select on ${s}.late_v to anon; reset role;`);
  assert.equal((await json(await fx.fetch("late_v?id=eq.1")) as unknown[]).length, 1);
  await fx.admin.unsafe(`set role mutambo_owner;
    create or replace view ${s}.late_v with (security_invoker = true) as select id, name from ${s}.items;
    reset role;`);
  assert.deepEqual(await json(await fx.fetch("late_v?select=name&id=eq.1")), [{
    name: "item 001",
  }]);
});

fixture.test("maxRows caps every read, like PostgREST's db-max-rows", async (fx) => {
  const server = serve(createRest({ sql: fx.pool, jwtSecret: secret, schema: s, maxRows: 100 }));
  try {
    const capped = await server.fetch("items_v?order=id", { headers: { prefer: "count=exact" } });
    assert.equal(capped.status, 206);
    assert.equal(capped.headers.get("content-range"), "0-99/250");
    assert.equal((await capped.json() as unknown[]).length, 100);
    const asked = await server.fetch("items_v?limit=500&offset=200");
    assert.equal(asked.headers.get("content-range"), "200-249/*");
    await asked.body?.cancel();
    const smaller = await server.fetch("items_v?limit=7");
    assert.equal((await smaller.json() as unknown[]).length, 7);
  } finally {
    await server.close();
  }
});

fixture.closeTest();
