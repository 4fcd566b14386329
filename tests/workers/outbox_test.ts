// The generic outbox worker: two workers never deliver the same row at once, failures back off
// and are dead-lettered after N tries, and a worker that crashes mid-delivery loses nothing: the
// leased row is delivered by another worker once the lease has passed.
import assert from "node:assert/strict";
import postgres from "postgres";
import { type OutboxMessage, runOutboxOnce } from "../../workers/outbox.ts";
import { adminSql, testAuthenticatorUrl } from "../support/db.ts";

const admin = await adminSql(1);
const w1 = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
const w2 = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });

/** A topic of its own per test, so tests never see each other's rows. */
function topic(): string {
  const letters = Array.from(
    crypto.getRandomValues(new Uint8Array(10)),
    (b) => String.fromCharCode(97 + (b % 26)),
  ).join("");
  return `tests__${letters}`;
}

async function enqueue(t: string, n: number): Promise<string[]> {
  const rows = await admin<{ id: string }[]>`
    insert into core.outbox (topic, payload)
    select ${t}, jsonb_build_object('n', i) from generate_series(1, ${n}) i returning id::text`;
  return rows.map((r) => r.id);
}

Deno.test("two workers claiming at once never deliver the same row, and deliver every row", async () => {
  const t = topic();
  const ids = await enqueue(t, 30);
  const delivered: string[] = [];
  const inFlight = new Set<string>();
  const handler = async (m: OutboxMessage) => {
    assert.ok(!inFlight.has(m.id), `message ${m.id} delivered by two workers at once`);
    inFlight.add(m.id);
    await new Promise((r) => setTimeout(r, 5));
    inFlight.delete(m.id);
    delivered.push(m.id);
  };
  const drain = async (sql: postgres.Sql) => {
    while (await runOutboxOnce({ sql, handlers: { [t]: handler }, batch: 4 }) > 0) {
      // keep claiming until nothing is due
    }
  };
  await Promise.all([drain(w1), drain(w2)]);
  assert.equal(delivered.length, 30);
  assert.deepEqual([...delivered].sort(), [...ids].sort());
  const [row] = await admin`select count(*)::int as open from core.outbox
                            where topic = ${t} and done_at is null`;
  assert.equal(row!.open, 0);
});

Deno.test("a failing message backs off exponentially with jitter and is dead after N tries", async () => {
  const t = topic();
  const [id] = await enqueue(t, 1);
  const dead: boolean[] = [];
  const options = {
    sql: w1,
    maxAttempts: 3,
    handlers: {
      [t]: () => Promise.reject(new Error("Connection refused")),
    },
    onError: (_m: OutboxMessage, _e: Error, d: boolean) => void dead.push(d),
  };
  const delays: number[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    assert.equal(await runOutboxOnce(options), 1);
    const [row] = await admin`
      select attempts, last_error, dead_at is not null as dead,
             extract(epoch from available_at - now())::float8 as wait
      from core.outbox where id = ${id!}`;
    assert.equal(row!.attempts, attempt);
    assert.equal(row!.last_error, "Connection refused");
    assert.equal(row!.dead, attempt === 3);
    delays.push(row!.wait);
    // make it due again now
    await admin`update core.outbox set available_at = now() where id = ${id!}`;
  }
  // 30 s x 2^(n-1) x [0.5, 1)
  assert.ok(delays[0]! >= 14 && delays[0]! <= 30, `first wait ${delays[0]}`);
  assert.ok(delays[1]! >= 29 && delays[1]! <= 60, `second wait ${delays[1]}`);
  assert.deepEqual(dead, [false, false, true]);
  // dead letters are never claimed again, and never deleted
  assert.equal(await runOutboxOnce(options), 0);
  const [kept] = await admin`select count(*)::int as n from core.outbox where id = ${id!}`;
  assert.equal(kept!.n, 1);
  // staff retry (api.retry_outbox_message, tested in pgTAP) resets it; then it is delivered
  await admin`update core.outbox set dead_at = null, attempts = 0 where id = ${id!}`;
  let got = 0;
  assert.equal(
    await runOutboxOnce({ sql: w1, handlers: { [t]: () => Promise.resolve(void got++) } }),
    1,
  );
  assert.equal(got, 1);
});

Deno.test("a worker that crashes mid-delivery loses nothing: another delivers after the lease", async () => {
  const t = topic();
  const [id] = await enqueue(t, 1);
  // worker 1 claims (lease 1 s) and "crashes": never marks the message done or failed
  const crashed = postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} });
  const [claimed] = await crashed`select id::text from core.outbox_claim(${[t]}::text[], 10, 1)`;
  assert.equal(claimed!.id, id);
  await crashed.end({ timeout: 0 });
  const delivered: OutboxMessage[] = [];
  const handlers = { [t]: (m: OutboxMessage) => Promise.resolve(void delivered.push(m)) };
  // still leased: not visible to worker 2
  assert.equal(await runOutboxOnce({ sql: w2, handlers }), 0);
  await new Promise((r) => setTimeout(r, 1200));
  assert.equal(await runOutboxOnce({ sql: w2, handlers }), 1);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]!.id, id);
  assert.equal(delivered[0]!.attempts, 2);
  const [row] = await admin`select done_at is not null as done from core.outbox where id = ${id!}`;
  assert.equal(row!.done, true);
  assert.equal(await runOutboxOnce({ sql: w2, handlers }), 0);
});

Deno.test({
  name: "close",
  fn: async () => {
    await w1.end();
    await w2.end();
    await admin.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
