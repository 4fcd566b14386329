// routes/rest/[...path].ts: the Fresh-style route hands every method to the process-wide
// endpoint (lib/rest/mod.ts), which uses the authenticator pool of lib/db.ts and schema api.
import assert from "node:assert/strict";
import { handler } from "../../routes/rest/[...path].ts";
import { closeDb } from "../../lib/db.ts";
import { ApiError, rpc, signJwt } from "../../lib/rest/mod.ts";
import { ensureTestDatabase, testAuthenticatorUrl } from "../support/db.ts";
import { dbTest, expectError, secret } from "./support.ts";

function ctx(method: string, path: string, init: RequestInit = {}) {
  return {
    req: new Request(`http://localhost/rest/${path}`, { method, ...init }),
    params: { path },
  };
}

Deno.test({
  name: "the route serves every method through the process-wide endpoint",
  ...dbTest,
  fn: async () => {
    await ensureTestDatabase();
    const saved = ["AUTHENTICATOR_DATABASE_URL", "JWT_SECRET"].map((k) =>
      [k, Deno.env.get(k)] as const
    );
    await closeDb(); // the pool must be built from the URL set here
    Deno.env.set("AUTHENTICATOR_DATABASE_URL", testAuthenticatorUrl());
    Deno.env.set("JWT_SECRET", secret);
    try {
      assert.deepEqual(Object.keys(handler).sort(), [
        "DELETE",
        "GET",
        "HEAD",
        "PATCH",
        "POST",
        "PUT",
      ]);
      const missing = await handler.POST(ctx("POST", "rpc/no_such_function_here", {
        headers: { "content-type": "application/json" },
        body: "{}",
      }));
      const body = await expectError(missing, 404, "PGRST202");
      assert.match(body.message, /^Could not find the function api\.no_such_function_here /);
      await expectError(await handler.GET(ctx("GET", "no_such_view_here")), 404, "PGRST205");
      await expectError(await handler.DELETE(ctx("DELETE", "rpc/anything")), 405, "PGRST101");
      await expectError(await handler.PATCH(ctx("PATCH", "rpc/anything")), 405, "PGRST101");
      await expectError(await handler.PUT(ctx("PUT", "rpc/anything")), 405, "PGRST101");
      const head = await handler.HEAD(ctx("HEAD", "no_such_view_here"));
      assert.equal(head.status, 404);
      assert.equal(await head.text(), "");
      const token = await signJwt({ role: "buyer", exp: Math.floor(Date.now() / 1000) - 3600 });
      const expired = await handler.GET(
        ctx("GET", "rpc/x", { headers: { authorization: `Bearer ${token}` } }),
      );
      await expectError(expired, 401, "PGRST303", "JWT expired");
      const error = await rpc("no_such_function_here").catch((e: unknown) => e);
      assert.ok(error instanceof ApiError);
      assert.equal(error.status, 404);
    } finally {
      await closeDb();
      for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  },
});
