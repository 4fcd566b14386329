// The SMS adapter against a loopback fake gateway: the request shape (bearer token, JSON body,
// idempotency key), the gateway's id, failures as errors, and the log fallback when unset.
import assert from "node:assert/strict";
import { httpGatewaySender, logSmsSender, normalisePhone, smsSender } from "../../lib/sms/mod.ts";

interface Got {
  auth: string | null;
  key: string | null;
  type: string | null;
  body: Record<string, unknown>;
}

const got: Got[] = [];
let answer: () => Response = () => Response.json({ message_id: 4711 });
const gateway = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
  got.push({
    auth: req.headers.get("authorization"),
    key: req.headers.get("idempotency-key"),
    type: req.headers.get("content-type"),
    body: await req.json(),
  });
  return answer();
});
const url = `http://127.0.0.1:${gateway.addr.port}/v1/sms`;

Deno.test("the HTTP gateway gets one JSON POST with the token and the reference", async () => {
  got.length = 0;
  const sender = smsSender((name) =>
    ({ SMS_GATEWAY_URL: url, SMS_GATEWAY_TOKEN: "tok_123", SMS_SENDER_ID: "MUTAMBO" })[name]
  );
  assert.equal(sender.name, "http");
  const result = await sender.send({
    to: "+263 77 123-4567",
    message: "Your tickets: https://mutambo.test/o/ABCDEFGH?k=x",
    reference: "42",
  });
  assert.deepEqual(result, { id: "4711" });
  assert.equal(got.length, 1);
  assert.deepEqual(got[0], {
    auth: "Bearer tok_123",
    key: "42",
    type: "application/json",
    body: {
      to: "+263771234567",
      from: "MUTAMBO",
      message: "Your tickets: https://mutambo.test/o/ABCDEFGH?k=x",
      reference: "42",
    },
  });
});

Deno.test("a gateway error or a bad number throws (so the outbox retries); nothing is sent for a bad number", async () => {
  got.length = 0;
  const sender = httpGatewaySender({ url, token: "t" });
  answer = () => new Response("quota exceeded", { status: 429 });
  await assert.rejects(
    sender.send({ to: "263771234567", message: "Hi" }),
    /SMS gateway answered 429: quota exceeded/,
  );
  assert.equal(got.length, 1);
  assert.equal(got[0]!.body.to, "+263771234567");
  await assert.rejects(sender.send({ to: "call me", message: "Hi" }), /is not a phone number/);
  await assert.rejects(sender.send({ to: "+263771234567", message: "  " }), /empty/);
  assert.equal(got.length, 1);
  answer = () => new Response("OK", { status: 202 });
  assert.deepEqual(await sender.send({ to: "+260971234567", message: "Hi" }), { id: null });
  answer = () => Response.json({ message_id: 4711 });
});

Deno.test("an unreachable gateway throws", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const sender = httpGatewaySender({ url: `http://127.0.0.1:${port}/`, token: "t" });
  await assert.rejects(sender.send({ to: "+263771234567", message: "Hi" }), /unreachable/);
});

Deno.test("without SMS_GATEWAY_URL the log sender prints the message", async () => {
  assert.equal(smsSender(() => undefined).name, "log");
  assert.throws(
    () => smsSender((n) => (n === "SMS_GATEWAY_URL" ? url : undefined)),
    /SMS_GATEWAY_TOKEN/,
  );
  const lines: string[] = [];
  await logSmsSender((l) => lines.push(l)).send({
    to: "263771234567",
    message: "Gates open 18:00",
  });
  assert.deepEqual(lines, ["[sms] to +263771234567: Gates open 18:00"]);
  assert.equal(normalisePhone("(0027) 82 555 0100"), "+27825550100");
  assert.equal(normalisePhone("+263 (77) 123-4567"), "+263771234567");
});

Deno.test({
  name: "close",
  fn: async () => {
    await gateway.shutdown();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
