// The per-request context: role switch, request.* settings, the pre-request function, one
// transaction (READ ONLY when it cannot write, rolled back on error), row-level security by
// the claims' org_id, and retries of serialization failures.
import assert from "node:assert/strict";
import { createRest } from "../../lib/rest/rest.ts";
import {
  expectError,
  type Fixture,
  json,
  orgA,
  orgB,
  post,
  secret,
  serve,
  useFixture,
  userId,
} from "./support.ts";

const s = "rest_fx_context";
const fixture = useFixture(s);

async function bearer(fx: Fixture, claims: Record<string, unknown>) {
  return { authorization: `Bearer ${await fx.token(claims)}` };
}

async function counter(fx: Fixture, name: string): Promise<number> {
  const [row] = await fx.admin.unsafe<{ n: number }[]>(
    `select coalesce((select n from ${s}.counters where name = $1), 0) as n`,
    [name],
  );
  return row?.n ?? -1;
}

interface Info {
  role: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  cookies: Record<string, string>;
  claims: Record<string, unknown>;
  org_id: string | null;
  read_only: string;
  search_path: string;
}

fixture.test("request.* settings are visible in SQL, transaction-local", async (fx) => {
  const claims = { role: "buyer", sub: userId, org_id: orgA, custom: { nested: [1, 2] } };
  const response = await post(fx, "request_info", {}, {
    ...(await bearer(fx, claims)),
    "X-Custom-Header": "Value 1",
    cookie: "session=abc123; theme=dark%20blue; empty=",
  });
  assert.equal(response.status, 200);
  const info = await json(response) as Info;
  assert.equal(info.role, "buyer");
  assert.equal(info.method, "POST");
  assert.equal(info.path, "/rpc/request_info");
  assert.equal(info.headers["x-custom-header"], "Value 1", "header names are lowercased");
  assert.equal(info.headers["X-Custom-Header"], undefined);
  assert.equal(info.headers["content-type"], "application/json");
  assert.deepEqual(info.cookies, { session: "abc123", theme: "dark blue", empty: "" });
  assert.equal(info.claims.sub, userId);
  assert.deepEqual(info.claims.custom, { nested: [1, 2] });
  assert.equal(typeof info.claims.exp, "number");
  assert.equal(info.org_id, orgA, "auth.org_id() reads the claims");
  assert.equal(info.search_path, `"${s}", "public"`);
  const get = await json(await fx.fetch("rpc/request_info")) as Info;
  assert.equal(get.method, "GET");
  assert.deepEqual(get.claims, {}, "anonymous requests have empty claims");
  assert.deepEqual(get.cookies, {});
  assert.equal(get.role, "anon");
  // Nothing leaks into the next request on a reused connection.
  const [row] = await fx.pool`select current_user as role,
    current_setting('request.jwt.claims', true) as claims`;
  assert.equal(row?.role, "authenticator");
  assert.ok(!row?.claims, `claims after the request: ${row?.claims}`);
});

fixture.test("READ ONLY for GET and for POST to stable functions; read-write for volatile", async (fx) => {
  assert.equal((await json(await post(fx, "request_info", {})) as Info).read_only, "on");
  assert.equal((await json(await fx.fetch("rpc/request_info")) as Info).read_only, "on");
  const name = crypto.randomUUID();
  const refused = await expectError(
    await post(fx, "write_in_stable", { name }),
    405,
    "25006",
    /read-only transaction/,
  );
  assert.equal(refused.details, null);
  assert.equal(await counter(fx, name), 0, "the stable function's write never happened");
  assert.equal(await json(await post(fx, "bump", { name })), 1);
  assert.equal(await json(await post(fx, "bump", { name })), 2);
  assert.equal(await counter(fx, name), 2, "volatile functions commit");
  assert.equal(await json(await fx.fetch(`rpc/counter?name=${name}`)), 2);
});

fixture.test("an error rolls back everything the request wrote", async (fx) => {
  const name = crypto.randomUUID();
  await post(fx, "bump", { name });
  await expectError(
    await post(fx, "bump_then_fail", { name }),
    409,
    "PT409",
    "Refused after writing",
  );
  assert.equal(await counter(fx, name), 1);
  const error = await fx.rest.rpc("bump_then_fail", { name }).catch((e: unknown) => e);
  assert.equal((error as { status?: number }).status, 409);
  assert.equal(await counter(fx, name), 1);
});

fixture.test("auth.pre_request (the default) refuses bad claims before the query", async (fx) => {
  const noOrg = await expectError(
    await post(fx, "whoami", {}, await bearer(fx, { role: "staff" })),
    403,
    "PT403",
    "A staff token must name its organisation",
  );
  assert.equal(noOrg.hint, null);
  const badSub = await post(fx, "whoami", {}, await bearer(fx, { role: "buyer", sub: "nope" }));
  assert.equal(badSub.headers.get("www-authenticate"), "Bearer");
  const body = await expectError(
    badSub,
    401,
    "PT401",
    "The token's subject is not a valid user id",
  );
  assert.equal(body.hint, "Sign in again");
  const ok = await post(fx, "whoami", {}, await bearer(fx, { role: "staff", org_id: orgA }));
  assert.equal(await json(ok), "staff");
  // Reads run it too.
  await expectError(
    await fx.fetch("items?limit=1", { headers: await bearer(fx, { role: "door_staff" }) }),
    403,
    "PT403",
  );
});

fixture.test("a configured pre-request function runs in the same transaction and can refuse", async (fx) => {
  const rest = createRest({
    sql: fx.pool,
    jwtSecret: secret,
    schema: s,
    preRequest: `${s}.pre_request`,
  });
  const server = serve(rest);
  try {
    const info = await json(await server.fetch("rpc/request_info")) as Info & {
      pre_request: string;
    };
    assert.equal(info.pre_request, "ran", "its transaction-local setting is seen by the query");
    const refused = await expectError(
      await server.fetch("rpc/request_info", { headers: { "x-refuse": "1" } }),
      429,
      "PT429",
      "Refused by the pre-request check",
    );
    assert.equal(refused.hint, "Try again later");
    await expectError(
      await server.fetch("items?limit=1", { headers: { "x-refuse": "yes" } }),
      429,
      "PT429",
    );
    const name = crypto.randomUUID();
    await expectError(
      await server.fetch("rpc/bump", {
        method: "POST",
        headers: { "x-refuse": "1", "content-type": "application/json" },
        body: JSON.stringify({ name }),
      }),
      429,
      "PT429",
    );
    assert.equal(await counter(fx, name), 0, "the main query never ran");
    // Without a pre-request function, the default's refusals do not happen.
    const bare = serve(
      createRest({ sql: fx.pool, jwtSecret: secret, schema: s, preRequest: null }),
    );
    try {
      const staff = await bare.fetch("rpc/whoami", {
        headers: await bearer(fx, { role: "staff" }),
      });
      assert.equal(await json(staff), "staff");
    } finally {
      await bare.close();
    }
  } finally {
    await server.close();
  }
  assert.throws(
    () => createRest({ sql: fx.pool, jwtSecret: secret, preRequest: "auth.pre_request(); drop" }),
    /Expected the pre-request function as schema.function/,
  );
});

fixture.test("role switching: the function runs as the JWT's role", async (fx) => {
  for (const role of ["buyer", "door_staff", "event_manager", "finance"]) {
    const claims = role === "buyer" ? { role } : { role, org_id: orgA };
    assert.equal(await json(await post(fx, "whoami", {}, await bearer(fx, claims))), role);
  }
});

fixture.test("row-level security: each org sees only its rows through views and functions", async (fx) => {
  const staffA = await bearer(fx, { role: "staff", org_id: orgA });
  const staffB = await bearer(fx, { role: "event_manager", org_id: orgB });
  const rowsA = await json(await fx.fetch("notes_v?select=id,body&order=id", { headers: staffA }));
  assert.deepEqual(rowsA, [{ id: 1, body: "a1" }, { id: 2, body: "a2" }]);
  const rowsB = await json(await fx.fetch("notes?select=id&order=id", { headers: staffB }));
  assert.deepEqual(rowsB, [{ id: 3 }]);
  assert.equal(await json(await post(fx, "note_count", {}, staffA)), 2);
  assert.equal(await json(await post(fx, "note_count", {}, staffB)), 1);
  // Filtering for another org's id finds nothing rather than leaking it.
  assert.deepEqual(
    await json(await fx.fetch(`notes_v?org_id=eq.${orgB}`, { headers: staffA })),
    [],
  );
  // No org in the claims: nothing visible.
  assert.deepEqual(
    await json(await fx.fetch("notes_v", { headers: await bearer(fx, { role: "buyer" }) })),
    [],
  );
  // anon has no grant at all: 401 asking for a token.
  const anon = await fx.fetch("notes_v");
  assert.equal(anon.headers.get("www-authenticate"), "Bearer");
  await expectError(anon, 401, "42501", /permission denied/);
  const inProcess = await fx.rest.read("notes_v", "select=id&order=id", {
    claims: { role: "staff", org_id: orgB },
  });
  assert.deepEqual(inProcess, [{ id: 3 }]);
});

fixture.test("serialization failures and deadlocks are retried, up to 3 times", async (fx) => {
  const key = () => crypto.randomUUID().replaceAll("-", "");
  const attempts = async (k: string) => {
    const [row] = await fx.admin.unsafe<{ n: string }[]>(
      `select last_value::text as n from ${s}.flaky_${k}`,
    );
    return Number(row?.n);
  };
  const sequence = async (k: string) => {
    await fx.admin.unsafe(
      `create sequence ${s}.flaky_${k}; grant usage on sequence ${s}.flaky_${k} to anon, buyer;`,
    );
    return k;
  };
  // Fails twice, succeeds on the third attempt: the client sees only the success.
  const twice = await sequence(key());
  const ok = await post(fx, "flaky", { key: twice, failures: 2 });
  assert.equal(ok.status, 200);
  assert.equal(await json(ok), 3, "the function ran three times");
  const deadlock = await sequence(key());
  assert.equal(
    await json(await post(fx, "flaky", { key: deadlock, failures: 1, code: "40P01" })),
    2,
  );
  // Always failing: the first attempt plus 3 retries, then 500 with the SQLSTATE.
  const always = await sequence(key());
  await expectError(
    await post(fx, "flaky", { key: always, failures: 100 }),
    500,
    "40001",
    /Transient failure/,
  );
  assert.equal(await attempts(always), 4);
  // Other errors are not retried.
  const once = await sequence(key());
  await expectError(
    await post(fx, "flaky", { key: once, failures: 100, code: "P0001" }),
    400,
    "P0001",
  );
  assert.equal(await attempts(once), 1);
  // The in-process path retries the same way.
  const inProcess = await sequence(key());
  assert.equal(await fx.rest.rpc("flaky", { key: inProcess, failures: 3 }), 4);
});

fixture.closeTest();
