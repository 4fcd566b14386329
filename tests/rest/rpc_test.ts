// RPC: named arguments matched against the catalog, results shaped by the return type, bad
// bodies answered with 4xx, GET only for functions that cannot write.
import assert from "node:assert/strict";
import { ApiError } from "../../lib/rest/errors.ts";
import { maxBodyBytes } from "../../lib/rest/negotiate.ts";
import { expectError, json, post, useFixture } from "./support.ts";

const fixture = useFixture("rest_fx_rpc");
const s = "rest_fx_rpc";

fixture.test("scalar results are bare JSON values", async (fx) => {
  const sum = await post(fx, "add", { a: 1, b: 2 });
  assert.equal(sum.status, 200);
  assert.equal(sum.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(await sum.text(), "3");
  assert.equal(await json(await post(fx, "add", { a: 1 })), 11, "b takes its default");
  assert.equal(await json(await post(fx, "greet", { name: "Tendai" })), "Hello, Tendai");
  assert.equal(
    await (await post(fx, "big", {})).text(),
    "12345678901234567890.5",
    "no float rounding",
  );
  assert.equal(await (await post(fx, "maybe_null", {})).text(), "null");
  assert.equal(await json(await post(fx, "tags", { list: ["a", "b", "c"] })), 3);
});

fixture.test("composite → object, setof/table → array, void → 204", async (fx) => {
  assert.deepEqual(await json(await post(fx, "seat", { id: 7 })), { id: 7, label: "Seat 7" });
  assert.deepEqual(await json(await post(fx, "stats", {})), { total: 3, label: "three" });
  assert.deepEqual(await json(await post(fx, "seats", { n: 2 })), [
    { id: 1, label: "Seat 1" },
    { id: 2, label: "Seat 2" },
  ]);
  assert.deepEqual(await json(await post(fx, "seats", { n: 0 })), []);
  assert.deepEqual(await json(await post(fx, "squares", { n: 3 })), [
    { i: 1, sq: 1 },
    { i: 2, sq: 4 },
    { i: 3, sq: 9 },
  ]);
  assert.deepEqual(await json(await post(fx, "numbers", { n: 3 })), [1, 2, 3]);
  const nothing = await post(fx, "nothing", {});
  assert.equal(nothing.status, 204);
  assert.equal(await nothing.text(), "");
});

fixture.test("a single unnamed json/jsonb parameter gets the whole body", async (fx) => {
  const body = { anything: [1, { nested: true }], "odd key": null };
  assert.deepEqual(await json(await post(fx, "echo_json", body)), body);
  assert.deepEqual(await json(await post(fx, "echo_json", [1, 2, 3])), [1, 2, 3]);
});

fixture.test("Accept: application/vnd.pgrst.object+json → one object or 406", async (fx) => {
  const accept = { accept: "application/vnd.pgrst.object+json" };
  const one = await post(fx, "seats", { n: 1 }, accept);
  assert.equal(one.status, 200);
  assert.equal(one.headers.get("content-type"), "application/vnd.pgrst.object+json; charset=utf-8");
  assert.deepEqual(await one.json(), { id: 1, label: "Seat 1" });
  const two = await expectError(await post(fx, "seats", { n: 2 }, accept), 406, "PGRST116");
  assert.equal(two.message, "Cannot coerce the result to a single JSON object");
  assert.equal(two.details, "The result contains 2 rows");
  const none = await expectError(await post(fx, "seats", { n: 0 }, accept), 406, "PGRST116");
  assert.equal(none.details, "The result contains 0 rows");
  assert.deepEqual(await json(await post(fx, "seat", { id: 2 }, accept)), {
    id: 2,
    label: "Seat 2",
  });
  await expectError(
    await post(fx, "seats", { n: 1 }, { accept: "text/csv" }),
    406,
    "PGRST107",
    "None of these media types are available: text/csv",
  );
  assert.equal((await post(fx, "seats", { n: 1 }, { accept: "text/html, */*;q=0.8" })).status, 200);
});

fixture.test("unknown function: 404 PGRST202 with PostgREST's message and a hint", async (fx) => {
  const missing = await expectError(await post(fx, "greett", { name: "x" }), 404, "PGRST202");
  assert.equal(
    missing.message,
    `Could not find the function ${s}.greett(name) in the schema cache`,
  );
  assert.equal(
    missing.details,
    `Searched for the function ${s}.greett with parameter name or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
  );
  assert.equal(missing.hint, `Perhaps you meant to call the function ${s}.greet`);
  const bare = await expectError(await post(fx, "zzz_unknown", {}), 404, "PGRST202");
  assert.equal(
    bare.message,
    `Could not find the function ${s}.zzz_unknown without parameters in the schema cache`,
  );
  assert.equal(bare.hint, null);
});

fixture.test("unknown or missing keys mean no function matches: 404 PGRST202", async (fx) => {
  const unknown = await expectError(await post(fx, "add", { a: 1, c: 2 }), 404, "PGRST202");
  assert.equal(unknown.message, `Could not find the function ${s}.add(a, c) in the schema cache`);
  assert.equal(unknown.hint, `Perhaps you meant to call the function ${s}.add(a, b)`);
  const missing = await expectError(await post(fx, "add", { b: 1 }), 404, "PGRST202");
  assert.equal(missing.message, `Could not find the function ${s}.add(b) in the schema cache`);
  await expectError(await post(fx, "add", {}), 404, "PGRST202", /add without parameters/);
});

fixture.test("overloads are told apart by their keys; a tie is 300 PGRST203", async (fx) => {
  assert.equal(await json(await post(fx, "overloaded", { a: 1 })), "int");
  assert.equal(await json(await post(fx, "overloaded", { a: 1, b: 2 })), "int,int");
  await expectError(
    await post(fx, "amb", { a: 1 }),
    300,
    "PGRST203",
    /Could not choose the best candidate/,
  );
});

fixture.test("bad bodies are 400s: not JSON, an array, a scalar, the wrong content type", async (fx) => {
  await expectError(await post(fx, "add", "{nope"), 400, "PGRST102", "Empty or invalid json");
  await expectError(await post(fx, "add", "[1, 2]"), 400, "PGRST102", /found an array/);
  await expectError(await post(fx, "add", "42"), 400, "PGRST102", /found number/);
  await expectError(await post(fx, "add", "null"), 400, "PGRST102", /found null/);
  const plain = await fx.fetch("rpc/add", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "a=1",
  });
  await expectError(plain, 400, "PGRST102", "Content-Type not acceptable: text/plain");
});

fixture.test("wrong argument types are Postgres' own 400 errors", async (fx) => {
  await expectError(
    await post(fx, "add", { a: "x" }),
    400,
    "22P02",
    'invalid input syntax for type integer: "x"',
  );
  await expectError(await post(fx, "add", { a: 1.5 }), 400, "22P02");
  await expectError(await post(fx, "add", { a: { nested: 1 } }), 400, "22P02");
  await expectError(
    await post(fx, "tags", { list: "not an array" }),
    400,
    "22P02",
    /malformed array literal/,
  );
  await expectError(await post(fx, "greet", { name: "nul\u0000byte" }), 400, "22P05");
});

fixture.test("an empty body is an empty object; form bodies are accepted", async (fx) => {
  const empty = await fx.fetch("rpc/whoami", {
    method: "POST",
    headers: { "content-type": "application/json" },
  });
  assert.equal(await json(empty), "anon");
  const form = await fx.fetch("rpc/add", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "a=4&b=5",
  });
  assert.equal(await json(form), 9);
});

fixture.test("a body larger than the limit is 413", async (fx) => {
  const big = JSON.stringify({ name: "x".repeat(maxBodyBytes) });
  await expectError(await post(fx, "greet", big), 413, "PGRST102");
});

fixture.test("GET for stable/immutable functions, 405 for volatile ones", async (fx) => {
  const get = await fx.fetch("rpc/add?a=2&b=3");
  assert.equal(get.status, 200);
  assert.equal(await get.text(), "5");
  assert.deepEqual(await json(await fx.fetch("rpc/seats?n=1")), [{ id: 1, label: "Seat 1" }]);
  const key = crypto.randomUUID();
  const volatile = await expectError(
    await fx.fetch(`rpc/bump?name=${key}`),
    405,
    "PGRST101",
    "Cannot use the GET method on RPC",
  );
  assert.match(volatile.details ?? "", /VOLATILE/);
  const [row] = await fx.admin`select count(*)::int as n from ${
    fx.admin(s)
  }.counters where name = ${key}`;
  assert.equal(row?.n, 0, "the volatile function did not run");
  await expectError(await fx.fetch("rpc/add?a=x"), 400, "22P02");
  await expectError(await fx.fetch("rpc/add?c=1"), 404, "PGRST202");
  const head = await fx.fetch("rpc/add?a=1", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

fixture.test("PATCH, PUT and DELETE on /rpc are 405 PGRST101", async (fx) => {
  for (const method of ["PATCH", "PUT", "DELETE"]) {
    await expectError(
      await fx.fetch("rpc/add", {
        method,
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
      405,
      "PGRST101",
      `Cannot use the ${method} method on RPC`,
    );
  }
  await expectError(await fx.fetch("rpc/add/extra"), 404, "PGRST125");
  await expectError(await fx.fetch(""), 404, "PGRST125");
});

fixture.test("a function created after the first request is found (cache refresh on miss)", async (fx) => {
  const name = `late_${crypto.randomUUID().replaceAll("-", "")}`;
  await expectError(await post(fx, name, { x: 1 }), 404, "PGRST202");
  await fx.admin.unsafe(`
    set role mutambo_owner;
    create function ${s}.${name}(x int) returns int language sql immutable as $$ select x * 2 $$;
    grant execute on function ${s}.${name}(int) to anon;
    reset role;`);
  assert.equal(await json(await post(fx, name, { x: 21 })), 42);
  // A new overload with another parameter set is found too.
  await fx.admin.unsafe(`
    set role mutambo_owner;
    create function ${s}.${name}(x int, y int) returns int language sql immutable as $$ select x * y $$;
    grant execute on function ${s}.${name}(int, int) to anon;
    reset role;`);
  assert.equal(await json(await post(fx, name, { x: 6, y: 7 })), 42);
});

fixture.test("in-process rpc() returns parsed values and runs as the given claims", async (fx) => {
  assert.equal(await fx.rest.rpc<number>("add", { a: 2 }), 12);
  assert.equal(await fx.rest.rpc<number>("add", { a: 2, b: undefined }), 12, "undefined is absent");
  assert.deepEqual(await fx.rest.rpc("seat", { id: 1 }), { id: 1, label: "Seat 1" });
  assert.deepEqual(await fx.rest.rpc("numbers", { n: 2 }), [1, 2]);
  assert.equal(await fx.rest.rpc("nothing"), undefined);
  assert.equal(await fx.rest.rpc("whoami"), "anon");
  assert.equal(await fx.rest.rpc("whoami", {}, { claims: { role: "buyer" } }), "buyer");
  const info = await fx.rest.rpc<{ method: string; path: string; claims: unknown }>(
    "request_info",
    {},
    { claims: { role: "buyer", sub: "00000000-0000-4000-8000-000000000009" } },
  );
  assert.equal(info.method, "POST");
  assert.equal(info.path, "/rpc/request_info");
  assert.deepEqual(info.claims, { role: "buyer", sub: "00000000-0000-4000-8000-000000000009" });
  const missing = await fx.rest.rpc("add", { c: 1 }).catch((e: unknown) => e);
  assert.ok(missing instanceof ApiError);
  assert.equal(missing.status, 404);
  assert.equal(missing.code, "PGRST202");
  const typed = await fx.rest.rpc("add", { a: "x" }).catch((e: unknown) => e);
  assert.ok(typed instanceof ApiError && typed.status === 400 && typed.code === "22P02");
});

fixture.closeTest();
