// The sandbox payment flow over real HTTP: checkout -> provider page -> return -> webhook ->
// paid order with signed tickets; declined then approved; cash at the box office.
import assert from "node:assert/strict";
import { rpc } from "../../lib/rest/mod.ts";
import { ensureEventKeys } from "../../lib/tickets/keys.ts";
import { verifyTicket } from "../../lib/tickets/signing.ts";
import { adminSql } from "../support/db.ts";
import { eventually, gaEvent, httpBuyer, startServer } from "./support.ts";

const server = await startServer();
const ga = await gaEvent();

async function checkout(quantity = "2") {
  const buyer = httpBuyer(server.origin);
  await buyer.get(ga.path);
  const held = await buyer.post(ga.path, { _csrf: buyer.csrf, [ga.field]: quantity });
  assert.equal(held.status, 303);
  const checkoutPath = held.headers.get("location")!;
  const page = await buyer.get(checkoutPath);
  assert.equal(page.status, 200);
  return { buyer, checkoutPath, html: await page.text() };
}

async function pay(buyer: ReturnType<typeof httpBuyer>, checkoutPath: string, method = "card") {
  const response = await buyer.post(checkoutPath, {
    _csrf: buyer.csrf,
    action: "pay",
    email: "tendai@example.com",
    phone: "+263771234567",
    buyer_name: "Tendai Moyo",
    attendee_0: "Tendai Moyo",
    attendee_1: "Rudo Moyo",
    method,
  });
  assert.equal(response.status, 303, await response.clone().text());
  return response.headers.get("location")!;
}

async function decide(buyer: ReturnType<typeof httpBuyer>, sandboxUrl: string, choice: string) {
  const url = new URL(sandboxUrl);
  const page = await buyer.get(url.pathname);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /SANDBOX/);
  const back = await buyer.post(url.pathname, { choice });
  assert.equal(back.status, 303);
  return new URL(back.headers.get("location")!);
}

Deno.test("checkout explains the quote and pays through the sandbox; only the webhook marks it paid", async () => {
  const { buyer, checkoutPath, html } = await checkout();
  assert.match(html, /Total to pay/);
  assert.match(html, /Price of Adult in zone/);
  assert.match(html, /name="attendee_1"/);
  assert.match(html, /Pay at the box office/);

  const sandboxUrl = await pay(buyer, checkoutPath);
  assert.match(sandboxUrl, /\/sandbox-pay\/pi_[0-9a-f]{32}$/);
  const back = await decide(buyer, sandboxUrl, "approve");
  assert.equal(back.pathname, "/checkout/return");
  assert.equal(back.searchParams.get("status"), "succeeded");

  // the return page waits (or has already moved on) and finally sends us to the order page
  const orderPath = await eventually(async () => {
    const r = await buyer.get(back.pathname + back.search);
    if (r.status === 303) return r.headers.get("location");
    const text = await r.text();
    assert.match(text, /Confirming your payment|Refresh/);
    return null;
  });
  assert.match(orderPath, /^\/o\/[2-9A-Z]{8}\?k=o_/);
  const order = await buyer.get(orderPath);
  const page = await order.text();
  assert.equal(order.status, 200);
  assert.match(page, /Paid · 2 tickets ready/);
  assert.match(page, /Bookmark this page/);
  assert.match(page, /Rudo Moyo/);
  const codes = [...page.matchAll(/data-qr="([^"]+)"/g)].map((m) => m[1]!);
  assert.equal(codes.length, 2);
  const keys = await ensureEventKeys(ga.event.id);
  for (const qr of codes) {
    const result = await verifyTicket(qr, keys.publicJwk, { eventId: ga.event.id });
    assert.ok(result.ok, JSON.stringify(result));
  }
  assert.equal((page.match(/<svg/g) ?? []).length >= 2, true);

  // a wrong key shows nothing of the order
  const code = orderPath.slice(3, 11);
  const wrong = await buyer.get(`/o/${code}?k=o_wrong`);
  assert.equal(wrong.status, 404);
  assert.doesNotMatch(await wrong.text(), /Rudo Moyo|data-qr/);
});

Deno.test("declined, then approved on retry with the same order", async () => {
  const { buyer, checkoutPath } = await checkout();
  const first = await pay(buyer, checkoutPath);
  const back = await decide(buyer, first, "decline");
  const declined = await eventually(async () => {
    const r = await buyer.get(back.pathname + back.search);
    const text = await r.text();
    return /Your payment was declined/.test(text) ? text : null;
  });
  assert.match(declined, /Try again by card/);
  const code = back.searchParams.get("o")!;
  const key = back.searchParams.get("k")!;
  const retry = await buyer.post("/checkout/return", {
    _csrf: buyer.csrf,
    o: code,
    k: key,
    method: "card",
  });
  assert.equal(retry.status, 303);
  const second = retry.headers.get("location")!;
  assert.notEqual(second, first);
  await decide(buyer, second, "approve");
  const status = await eventually(async () => {
    const s = await rpc<{ order_status: string }>("payment_status", { code, access_token: key });
    return s.order_status === "paid" ? s : null;
  });
  assert.equal(status.order_status, "paid");
  const sql = await adminSql(1);
  try {
    const [row] =
      await sql`select count(*)::int as n from core.tickets t join core.orders o on o.id = t.order_id where o.code = ${code}`;
    assert.equal(row!.n, 2);
    const attempts =
      await sql`select p.status from core.payments p join core.orders o on o.id = p.order_id where o.code = ${code} order by p.created_at`;
    assert.deepEqual(attempts.map((a) => a.status), ["failed", "succeeded"]);
  } finally {
    await sql.end();
  }
});

Deno.test("pay at the box office keeps the order pending with a longer deadline", async () => {
  const { buyer, checkoutPath } = await checkout();
  const orderPath = await pay(buyer, checkoutPath, "cash");
  assert.match(orderPath, /^\/o\/[2-9A-Z]{8}\?k=/);
  const page = await (await buyer.get(orderPath)).text();
  assert.match(page, /Pay at the box office by/);
  assert.doesNotMatch(page, /data-qr/);
});

Deno.test("hold expiry during checkout: paying shows the expired page and offers to start again", async () => {
  const { buyer, checkoutPath } = await checkout("1");
  const token = checkoutPath.slice("/checkout/".length);
  const sql = await adminSql(1);
  try {
    await sql`select core.set_hold_expiry(id, now() - interval '1 second') from core.holds where token = ${token}`;
  } finally {
    await sql.end();
  }
  const response = await buyer.post(checkoutPath, {
    _csrf: buyer.csrf,
    action: "pay",
    email: "a@example.com",
    method: "card",
  });
  assert.equal(response.status, 410);
  const html = await response.text();
  assert.match(html, /Your seats were released/);
  assert.match(html, /Start again/);
});

Deno.test({
  name: "close the server",
  fn: () => server.close(),
  sanitizeOps: false,
  sanitizeResources: false,
});
