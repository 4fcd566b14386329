// Pure pieces of the endpoint, without a database: error conversion, content negotiation,
// cookie parsing and query-string parsing.
import assert from "node:assert/strict";
import postgres from "postgres";
import { parseCookies } from "../../lib/rest/context.ts";
import { ApiError, errorResponse, toApiError } from "../../lib/rest/errors.ts";
import { wantsCount, wantsSingleObject } from "../../lib/rest/negotiate.ts";
import { parseReadPlan } from "../../lib/rest/read.ts";

Deno.test("toApiError: Postgres errors keep code, message, detail and hint", () => {
  const pg = new postgres.PostgresError(
    { code: "23505", message: "duplicate", detail: "Key (x)=(1)" } as never,
  );
  const error = toApiError(pg, false);
  assert.deepEqual(error.toJSON(), {
    code: "23505",
    message: "duplicate",
    details: "Key (x)=(1)",
    hint: null,
  });
  assert.equal(error.status, 409);
});

Deno.test("toApiError: a lost connection is 503 PGRST000, anything unknown 500 without internals", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
    code: "ECONNREFUSED",
  });
  const error = toApiError(refused, false);
  assert.equal(error.status, 503);
  assert.equal(error.code, "PGRST000");
  const original = console.error;
  console.error = () => {};
  try {
    const unknown = toApiError(new TypeError("secret internal detail"), false);
    assert.equal(unknown.status, 500);
    assert.doesNotMatch(JSON.stringify(unknown.toJSON()), /secret internal detail/);
  } finally {
    console.error = original;
  }
});

Deno.test("errorResponse: exactly code, message, details, hint; no body for HEAD", async () => {
  const error = new ApiError(404, "PGRST202", "Not here", { hint: "Look elsewhere" });
  const response = errorResponse(error);
  assert.equal(response.status, 404);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(
    await response.text(),
    '{"code":"PGRST202","message":"Not here","details":null,"hint":"Look elsewhere"}',
  );
  assert.equal(await errorResponse(error, { head: true }).text(), "");
});

Deno.test("wantsSingleObject: media types, wildcards and q values", () => {
  assert.equal(wantsSingleObject(null), false);
  assert.equal(wantsSingleObject(""), false);
  assert.equal(wantsSingleObject("application/json"), false);
  assert.equal(wantsSingleObject("*/*"), false);
  assert.equal(wantsSingleObject("application/vnd.pgrst.object+json"), true);
  assert.equal(wantsSingleObject("application/vnd.pgrst.object+json;charset=utf-8"), true);
  assert.equal(
    wantsSingleObject("application/json;q=0.5, application/vnd.pgrst.object+json"),
    true,
  );
  assert.equal(wantsSingleObject("text/html, application/json;q=0.9"), false);
  assert.throws(() => wantsSingleObject("text/csv"), { status: 406, code: "PGRST107" });
  assert.throws(() => wantsSingleObject("application/json;q=0"), { status: 406 });
});

Deno.test("wantsCount: count=exact (planned and estimated count exactly too)", () => {
  assert.equal(wantsCount(null), false);
  assert.equal(wantsCount("return=minimal"), false);
  assert.equal(wantsCount("count=exact"), true);
  assert.equal(wantsCount("return=representation, count=planned"), true);
});

Deno.test("parseCookies: quoted, percent-encoded, duplicates, junk", () => {
  assert.deepEqual(parseCookies(null), {});
  assert.deepEqual(parseCookies('a=1; b="two words"; c=%E2%9C%93; a=2; junk; =x; d=%zz'), {
    a: "1",
    b: "two words",
    c: "✓",
    d: "%zz",
  });
});

Deno.test("parseReadPlan: filters, not., in lists with quotes and escapes", () => {
  const plan = parseReadPlan(
    new URLSearchParams('a=not.in.("x,y","q\\"z", w )&b=ilike.*Ab*&c=is.NULL'),
    null,
  );
  assert.deepEqual(plan.filters.map((f) => [f.column, f.negate, f.operator, f.values]), [
    ["a", true, "in", ["x,y", 'q"z', "w"]],
    ["b", false, "ilike", ["%Ab%"]],
    ["c", false, "is", ["null"]],
  ]);
  assert.throws(() => parseReadPlan(new URLSearchParams('a=in.("x'), null), { code: "PGRST100" });
});

Deno.test("parseReadPlan: Range header combined with limit and offset", () => {
  const plan = (query: string, range: string | null) => {
    const p = parseReadPlan(new URLSearchParams(query), range);
    return [p.offset, p.limit];
  };
  assert.deepEqual(plan("", null), [0, null]);
  assert.deepEqual(plan("limit=10&offset=5", null), [5, 10]);
  assert.deepEqual(plan("", "0-19"), [0, 20]);
  assert.deepEqual(plan("", "items=20-39"), [20, 20]);
  assert.deepEqual(plan("", "40-"), [40, null]);
  assert.deepEqual(plan("limit=5", "10-19"), [10, 5]);
  assert.deepEqual(plan("", "bytes=oops"), [0, null], "unparseable ranges are ignored");
  assert.throws(() => plan("", "9-3"), { status: 416, code: "PGRST103" });
  assert.throws(() => plan("offset=99999999999999999999", null), { status: 400, code: "PGRST100" });
  assert.throws(() => plan("", "0-99999999999999999999"), { status: 400, code: "PGRST100" });
});
