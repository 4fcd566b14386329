// The sandbox provider's settlement report: served by the provider over HTTP as CSV, read back
// through the provider interface (fetchSettlementReport) with the sandbox settlement parser.
import assert from "node:assert/strict";
import { SandboxProvider } from "../../lib/payments/sandbox.ts";
import { createIntent, decide } from "../../lib/payments/sandbox_party.ts";
import { sandboxApiKey } from "../../lib/payments/secrets.ts";
import { startServer } from "./support.ts";

const server = await startServer();

async function intent(amount: number, choice: "approve" | "decline") {
  const created = await createIntent(sandboxApiKey(), {
    amount_minor: amount,
    currency: "USD",
    reference: `REF${amount}`,
    return_url: `${server.origin}/checkout/return`,
    notify_url: `${server.origin}/webhooks/sandbox`,
  });
  const id = (created.body as { id: string }).id;
  await decide(id, choice);
  return id;
}

Deno.test("the settlement report lists succeeded payments in the range with the sandbox fee", async () => {
  const from = new Date(Date.now() - 60_000);
  const paid = await intent(12_345, "approve");
  const declined = await intent(5_000, "decline");
  const lines = await new SandboxProvider(server.origin).fetchSettlementReport({
    from,
    to: new Date(Date.now() + 60_000),
  });
  const mine = lines.find((l) => l.intentId === paid);
  assert.ok(mine, "the approved payment is in the report");
  assert.equal(mine.amountMinor, 12_345);
  assert.equal(mine.feeMinor, 358, "2.9 % of 123.45 rounded half up is 3.58");
  assert.equal(mine.currency, "USD");
  assert.equal(mine.reference, "REF12345");
  assert.ok(!lines.some((l) => l.intentId === declined), "a declined payment is not settled");

  const earlier = await new SandboxProvider(server.origin).fetchSettlementReport({
    from: new Date(Date.now() - 3_600_000),
    to: from,
  });
  assert.ok(!earlier.some((l) => l.intentId === paid), "the range bounds the report");
});

Deno.test("the settlement report refuses a wrong key and a bad range", async () => {
  const url = new URL("/sandbox-pay/api/settlements", server.origin);
  url.searchParams.set("from", "2026-01-02T00:00:00Z");
  url.searchParams.set("to", "2026-01-01T00:00:00Z");
  const wrongKey = await fetch(url, { headers: { authorization: "Bearer sk_wrong" } });
  assert.equal(wrongKey.status, 401);
  await wrongKey.body?.cancel();
  const backwards = await fetch(url, { headers: { authorization: `Bearer ${sandboxApiKey()}` } });
  assert.equal(backwards.status, 400);
  assert.match(await backwards.text(), /from must be a time before to/);
  const missing = await fetch(
    new URL("/sandbox-pay/api/settlements?from=yesterday", server.origin),
  );
  assert.equal(missing.status, 400);
  await missing.body?.cancel();
});

Deno.test({
  name: "close the server",
  fn: () => server.close(),
  sanitizeOps: false,
  sanitizeResources: false,
});
