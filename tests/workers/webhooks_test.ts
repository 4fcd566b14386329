// Outbound webhooks end to end over the real outbox and database with a real HTTP receiver on
// loopback: an org adds an endpoint, an order is paid and the receiver gets one signed POST;
// a receiver failing twice gets the event on the third attempt with three log rows and the
// same Mutambo-Delivery id each time; a replayed delivery carries the same id; another org can
// neither list nor disable the endpoint. Each test makes its own org, so no global counts.
import assert from "node:assert/strict";
import postgres from "postgres";
import { verifyMutamboSignature } from "../../lib/webhooks/sign.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { WEBHOOK_TOPIC, webhookHandlers } from "../../workers/webhooks.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";

interface Received {
  path: string;
  body: string;
  signature: string | null;
  delivery: string | null;
}

// the receiver: per path, the statuses to answer in turn (then 200), and what it got
const received: Received[] = [];
const script = new Map<string, number[]>();
const receiver = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req) => {
    const path = new URL(req.url).pathname;
    received.push({
      path,
      body: await req.text(),
      signature: req.headers.get("mutambo-signature"),
      delivery: req.headers.get("mutambo-delivery"),
    });
    const status = script.get(path)?.shift() ?? 200;
    return new Response(status < 300 ? "ok" : "nope", { status });
  },
);
const base = `http://127.0.0.1:${receiver.addr.port}`;

const admin = await adminSql(2);
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
// the receiver is on loopback: allowed here as in development (MUTAMBO_WEBHOOKS_ALLOW_LOOPBACK)
const handlers = webhookHandlers({ timeoutMs: 5_000, urlCheck: { allowLoopback: true } });
const run = () => runOutboxOnce({ sql: worker, handlers, batch: 100, onError: () => {} });

type Claims = Record<string, string>;

/** Runs fn in a transaction as `staff` with these JWT claims (as the /rest endpoint does). */
function asStaff<T>(claims: Claims, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return admin.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    await tx`set local role staff`;
    return await fn(tx);
  }) as Promise<T>;
}

// deno-lint-ignore no-explicit-any
function one(rows: readonly any[]): any {
  if (rows.length !== 1) throw new Error(`Expected one row but found ${rows.length}`);
  return rows[0];
}

/** A fresh org with an event on sale; returns its id, the owner's claims and a way to pay orders. */
async function freshOrg(name: string) {
  const tag = crypto.randomUUID().slice(0, 8);
  const ids = await admin.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
    const { org } = one(await tx`select api.create_org(${name}, ${`wh-${tag}`}, 'Harare') as org`);
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ role: "platform_admin", org_id: org })
    }, true)`;
    const { v } = one(await tx`select api.create_venue('WH Ground', 'Harare') as v`);
    const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
    const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
    await tx`select api.add_standing_section(${l}, 'Field', 50, ${z})`;
    await tx`select api.publish_layout_version(${l})`;
    const { e } = one(
      await tx`select api.create_event(layout_version_id => ${l}, name => 'WH Match',
        starts_at => now() + interval '9 days', category => 'football') as e`,
    );
    const { t } = one(
      await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry', price_minor => 1500) as t`,
    );
    await tx`select api.set_event_status(${e}, 'on_sale')`;
    return { org: org as string, ticketType: t as string, event: e as string };
  });
  const owner: Claims = { role: "org_owner", org_id: ids.org, sub: crypto.randomUUID() };
  const pay = () =>
    admin.begin(async (tx) => {
      const ref = crypto.randomUUID().slice(0, 12);
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: ids.org })
      }, true)`;
      const { h } = one(
        await tx`select api.hold_tickets(event_id => ${ids.event},
          items => ${tx.json([{ ticket_type_id: ids.ticketType, quantity: 1 }])},
          session_id => ${`wh-${ref}`}) ->> 'token' as h`,
      );
      const { id } = one(
        await tx`select api.create_order(hold_token => ${h}, buyer_email => 'wh@example.com') ->> 'id' as id`,
      );
      const o = one(
        await tx`select total_minor::int as total, currency from core.orders where id = ${id}`,
      );
      await tx`select api.record_payment_attempt(${id}, 'sandbox', ${`pi_${ref}`}, ${o.total}, ${o.currency})`;
      await tx`select api.apply_payment_event('sandbox', ${`evt_${ref}`}, ${`pi_${ref}`}, 'succeeded')`;
      return id as string;
    });
  return { ...ids, owner, pay };
}

async function addEndpoint(owner: Claims, path: string, events = ["order.paid"]) {
  return await asStaff(owner, async (tx) =>
    one(
      await tx`select api.add_webhook_endpoint(${base + path}, ${events}::text[]) as e`,
    ).e as { id: string; secret: string });
}

/** The webhooks__deliver rows of an endpoint. */
function deliveries(endpointId: string) {
  return admin<{ id: string; done: boolean; attempts: number; event_id: string }[]>`
    select id::text, done_at is not null as done, attempts, payload ->> 'id' as event_id
    from core.outbox where topic = ${WEBHOOK_TOPIC} and payload ->> 'endpoint_id' = ${endpointId}
    order by id`;
}

Deno.test("an org adds an endpoint; a paid order reaches it as one signed POST", async () => {
  const { owner, pay } = await freshOrg("Webhooks Paid");
  const path = `/paid-${crypto.randomUUID()}`;
  const endpoint = await addEndpoint(owner, path);
  assert.match(endpoint.secret, /^whsec_[0-9a-f]{64}$/);

  const orderId = await pay();
  const [row] = await deliveries(endpoint.id);
  assert.ok(row, "one webhooks__deliver row is queued");
  assert.ok(await run() >= 1);

  const got = received.filter((r) => r.path === path);
  assert.equal(got.length, 1, "the receiver gets exactly one POST");
  const request = got[0]!;
  assert.deepEqual(await verifyMutamboSignature(endpoint.secret, request.signature, request.body), {
    ok: true,
  });
  const wrong = await verifyMutamboSignature("whsec_wrong", request.signature, request.body);
  assert.equal(wrong.ok, false, "another secret does not verify");
  const tampered = await verifyMutamboSignature(
    endpoint.secret,
    request.signature,
    request.body.replace("order.paid", "order.refunded"),
  );
  assert.equal(tampered.ok, false, "a changed body does not verify");
  const event = JSON.parse(request.body);
  assert.equal(event.type, "order.paid");
  assert.equal(event.id, row.event_id);
  assert.equal(request.delivery, event.id, "Mutambo-Delivery is the event id");
  assert.equal(event.data.order_id, orderId);
  assert.ok(event.created_at);
  assert.equal(event.endpoint_id, undefined, "the body carries the event only");

  const [done] = await deliveries(endpoint.id);
  assert.equal(done!.done, true);
  const log = await asStaff(
    owner,
    (tx) =>
      tx`select status_code, attempt, event_type, error from api.webhook_deliveries(${endpoint.id})`,
  );
  assert.deepEqual(log.map((r) => ({ ...r })), [
    { status_code: 200, attempt: 1, event_type: "order.paid", error: null },
  ]);

  // a replay (a worker that crashed after the POST but before marking it done) carries the same id
  await admin`update core.outbox set done_at = null, available_at = now() where id = ${row.id}`;
  assert.ok(await run() >= 1);
  const replays = received.filter((r) => r.path === path);
  assert.equal(replays.length, 2);
  assert.equal(
    replays[1]!.delivery,
    request.delivery,
    "the replay has the same Mutambo-Delivery id",
  );
  assert.equal(replays[1]!.body, request.body, "and the same body");
  assert.deepEqual(
    await verifyMutamboSignature(endpoint.secret, replays[1]!.signature, replays[1]!.body),
    { ok: true },
  );
});

Deno.test("a receiver failing twice gets the event on the third attempt; three log rows", async () => {
  const { owner, pay } = await freshOrg("Webhooks Retry");
  const path = `/flaky-${crypto.randomUUID()}`;
  script.set(path, [500, 503]);
  const endpoint = await addEndpoint(owner, path);
  await pay();
  const queued = await deliveries(endpoint.id);
  assert.equal(queued.length, 1);
  const row = queued[0]!;

  for (let attempt = 1; attempt <= 3; attempt++) {
    assert.ok(await run() >= 1, `attempt ${attempt} claims the row`);
    const [current] = await deliveries(endpoint.id);
    assert.equal(current!.attempts, attempt);
    assert.equal(current!.done, attempt === 3, `done after attempt ${attempt}: ${attempt === 3}`);
    if (attempt < 3) {
      const [r] = await admin<
        { later: boolean; last_error: string }[]
      >`select available_at > now() as later, last_error from core.outbox
                              where id = ${row.id}`;
      assert.equal(r!.later, true, "a failure backs off");
      assert.match(r!.last_error, /Endpoint answered 50[03]/);
      await admin`update core.outbox set available_at = now() where id = ${row.id}`;
    }
  }
  const got = received.filter((r) => r.path === path);
  assert.equal(got.length, 3);
  assert.equal(
    new Set(got.map((r) => r.delivery)).size,
    1,
    "every attempt has the same delivery id",
  );
  assert.equal(got[0]!.delivery, row.event_id);
  const log = await asStaff(
    owner,
    (tx) =>
      tx`select attempt, status_code, error from api.webhook_deliveries(${endpoint.id}) order by attempt`,
  );
  assert.deepEqual(log.map((r) => ({ ...r })), [
    { attempt: 1, status_code: 500, error: "Endpoint answered 500" },
    { attempt: 2, status_code: 503, error: "Endpoint answered 503" },
    { attempt: 3, status_code: 200, error: null },
  ]);
});

Deno.test("an unreachable endpoint is logged without a status and retried", async () => {
  const { owner, pay } = await freshOrg("Webhooks Down");
  // a port nothing listens on: bind one, note it, close it
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const endpoint = await asStaff(owner, async (tx) =>
    one(
      await tx`select api.add_webhook_endpoint(${`http://127.0.0.1:${port}/x`}, array['order.paid']) as e`,
    ).e as { id: string });
  await pay();
  assert.ok(await run() >= 1);
  const [row] = await deliveries(endpoint.id);
  assert.equal(row!.done, false);
  const log = await asStaff(
    owner,
    (tx) => tx`select status_code, error from api.webhook_deliveries(${endpoint.id})`,
  );
  assert.equal(log.length, 1);
  assert.equal(log[0]!.status_code, null);
  assert.match(log[0]!.error, /^Request failed/);
  // leave nothing for later runs to retry against that port: a disabled endpoint's rows are dropped
  await asStaff(owner, (tx) => tx`select api.disable_webhook_endpoint(${endpoint.id})`);
  await admin`update core.outbox set available_at = now() where id = ${row!.id}`;
  assert.ok(await run() >= 1);
  assert.equal((await deliveries(endpoint.id))[0]!.done, true);
});

Deno.test("another org can neither list nor disable the endpoint; a disabled one gets nothing", async () => {
  const a = await freshOrg("Webhooks Owner A");
  const b = await freshOrg("Webhooks Owner B");
  const path = `/private-${crypto.randomUUID()}`;
  const endpoint = await addEndpoint(a.owner, path);

  const listedByB = await asStaff(b.owner, (tx) => tx`select id from api.webhook_endpoints()`);
  assert.deepEqual(listedByB.filter((r) => r.id === endpoint.id), []);
  await assert.rejects(
    asStaff(b.owner, (tx) => tx`select api.disable_webhook_endpoint(${endpoint.id})`),
    (e: { code?: string }) => e.code === "PT404",
  );
  await assert.rejects(
    asStaff(b.owner, (tx) => tx`select * from api.webhook_deliveries(${endpoint.id})`),
    (e: { code?: string }) => e.code === "PT404",
  );
  const manager = { role: "event_manager", org_id: a.org, sub: crypto.randomUUID() };
  await assert.rejects(
    asStaff(manager, (tx) => tx`select * from api.webhook_endpoints()`),
    (e: { code?: string }) => e.code === "PT403",
  );
  const listedByA = await asStaff(
    a.owner,
    (tx) => tx`select id, active, secret_hint from api.webhook_endpoints()`,
  );
  assert.equal(listedByA.length, 1);
  assert.equal(listedByA[0]!.active, true);
  assert.equal(listedByA[0]!.secret_hint, `whsec_…${endpoint.secret.slice(-4)}`);

  // a delivery queued before the endpoint is disabled is dropped, and nothing new is queued
  await a.pay();
  await asStaff(a.owner, (tx) => tx`select api.disable_webhook_endpoint(${endpoint.id})`);
  await a.pay();
  assert.equal((await deliveries(endpoint.id)).length, 1);
  assert.ok(await run() >= 1);
  assert.equal((await deliveries(endpoint.id))[0]!.done, true);
  assert.deepEqual(received.filter((r) => r.path === path), []);
});

Deno.test("SSRF: private and metadata URLs are refused when added and loopback at delivery", async () => {
  const { owner, pay } = await freshOrg("Webhooks SSRF");
  for (
    const [url, why] of [
      ["http://169.254.169.254/latest/meta-data/", /cloud metadata service/],
      ["https://10.0.0.5/hook", /10\.0\.0\.5 is a private address/],
      ["http://[fe80::1]/hook", /link-local/],
      ["http://metadata.google.internal/computeMetadata/v1/", /cloud metadata service/],
    ] as const
  ) {
    await assert.rejects(
      asStaff(
        owner,
        (tx) => tx`select api.add_webhook_endpoint(${url}, ${["order.paid"]}::text[])`,
      ),
      (e: { code?: string; message: string }) =>
        e.code === "P0001" && why.test(e.message) && /public internet/.test(e.message),
      url,
    );
  }

  // a loopback endpoint (as a developer would add) gets nothing from a production worker
  const path = `/ssrf-${crypto.randomUUID()}`;
  const endpoint = await addEndpoint(owner, path);
  // and a name that resolved to a public address when added but to a private one now
  const renamed = await asStaff(owner, async (tx) =>
    one(
      await tx`select api.add_webhook_endpoint('http://hooks.example.test/mutambo', ${[
        "order.paid",
      ]}::text[]) as e`,
    ).e as { id: string });
  await pay();
  const production = webhookHandlers({
    timeoutMs: 2_000,
    urlCheck: { allowLoopback: false, resolve: () => Promise.resolve(["10.20.30.40"]) },
  });
  await runOutboxOnce({ sql: worker, handlers: production, batch: 100, onError: () => {} });
  assert.deepEqual(received.filter((r) => r.path === path), [], "nothing reached the receiver");
  const logged = await admin<{ endpoint_id: string; status_code: number | null; error: string }[]>`
    select endpoint_id::text, status_code, error from core.webhook_deliveries
    where endpoint_id in (${endpoint.id}, ${renamed.id}) order by endpoint_id = ${endpoint.id} desc`;
  assert.equal(logged.length, 2);
  assert.equal(logged[0]!.status_code, null);
  assert.match(
    logged[0]!.error,
    /^Refused: 127\.0\.0\.1 is not a public address \(loopback, allowed only in development\)/,
  );
  assert.match(
    logged[1]!.error,
    /^Refused: hooks\.example\.test \(it resolves to 10\.20\.30\.40\) is not a public address \(private\)/,
  );
  // the refusal is a failed attempt: the message stays for a retry, not done
  assert.equal((await deliveries(endpoint.id))[0]!.done, false);
});

Deno.test({
  name: "close",
  fn: async () => {
    await worker.end();
    await admin.end();
    await receiver.shutdown();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
