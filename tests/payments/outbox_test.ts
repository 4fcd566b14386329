// The confirmation email worker: claims the paid order's message, renders the link that opens
// the order, marks it done; a failed delivery is retried later with backoff.
import assert from "node:assert/strict";
import postgres from "postgres";
import { signatureHeader } from "../../lib/payments/hmac.ts";
import { sandboxWebhookSecret } from "../../lib/payments/secrets.ts";
import { type RenderedEmail, runOutboxLogOnce, TOPIC } from "../../workers/outbox_log.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";
import { gaEvent, httpBuyer, startServer } from "./support.ts";

const server = await startServer();
const ga = await gaEvent();
const admin = await adminSql(1);
// the worker connects like the server: as the login role, outside any request role
const worker = postgres(testAuthenticatorUrl(), { max: 2, onnotice: () => {} });

async function paidOrder(email: string) {
  const buyer = httpBuyer(server.origin);
  await buyer.get(ga.path);
  const held = await buyer.post(ga.path, { _csrf: buyer.csrf, [ga.field]: "1" });
  const checkoutPath = held.headers.get("location")!;
  await buyer.get(checkoutPath);
  const paid = await buyer.post(checkoutPath, {
    _csrf: buyer.csrf,
    action: "pay",
    email,
    method: "card",
  });
  const intentId = paid.headers.get("location")!.split("/").pop()!;
  const [p] =
    await admin`select amount_minor::int as amount from core.payments where intent_id = ${intentId}`;
  const body = JSON.stringify({
    id: `evt_${crypto.randomUUID()}`,
    type: "payment_intent.succeeded",
    created: 0,
    data: { object: { id: intentId, amount_minor: p!.amount, currency: "USD" } },
  });
  const r = await fetch(`${server.origin}/webhooks/sandbox`, {
    method: "POST",
    body,
    headers: { "sandbox-signature": await signatureHeader(sandboxWebhookSecret(), body) },
  });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  return { buyer, intentId };
}

Deno.test("the worker logs one confirmation with a working order link and marks it done", async () => {
  // leave only this test's messages due
  await admin`update core.outbox set done_at = now() where topic = ${TOPIC} and done_at is null`;
  const { buyer } = await paidOrder("rudo@example.com");
  const sent: RenderedEmail[] = [];
  const handled = await runOutboxLogOnce({
    sql: worker,
    origin: server.origin,
    deliver: (e) => void sent.push(e),
  });
  assert.equal(handled, 1);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.to, "rudo@example.com");
  const link = /(http:\/\/\S+\/o\/[2-9A-Z]{8}\?k=\S+)/.exec(sent[0]!.text)?.[1];
  assert.ok(link, sent[0]!.text);
  const page = await buyer.get(new URL(link).pathname + new URL(link).search);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Paid · 1 ticket ready/);
  assert.equal(
    await runOutboxLogOnce({ sql: worker, origin: server.origin, deliver: () => {} }),
    0,
  );
});

Deno.test("a failed delivery is retried later with backoff, not lost", async () => {
  await admin`update core.outbox set done_at = now() where topic = ${TOPIC} and done_at is null`;
  const email = `fail-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await paidOrder(email);
  const handled = await runOutboxLogOnce({
    sql: worker,
    deliver: () => {
      throw new Error("SMTP down");
    },
  });
  assert.equal(handled, 1);
  const [row] = await admin`select attempts, last_error, available_at > now() as later, done_at
                            from core.outbox where topic = ${TOPIC} and payload ->> 'email' = ${email}`;
  assert.equal(row!.attempts, 1);
  assert.equal(row!.last_error, "SMTP down");
  assert.equal(row!.later, true);
  assert.equal(row!.done_at, null);
  // due again: delivered
  await admin`update core.outbox set available_at = now() where topic = ${TOPIC} and done_at is null`;
  assert.equal(await runOutboxLogOnce({ sql: worker, deliver: () => {} }), 1);
});

Deno.test({
  name: "close",
  fn: async () => {
    await worker.end();
    await admin.end();
    await server.close();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
