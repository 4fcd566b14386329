// Email through real SMTP: a local SMTP server (npm smtp-server, loopback, port 0) captures
// what the worker sends; the test asserts recipient, subject, link, Message-ID and the PDF; the
// buyer of a payment too late for its places is told and then told of the refund; reminder and
// event-changed emails.
import assert from "node:assert/strict";
import postgres from "postgres";
import { signatureHeader } from "../../lib/payments/hmac.ts";
import { sandboxWebhookSecret } from "../../lib/payments/secrets.ts";
import { smtpMailer } from "../../lib/email/mailer.ts";
import { emailHandlers } from "../../workers/email.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { refundHandlers } from "../../workers/refunds.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";
import { startSmtp, unqp } from "./smtp_server.ts";
import { gaEvent, httpBuyer, startServer } from "../payments/support.ts";

const smtp = await startSmtp();
const server = await startServer();
const ga = await gaEvent();
const admin = await adminSql(1);
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
const mailer = smtpMailer(`smtp://127.0.0.1:${smtp.port}`, "Mutambo <tickets@mutambo.test>");
const handlers = emailHandlers({ mailer });

async function paidOrder(email: string) {
  const intentId = await pendingOrder(email);
  await succeeded(intentId);
}

/** A sandbox-signed payment_intent.succeeded for the attempt's amount. */
async function succeeded(intentId: string) {
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
  return await r.json() as { outcome: string };
}

/** A buyer's order through checkout, waiting for the sandbox payment; its intent id. */
async function pendingOrder(email: string): Promise<string> {
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
  return paid.headers.get("location")!.split("/").pop()!;
}

Deno.test("the order confirmation arrives by SMTP with the ticket link and the PDF", async () => {
  await admin`update core.outbox set done_at = now() where done_at is null`;
  const email = `smtp-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await paidOrder(email);
  const [row] = await admin`select id::text from core.outbox
    where topic = 'orders__send_confirmation' and payload ->> 'email' = ${email}`;
  const before = smtp.messages.length;
  const handled = await runOutboxOnce({ sql: worker, origin: server.origin, handlers });
  assert.ok(handled >= 1);
  const mail = smtp.messages.slice(before).find((m) => m.to.includes(email));
  assert.ok(mail, "no message to the buyer");
  assert.equal(mail.from, "tickets@mutambo.test");
  const raw = unqp(mail.raw);
  assert.match(raw, /^Subject: .*order/im);
  assert.match(raw, new RegExp(`Message-ID: <outbox-${row!.id}@mutambo\\.test>`, "i"));
  const link = /(http:\/\/\S+\/o\/[2-9A-Z]{8}\?k=[^\s"<]+)/.exec(raw)?.[1];
  assert.ok(link, raw.slice(0, 2000));
  const page = await fetch(link);
  assert.equal(page.status, 200);
  await page.body?.cancel();
  assert.match(raw, /Content-Type: application\/pdf; name=mutambo-[2-9A-Z]{8}\.pdf/i);
  const pdf =
    /Content-Transfer-Encoding: base64\r?\nContent-Disposition: attachment[^\r\n]*\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/i
      .exec(mail.raw)?.[1];
  assert.ok(pdf, "no base64 attachment");
  assert.equal(atob(pdf.replace(/\s/g, "").slice(0, 8)).slice(0, 5), "%PDF-");
  const [done] = await admin`select done_at is not null as done from core.outbox where id = ${
    row!.id
  }::bigint`;
  assert.equal(done!.done, true);
});

Deno.test("password reset, invite and refund emails are rendered, escaped and sent", async () => {
  await admin`update core.outbox set done_at = now() where done_at is null`;
  await admin`insert into core.outbox (topic, payload) values
    ('users__send_password_reset', '{"email":"reset@example.com","display_name":"Tendai <b>","token":"tok123"}'),
    ('users__send_invite', '{"email":"invite@example.com","display_name":"Chipo","token":"inv456","org_name":"Harare Arts & Co","role":"event_manager","invited_by":"Rudo"}'),
    ('refunds__send_email', '{"email":"refund@example.com","code":"ABCDEFGH","amount_minor":2500,"currency":"USD"}')`;
  const before = smtp.messages.length;
  assert.equal(await runOutboxOnce({ sql: worker, origin: "https://tickets.test", handlers }), 3);
  const sent = smtp.messages.slice(before);
  const to = (a: string) => unqp(sent.find((m) => m.to.includes(a))!.raw);
  const reset = to("reset@example.com");
  assert.match(reset, /https:\/\/tickets\.test\/admin\/password\/reset\?token=tok123/);
  assert.match(reset, /Tendai &lt;b&gt;/);
  const inv = to("invite@example.com");
  assert.match(inv, /token=inv456/);
  assert.match(inv, /Harare Arts &amp; Co/);
  assert.match(inv, /event manager/);
  assert.match(to("refund@example.com"), /USD 25\.00 for order ABCD-EFGH/);
});

Deno.test("an SMTP server that refuses leaves the message for a retry", async () => {
  await admin`update core.outbox set done_at = now() where done_at is null`;
  const [row] = await admin`insert into core.outbox (topic, payload)
    values ('refunds__send_email', '{"email":"x@example.com","code":"ABCDEFGH","amount_minor":1,"currency":"USD"}')
    returning id::text`;
  const down = smtpMailer("smtp://127.0.0.1:1");
  const n = await runOutboxOnce({
    sql: worker,
    handlers: emailHandlers({ mailer: down }),
    onError: () => {},
  });
  assert.equal(n, 1);
  const [r] = await admin`select done_at, attempts, last_error from core.outbox where id = ${
    row!.id
  }::bigint`;
  assert.equal(r!.done_at, null);
  assert.equal(r!.attempts, 1);
  assert.ok(r!.last_error);
  down.close();
});

Deno.test("a payment too late for its places: the buyer is told, then told the refund was made", async () => {
  await admin`update core.outbox set done_at = now() where done_at is null`;
  const email = `late-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const intentId = await pendingOrder(email);
  const [o] = await admin`select o.id, o.code, o.total_minor::int as total,
      (select i.event_section_id from core.order_items i where i.order_id = o.id limit 1) as section
    from core.orders o join core.payments p on p.order_id = o.id where p.intent_id = ${intentId}`;
  // the order lapses, the job releases its place, and every place of the section is taken
  await admin`update core.orders set expires_at = now() - interval '1 second' where id = ${o!.id}`;
  await admin`select core.set_hold_expiry(hold_id, now() - interval '1 second')
    from core.orders where id = ${o!.id}`;
  await admin`select core.expire_orders()`;
  await admin`update core.event_seats set state = 'blocked'
    where event_section_id = ${o!.section} and state = 'open' and held_until <= now()`;
  try {
    assert.equal((await succeeded(intentId)).outcome, "refund_required");
  } finally {
    await admin`update core.event_seats set state = 'open'
      where event_section_id = ${o!.section} and state = 'blocked'`;
  }
  // the notice and the refund go out; the sandbox confirms the refund; then the refund email
  const all = { ...handlers, ...refundHandlers() };
  const before = smtp.messages.length;
  for (let i = 0; i < 3; i++) {
    await runOutboxOnce({ sql: worker, origin: server.origin, handlers: all });
  }
  const mails = smtp.messages.slice(before).filter((m) => m.to.includes(email)).map((m) =>
    unqp(m.raw)
  );
  const code = `${o!.code.slice(0, 4)}-${o!.code.slice(4)}`;
  const money = `USD ${(o!.total / 100).toFixed(2)}`;
  assert.equal(mails.length, 2, mails.join("\n----\n").slice(0, 3000));
  assert.match(mails[0]!, new RegExp(`Subject: Your payment for order ${code} is being refunded`));
  assert.match(mails[0]!, /arrived after the order's time to pay ran out/);
  assert.match(mails[0]!, new RegExp(`refunding the ${money} automatically`));
  assert.match(mails[1]!, new RegExp(`We have refunded ${money} for order ${code}`));
  const [state] = await admin`select p.status as payment, r.status as refund, o.status as "order"
    from core.payments p join core.refunds r on r.payment_id = p.id join core.orders o on o.id = p.order_id
    where p.intent_id = ${intentId}`;
  assert.deepEqual({ ...state }, { payment: "refunded", refund: "succeeded", order: "expired" });
  // a replayed delivery of the outbox changes nothing: no third email
  await runOutboxOnce({ sql: worker, origin: server.origin, handlers: all });
  assert.equal(smtp.messages.slice(before).filter((m) => m.to.includes(email)).length, 2);
});

Deno.test("the reminder and the event-changed emails arrive by SMTP with the tickets link", async () => {
  await admin`update core.outbox set done_at = now() where done_at is null`;
  const email = `change-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await paidOrder(email);
  const [o] = await admin`select id, event_id, code from core.orders where buyer_email = ${email}`;
  const [e] = await admin`select starts_at, ends_at, name from core.events where id = ${
    o!.event_id
  }`;
  await admin`update core.outbox set done_at = now() where done_at is null`;
  const before = smtp.messages.length;
  try {
    // the organiser moves the event a day later (sql/271 queues one email per paid order)
    await admin`update core.events set starts_at = starts_at + interval '1 day',
      ends_at = ends_at + interval '1 day' where id = ${o!.event_id}`;
    // and the reminder job finds the order when the event is about a day away
    await admin`update core.events set starts_at = now() + interval '20 hours',
      ends_at = now() + interval '20 hours' + (ends_at - starts_at) where id = ${o!.event_id}`;
    await admin`select core.queue_order_reminders()`;
    // other tests' paid orders of the same event get theirs too: deliver until none is left
    let n = 0;
    for (let got = -1; got !== 0;) {
      got = await runOutboxOnce({ sql: worker, origin: server.origin, handlers, batch: 100 });
      n += got;
    }
    assert.ok(n >= 2, `handled ${n}`);
  } finally {
    await admin`update core.events set starts_at = ${e!.starts_at}, ends_at = ${e!.ends_at}
      where id = ${o!.event_id}`;
    await admin`update core.outbox set done_at = now() where done_at is null`;
  }
  const mails = smtp.messages.slice(before).filter((m) => m.to.includes(email)).map((m) =>
    unqp(m.raw)
  );
  const changed = mails.find((m) => /^Subject: Changed: /m.test(m));
  assert.ok(changed, `no event-changed email: ${mails.length} sent`);
  assert.match(changed, new RegExp(`${e!.name} has moved from .+ to .+\\.`));
  assert.match(changed, /\/o\/[2-9A-Z]{8}\?k=/);
  const reminder = mails.find((m) => /^Subject: Tomorrow: /m.test(m));
  assert.ok(reminder, "no reminder email");
  assert.match(reminder, /\/o\/[2-9A-Z]{8}\?k=/);
});

Deno.test({
  name: "close",
  fn: async () => {
    mailer.close();
    await smtp.close();
    await worker.end();
    await admin.end();
    await server.close();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
