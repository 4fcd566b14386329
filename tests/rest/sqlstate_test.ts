// SQLSTATE → HTTP status, every row of COMPAT.md's table: first the mapping function alone,
// then each code raised by a real function and answered by the real endpoint over HTTP.
import assert from "node:assert/strict";
import { ApiError } from "../../lib/rest/errors.ts";
import { statusForSqlState } from "../../lib/rest/sqlstate.ts";
import { expectError, post, useFixture } from "./support.ts";

/** [SQLSTATE, status for a request without a JWT, why]. 42501 is tested separately. */
const matrix: [string, number, string][] = [
  ["23505", 409, "unique violation"],
  ["23503", 409, "foreign key violation"],
  ["P0001", 400, "raise exception without a code"],
  ["PT400", 400, "explicit status"],
  ["PT402", 402, "explicit status"],
  ["PT404", 404, "explicit status"],
  ["PT409", 409, "explicit status"],
  ["PT503", 503, "explicit status"],
  ["42883", 404, "undefined function"],
  ["42P01", 404, "undefined table"],
  ["25006", 405, "read-only transaction"],
  ["08000", 503, "connection exception"],
  ["08006", 503, "connection failure"],
  ["53000", 503, "insufficient resources"],
  ["53100", 503, "disk full"],
  ["53200", 503, "out of memory"],
  ["53300", 503, "too many connections"],
  ["53400", 500, "configuration limit exceeded (the 53 exception)"],
  ["57P01", 503, "admin shutdown"],
  ["28000", 403, "invalid authorization specification"],
  ["28P01", 403, "invalid password"],
  ["0L000", 403, "invalid grantor"],
  ["0LP01", 403, "invalid grant operation"],
  ["0P000", 403, "invalid role specification"],
  ["40001", 500, "serialization failure, after the retries"],
  ["40P01", 500, "deadlock, after the retries"],
  ["40000", 500, "transaction rollback"],
  ["09000", 500, "triggered action exception"],
  ["25001", 500, "invalid transaction state"],
  ["2D000", 500, "invalid transaction termination"],
  ["38000", 500, "external routine exception"],
  ["39000", 500, "external routine invocation"],
  ["3B000", 500, "savepoint exception"],
  ["42P17", 500, "infinite recursion"],
  ["54000", 500, "program limit exceeded"],
  ["55000", 500, "object not in prerequisite state"],
  ["57014", 500, "query canceled"],
  ["58030", 500, "io error"],
  ["F0000", 500, "config file error"],
  ["HV000", 500, "fdw error"],
  ["P0002", 500, "PL/pgSQL no_data_found"],
  ["XX000", 500, "internal error"],
  ["22P02", 400, "invalid text representation"],
  ["23502", 400, "not null violation"],
  ["23514", 400, "check violation"],
  ["22012", 400, "division by zero"],
  ["22023", 400, "invalid parameter value"],
  ["42703", 400, "undefined column"],
  ["42601", 400, "syntax error"],
];

Deno.test("statusForSqlState maps every row of the table", () => {
  for (const [code, status, why] of matrix) {
    assert.equal(statusForSqlState(code, { authenticated: false }), status, `${code} (${why})`);
    assert.equal(statusForSqlState(code, { authenticated: true }), status, `${code} with a JWT`);
  }
});

Deno.test("statusForSqlState: 42501 is 401 without a JWT and 403 with one", () => {
  assert.equal(statusForSqlState("42501", { authenticated: false }), 401);
  assert.equal(statusForSqlState("42501", { authenticated: true }), 403);
});

Deno.test("statusForSqlState: special messages and out-of-range PT codes", () => {
  assert.equal(
    statusForSqlState("22023", { authenticated: true, message: 'role "nobody" does not exist' }),
    401,
  );
  assert.equal(statusForSqlState("22023", { authenticated: true, message: "bad value" }), 400);
  assert.equal(
    statusForSqlState("21000", { authenticated: false, message: "DELETE requires a WHERE clause" }),
    400,
  );
  assert.equal(
    statusForSqlState("21000", { authenticated: false, message: "more than one row" }),
    500,
  );
  assert.equal(statusForSqlState("PT999", { authenticated: false }), 500);
  assert.equal(statusForSqlState("PT099", { authenticated: false }), 500);
});

const fixture = useFixture("rest_fx_sqlstate");

fixture.test("every SQLSTATE raised by a function gets its HTTP status and PostgREST's body", async (fx) => {
  for (const [code, status, why] of matrix) {
    const response = await post(fx, "raise_code", { code });
    const body = await expectError(response, status, code, `Raised ${code}`).catch((error) => {
      throw new Error(`${code} (${why}): ${error.message}`);
    });
    assert.equal(body.details, `Detail of ${code}`);
    assert.equal(body.hint, `Hint for ${code}`);
    assert.equal(
      response.headers.has("www-authenticate"),
      false,
      `${code} has no WWW-Authenticate`,
    );
  }
});

fixture.test("42501 raised: 401 with WWW-Authenticate for anon, 403 for a valid JWT", async (fx) => {
  const anon = await post(fx, "raise_code", { code: "42501" });
  assert.equal(anon.headers.get("www-authenticate"), "Bearer");
  await expectError(anon, 401, "42501", "Raised 42501");
  const token = await fx.token({ role: "buyer" });
  const buyer = await post(fx, "raise_code", { code: "42501" }, {
    authorization: `Bearer ${token}`,
  });
  assert.equal(buyer.headers.has("www-authenticate"), false);
  await expectError(buyer, 403, "42501", "Raised 42501");
});

fixture.test("real Postgres errors map the same way", async (fx) => {
  const code = `T-${crypto.randomUUID()}`;
  assert.equal((await post(fx, "add_ticket", { code })).status, 204);
  const duplicate = await expectError(await post(fx, "add_ticket", { code }), 409, "23505");
  assert.match(duplicate.details ?? "", /already exists/);
  await expectError(
    await post(fx, "add_order", { id: 1, ticket: "no-such-ticket" }),
    409,
    "23503",
    /violates foreign key constraint/,
  );
  await expectError(
    await post(fx, "add", { a: "seven" }),
    400,
    "22P02",
    'invalid input syntax for type integer: "seven"',
  );
  await expectError(await post(fx, "write_in_stable", { name: "x" }), 405, "25006");
  await expectError(await post(fx, "private_fn", {}), 401, "42501", /permission denied/);
  const token = await fx.token({ role: "buyer" });
  await expectError(
    await post(fx, "private_fn", {}, { authorization: `Bearer ${token}` }),
    403,
    "42501",
  );
});

fixture.test("in-process rpc() throws the same ApiError the HTTP path answers with", async (fx) => {
  for (
    const [code, status] of [["PT409", 409], ["23514", 400], ["53300", 503], [
      "XX000",
      500,
    ]] as const
  ) {
    const error = await fx.rest.rpc("raise_code", { code }).then(
      () => assert.fail(`${code} should have failed`),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApiError, `${code} rejects with an ApiError`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.equal(error.message, `Raised ${code}`);
    assert.equal(error.details, `Detail of ${code}`);
    assert.equal(error.hint, `Hint for ${code}`);
  }
  const anon = await fx.rest.rpc("private_fn").catch((e: unknown) => e);
  assert.ok(anon instanceof ApiError && anon.status === 401);
  const buyer = await fx.rest.rpc("private_fn", {}, { claims: { role: "buyer" } }).catch((
    e: unknown,
  ) => e);
  assert.ok(buyer instanceof ApiError && buyer.status === 403);
});

fixture.closeTest();
