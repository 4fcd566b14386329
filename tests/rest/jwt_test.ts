// Authentication: the JWT decides the role, and a token that does not verify is a 401 with
// PostgREST's WWW-Authenticate header, before any query runs.
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { expectError, type Fixture, json, orgA, post, secret, useFixture } from "./support.ts";

const fixture = useFixture("rest_fx_jwt");
const now = () => Math.floor(Date.now() / 1000);

function whoami(fx: Fixture, authorization?: string): Promise<Response> {
  return post(fx, "whoami", {}, authorization === undefined ? {} : { authorization });
}

async function expectInvalidToken(response: Response, code: string, message: string) {
  assert.equal(
    response.headers.get("www-authenticate"),
    `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
  );
  await expectError(response, 401, code, message);
}

fixture.test("no token: the anon role", async (fx) => {
  const response = await whoami(fx);
  assert.equal(response.status, 200);
  assert.equal(await json(response), "anon");
});

fixture.test("the role claim picks the database role", async (fx) => {
  const cases: [Record<string, unknown>, string][] = [
    [{ role: "buyer" }, "buyer"],
    [{ role: "staff", org_id: orgA }, "staff"],
    [{ role: "org_owner", org_id: orgA }, "org_owner"],
    [{ sub: "00000000-0000-4000-8000-000000000001" }, "anon"],
  ];
  for (const [claims, role] of cases) {
    const response = await whoami(fx, `Bearer ${await fx.token(claims)}`);
    assert.equal(response.status, 200, JSON.stringify(claims));
    assert.equal(await json(response), role);
  }
});

fixture.test("a scanner token that names no paired device is refused by the pre-request", async (fx) => {
  const response = await whoami(fx, `Bearer ${await fx.token({ role: "scanner" })}`);
  assert.equal(response.status, 401);
  assert.match((await response.json()).message, /scanner token must name its device/);
});

fixture.test("a scheme other than Bearer is ignored (anon)", async (fx) => {
  const response = await whoami(fx, "Basic dXNlcjpwYXNz");
  assert.equal(await json(response), "anon");
});

fixture.test("expired token: 401 PGRST303, but 30 s of clock skew are allowed", async (fx) => {
  const expired = await fx.token({ role: "buyer", exp: now() - 120 });
  await expectInvalidToken(await whoami(fx, `Bearer ${expired}`), "PGRST303", "JWT expired");
  const justExpired = await fx.token({ role: "buyer", exp: now() - 10 });
  const response = await whoami(fx, `Bearer ${justExpired}`);
  assert.equal(response.status, 200);
  assert.equal(await json(response), "buyer");
});

fixture.test("nbf in the future: 401, within the skew: accepted", async (fx) => {
  const later = await fx.token({ role: "buyer", nbf: now() + 120 });
  await expectInvalidToken(await whoami(fx, `Bearer ${later}`), "PGRST303", "JWT not yet valid");
  const soon = await fx.token({ role: "buyer", nbf: now() + 10 });
  assert.equal(await json(await whoami(fx, `Bearer ${soon}`)), "buyer");
});

fixture.test("iat in the future: 401", async (fx) => {
  const token = await fx.token({ role: "buyer", iat: now() + 600 });
  await expectInvalidToken(await whoami(fx, `Bearer ${token}`), "PGRST303", "JWT issued at future");
});

fixture.test("exp that is not a number: 401", async (fx) => {
  const token = await new SignJWT({ role: "buyer", exp: "tomorrow" } as Record<string, unknown>)
    .setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));
  await expectInvalidToken(
    await whoami(fx, `Bearer ${token}`),
    "PGRST303",
    "The JWT 'exp' claim must be a number",
  );
});

fixture.test("wrong secret: 401 PGRST301", async (fx) => {
  const token = await new SignJWT({ role: "buyer" }).setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode("another-secret-another-secret-another-secret"));
  await expectInvalidToken(
    await whoami(fx, `Bearer ${token}`),
    "PGRST301",
    "JWT cryptographic operation failed",
  );
});

fixture.test("malformed tokens: 401 PGRST301", async (fx) => {
  await expectInvalidToken(
    await whoami(fx, "Bearer not-a-jwt"),
    "PGRST301",
    "Expected 3 parts in JWT; got 1",
  );
  await expectInvalidToken(await whoami(fx, "Bearer a.b.c"), "PGRST301", "JWT couldn't be decoded");
  await expectInvalidToken(
    await whoami(fx, "Bearer "),
    "PGRST301",
    "Empty JWT is sent in Authorization header",
  );
});

fixture.test("other algorithms, including none, are refused", async (fx) => {
  const key = new TextEncoder().encode(secret);
  const hs512 = await new SignJWT({ role: "staff" }).setProtectedHeader({ alg: "HS512" }).sign(key);
  await expectInvalidToken(
    await whoami(fx, `Bearer ${hs512}`),
    "PGRST301",
    "Wrong or unsupported encoding algorithm",
  );
  const encode = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
  const unsigned = `${encode({ alg: "none", typ: "JWT" })}.${encode({ role: "staff" })}.`;
  const response = await whoami(fx, `Bearer ${unsigned}`);
  assert.equal(response.status, 401);
  assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer error="invalid_token"/);
  assert.equal((await response.json()).code, "PGRST301");
});

fixture.test("a role claim that is not a string is refused", async (fx) => {
  const token = await fx.token({ role: ["buyer"] });
  await expectInvalidToken(
    await whoami(fx, `Bearer ${token}`),
    "PGRST303",
    "Parsing claims failed",
  );
});

fixture.test("a role that does not exist: 401; a role we cannot switch to: 403", async (fx) => {
  const ghost = await fx.token({ role: "no_such_role_anywhere" });
  const response = await whoami(fx, `Bearer ${ghost}`);
  assert.equal(response.headers.get("www-authenticate"), "Bearer");
  await expectError(response, 401, "22023", /role "no_such_role_anywhere" does not exist/);
  const superuser = await fx.token({ role: "postgres" });
  await expectError(await whoami(fx, `Bearer ${superuser}`), 403, "42501", /permission denied/);
});

fixture.test("HEAD with a bad token: 401 and the header, no body", async (fx) => {
  const response = await fx.fetch("rpc/whoami", {
    method: "HEAD",
    headers: { authorization: "Bearer x.y" },
  });
  assert.equal(response.status, 401);
  assert.match(response.headers.get("www-authenticate") ?? "", /Expected 3 parts in JWT; got 2/);
  assert.equal(await response.text(), "");
});

fixture.test("signJwt refuses a secret shorter than 32 characters", async () => {
  const { signJwtWith } = await import("../../lib/rest/jwt.ts");
  await assert.rejects(() => signJwtWith({ role: "buyer" }, "short"), /at least 32 characters/);
});

fixture.closeTest();
