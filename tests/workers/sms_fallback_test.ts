// Buyers who gave only a phone number get their tickets link and reminder by SMS; buyers with
// an email get email and no SMS.
import assert from "node:assert/strict";
import type { Sms, SmsSender } from "../../lib/sms/mod.ts";
import type { Mailer } from "../../lib/email/mailer.ts";
import { seal } from "../../lib/payments/service.ts";
import { emailHandlers } from "../../workers/email.ts";
import type { HandlerContext, OutboxMessage } from "../../workers/outbox.ts";

function capture() {
  const texts: Sms[] = [];
  const mails: string[] = [];
  const sms: SmsSender = {
    name: "test",
    send: (s) => (texts.push(s), Promise.resolve({ id: null })),
  };
  const mailer = {
    send: (m: { to: string }) => (mails.push(m.to), Promise.resolve()),
  } as unknown as Mailer;
  return {
    texts,
    mails,
    handlers: emailHandlers({ sms, mailer, ticketsPdf: () => Promise.resolve(null) }),
  };
}

const ctx = { origin: "https://tickets.example", sql: undefined } as unknown as HandlerContext;

async function message(topic: string, payload: Record<string, unknown>): Promise<OutboxMessage> {
  return {
    id: "42",
    org_id: null,
    topic,
    payload: { code: "J5PWUKBH", ...payload },
    attempts: 0,
    order_link: await seal("/o/J5PWUKBH?k=secret-key"),
  };
}

Deno.test("a phone-only confirmation goes out as an SMS with the tickets link", async () => {
  const { texts, mails, handlers } = capture();
  await handlers.orders__send_confirmation!(
    await message("orders__send_confirmation", { phone: "+263771234567" }),
    ctx,
  );
  assert.deepEqual(mails, []);
  assert.equal(texts.length, 1);
  assert.equal(texts[0]!.to, "+263771234567");
  assert.equal(texts[0]!.reference, "42");
  assert.match(texts[0]!.message, /https:\/\/tickets\.example\/o\/J5PWUKBH\?k=secret-key/);
});

Deno.test("a phone-only reminder is an SMS; an email buyer gets email and no SMS", async () => {
  const { texts, mails, handlers } = capture();
  await handlers.orders__send_reminder!(
    await message("orders__send_reminder", {
      phone: "+263771234567",
      event_name: "Dynamos vs Highlanders",
    }),
    ctx,
  );
  assert.match(texts[0]!.message, /Dynamos vs Highlanders is on .*Your tickets: https:/);
  await handlers.orders__send_confirmation!(
    await message("orders__send_confirmation", {
      email: "chipo@example.com",
      phone: "+263771234567",
    }),
    ctx,
  );
  assert.deepEqual(mails, ["chipo@example.com"]);
  assert.equal(texts.length, 1, "no SMS when there is an email address");
});
