// A worker process killed with SIGKILL in the middle of a delivery (the receiver has the
// message, the worker never recorded it): nothing is lost, because the row stays leased and
// another worker delivers it once the lease has passed; and nothing is doubled beyond
// at-least-once, because the repeat carries the same id for the receiver to dedupe by (the
// Mutambo-Delivery header and signed body of a webhook, the Message-ID of an email). After
// that the row is done and no worker delivers it again.
import assert from "node:assert/strict";
import postgres from "postgres";
import { smtpMailer } from "../../lib/email/mailer.ts";
import { verifyMutamboSignature } from "../../lib/webhooks/sign.ts";
import { emailHandlers } from "../../workers/email.ts";
import { runOutboxOnce } from "../../workers/outbox.ts";
import { WEBHOOK_TOPIC, webhookHandlers } from "../../workers/webhooks.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";
import { startSmtp, unqp } from "./smtp_server.ts";

const admin = await adminSql(2);
const worker = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
const crashWorker = new URL("./crash_worker.ts", import.meta.url).pathname;

/** Starts the worker process; `kill` ends it with SIGKILL. */
function startWorkerProcess(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", crashWorker, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let killed = false;
  return {
    kill() {
      if (!killed) child.kill("SIGKILL");
      killed = true;
    },
    async done() {
      const out = await child.output();
      return { signal: out.signal, stdout: new TextDecoder().decode(out.stdout) };
    },
  };
}

async function outboxRow(id: string) {
  const [row] = await admin`select done_at is not null as done, dead_at is not null as dead,
    attempts from core.outbox where id = ${id}::bigint`;
  return { ...row };
}

const leaseOver = () => new Promise((r) => setTimeout(r, 2300));

async function freshOrg(): Promise<string> {
  const tag = crypto.randomUUID().slice(0, 8);
  return await admin.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', '{"role":"platform_admin"}', true)`;
    const [{ org }] = await tx`select api.create_org('Crash Test', ${`crash-${tag}`}, 'Harare')
      as org` as unknown as [{ org: string }];
    return org;
  });
}

Deno.test("a worker killed mid-webhook: delivered again with the same id after the lease, then done", async () => {
  const got: { delivery: string | null; signature: string | null; body: string }[] = [];
  let onRequest = () => {};
  const receiver = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      got.push({
        delivery: req.headers.get("mutambo-delivery"),
        signature: req.headers.get("mutambo-signature"),
        body: await req.text(),
      });
      onRequest();
      return new Response("ok");
    },
  );
  try {
    const org = await freshOrg();
    const { endpoint, queued } = await admin.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "org_owner", org_id: org, sub: crypto.randomUUID() })
      }, true)`;
      await tx`set local role staff`;
      const [{ e }] =
        await tx`select api.add_webhook_endpoint(${`http://127.0.0.1:${receiver.addr.port}/crash`}, ${[
          "order.paid",
        ]}::text[]) as e` as unknown as [{ e: { id: string; secret: string } }];
      const [{ q }] = await tx`select api.send_test_webhook(${e.id}) as q` as unknown as [
        { q: { event_id: string; outbox_id: number } },
      ];
      return { endpoint: e, queued: q };
    });
    const id = String(queued.outbox_id);
    await admin`update core.outbox set done_at = now()
      where topic = ${WEBHOOK_TOPIC} and done_at is null and id <> ${id}::bigint`;

    // the worker process POSTs; the receiver has it, and the worker dies before the answer
    const child = startWorkerProcess(["webhook"]);
    onRequest = () => child.kill();
    const ended = await child.done();
    assert.equal(ended.signal, "SIGKILL");
    assert.equal(ended.stdout, "", "it was killed mid-delivery");
    assert.equal(got.length, 1);
    assert.deepEqual(await outboxRow(id), { done: false, dead: false, attempts: 1 });

    // still leased: another worker does not take it yet; after the lease it delivers it
    onRequest = () => {};
    const handlers = webhookHandlers({ urlCheck: { allowLoopback: true } });
    const once = () =>
      runOutboxOnce({ sql: worker, handlers: { [WEBHOOK_TOPIC]: handlers[WEBHOOK_TOPIC]! } });
    assert.equal(await once(), 0);
    await leaseOver();
    assert.equal(await once(), 1);
    assert.equal(got.length, 2, "at least once: the receiver got it again");
    assert.deepEqual(got.map((g) => g.delivery), [queued.event_id, queued.event_id]);
    assert.equal(got[0]!.body, got[1]!.body);
    for (const g of got) {
      assert.equal((await verifyMutamboSignature(endpoint.secret, g.signature, g.body)).ok, true);
    }
    assert.equal(new Set(got.map((g) => g.delivery)).size, 1, "one event after deduping by id");
    assert.deepEqual(await outboxRow(id), { done: true, dead: false, attempts: 2 });
    await leaseOver();
    assert.equal(await once(), 0, "done: never delivered again");
    assert.equal(got.length, 2);
  } finally {
    await receiver.shutdown();
  }
});

Deno.test("a worker killed mid-email: sent again with the same Message-ID after the lease, then done", async () => {
  let beforeAck = () => {};
  const smtp = await startSmtp({ beforeAck: () => beforeAck() });
  try {
    const org = await freshOrg();
    const email = `crash-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const [{ id }] = await admin`insert into core.outbox (org_id, topic, payload)
      values (${org}, 'refunds__send_email', ${
      admin.json({ email, code: "CRASHTST", amount_minor: 700, currency: "USD" })
    }) returning id::text` as unknown as [{ id: string }];
    await admin`update core.outbox set done_at = now()
      where topic = 'refunds__send_email' and done_at is null and id <> ${id}::bigint`;

    const child = startWorkerProcess(["email", String(smtp.port)]);
    beforeAck = () => child.kill();
    const ended = await child.done();
    assert.equal(ended.signal, "SIGKILL");
    assert.deepEqual(await outboxRow(id), { done: false, dead: false, attempts: 1 });

    beforeAck = () => {};
    const mailer = smtpMailer(`smtp://127.0.0.1:${smtp.port}`, "Mutambo <tickets@mutambo.test>");
    const handlers = { refunds__send_email: emailHandlers({ mailer }).refunds__send_email! };
    try {
      await leaseOver();
      assert.equal(await runOutboxOnce({ sql: worker, handlers }), 1);
      await leaseOver();
      assert.equal(await runOutboxOnce({ sql: worker, handlers }), 0);
    } finally {
      mailer.close();
    }
    const mine = smtp.messages.filter((m) => m.to.includes(email)).map((m) => unqp(m.raw));
    assert.equal(mine.length, 2, "at least once: the server got it again");
    const ids = mine.map((m) => /^Message-ID: (<[^>]+>)/im.exec(m)?.[1]);
    assert.deepEqual(ids, [`<outbox-${id}@mutambo.test>`, `<outbox-${id}@mutambo.test>`]);
    assert.deepEqual(await outboxRow(id), { done: true, dead: false, attempts: 2 });
  } finally {
    await smtp.close();
  }
});

Deno.test({
  name: "close",
  fn: async () => {
    await worker.end();
    await admin.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
