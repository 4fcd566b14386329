import assert from "node:assert/strict";
import {
  generateEventKeyPair,
  parsePayload,
  secretCheck,
  signTicket,
  ticketPayload,
  verifyTicket,
} from "../../lib/tickets/signing.ts";

const ticket = {
  id: "0b6f3c1e-8a4d-4f5e-9c2b-7d1a2e3f4a5b",
  event_id: "f1e2d3c4-b5a6-4789-8a9b-0c1d2e3f4a5b",
  secret: "Zk3p9_Qw-8sLx2vBn7mRt1Yc",
  issued_at: "2025-05-01T10:20:30.900Z",
};

Deno.test("ticketPayload is compact and round-trips through parsePayload", async () => {
  const payload = await ticketPayload(ticket);
  assert.match(
    payload,
    /^MT1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{12}\.[0-9a-z]+$/,
  );
  assert.ok(!payload.includes(ticket.secret), "the secret itself is not in the payload");
  const parsed = parsePayload(payload);
  assert.equal(parsed.ticketId, ticket.id);
  assert.equal(parsed.eventId, ticket.event_id);
  assert.equal(parsed.check, await secretCheck(ticket.secret));
  assert.equal(parsed.issuedAt.toISOString(), "2025-05-01T10:20:30.000Z");
});

Deno.test("signTicket / verifyTicket: a signed code verifies with the event's public key", async () => {
  const { publicJwk, privateJwk } = await generateEventKeyPair();
  const qr = await signTicket(ticket, privateJwk);
  assert.ok(qr.length < 200, `QR text is ${qr.length} characters`);
  const result = await verifyTicket(qr, publicJwk, {
    eventId: ticket.event_id,
    secret: ticket.secret,
  });
  assert.equal(result.ok, true);
  if (result.ok) assert.equal(result.ticketId, ticket.id);
});

Deno.test("verifyTicket refuses altered codes, other keys, other events and other secrets", async () => {
  const { publicJwk, privateJwk } = await generateEventKeyPair();
  const other = await generateEventKeyPair();
  const qr = await signTicket(ticket, privateJwk);
  const parts = qr.split(".");
  // another ticket id with the same signature
  const forged = [parts[0], parts[2], ...parts.slice(2)].join(".");
  assert.equal((await verifyTicket(forged, publicJwk)).ok, false);
  const bumped = [...parts.slice(0, 4), (parseInt(parts[4]!, 36) + 1).toString(36), parts[5]].join(
    ".",
  );
  assert.equal((await verifyTicket(bumped, publicJwk)).ok, false, "a changed issue time fails");
  assert.equal((await verifyTicket(qr, other.publicJwk)).ok, false, "another event's key fails");
  const wrongEvent = await verifyTicket(qr, publicJwk, {
    eventId: "00000000-0000-4000-8000-000000000000",
  });
  assert.deepEqual(wrongEvent, { ok: false, reason: "This ticket is for another event" });
  assert.equal((await verifyTicket(qr, publicJwk, { secret: "another-secret-value" })).ok, false);
  assert.equal(
    (await verifyTicket(parts.slice(0, 5).join("."), publicJwk)).ok,
    false,
    "unsigned fails",
  );
  assert.equal((await verifyTicket("hello", publicJwk)).ok, false, "garbage fails");
  assert.equal((await verifyTicket(qr.slice(0, -4) + "AAAA", publicJwk)).ok, false);
});

Deno.test("ticketPayload refuses bad input", async () => {
  await assert.rejects(() => ticketPayload({ ...ticket, id: "nope" }), /Expected a uuid/);
  await assert.rejects(() => ticketPayload({ ...ticket, secret: "short" }), /secret/);
  await assert.rejects(() => ticketPayload({ ...ticket, issued_at: "yesterday" }), /issue time/);
});
