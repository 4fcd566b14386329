// Group commit for online scans (lib/scan/batch.ts) on a real database, through the
// authenticator role like the server: scans that wait for the one lane are decided together in
// one transaction, each under its own device, with the answers api.scan alone would give; a scan
// that fails makes its batch fall back to one transaction per scan, so the others still get their
// answers and nothing is recorded twice or half.
import postgres from "postgres";
import { assert, assertEquals } from "../engine/assert.ts";
import { adminSql, testAdminUrl, testAuthenticatorUrl } from "../support/db.ts";
import { makeCheckInEvent, pairDevice, qr } from "./fixture.ts";
import { ScanBatcher } from "../../lib/scan/batch.ts";
import { ApiError } from "../../lib/rest/mod.ts";
import { closeDb } from "../../lib/db.ts";

Deno.env.set("DATABASE_URL", testAdminUrl());

type Decision = { scan_id: string; result: string; replay: boolean; ticket?: { seat: string } };

const options = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "scans waiting for a lane share one transaction and get the answers api.scan gives",
  ...options,
  fn: async () => {
    const admin = await adminSql(2);
    const pool = postgres(testAuthenticatorUrl(), { max: 2, onnotice: () => {} });
    try {
      const fx = await makeCheckInEvent(admin, 30, "Group commit");
      const north = await pairDevice(admin, fx, "North", "North phone");
      const south = await pairDevice(admin, fx, "South", "South phone");
      const codes = await Promise.all(fx.tickets.map((t) => qr(t, fx.privateJwk)));
      const batcher = new ScanBatcher({ lanes: 1, maxBatch: 16, sql: () => pool });

      // 30 tickets from two devices, and ticket 0 at both gates at the same instant
      const scans = codes.map((code, i) => ({
        device: i % 2 ? south : north,
        args: { scan_id: crypto.randomUUID(), code, direction: "in" as const, signature_ok: true },
      }));
      scans.push({
        device: south,
        args: {
          scan_id: crypto.randomUUID(),
          code: codes[0]!,
          direction: "in",
          signature_ok: true,
        },
      });
      const answers = await Promise.all(
        scans.map(async (s) =>
          JSON.parse(await batcher.submit(s.device.claims, s.args)) as Decision
        ),
      );

      assert(
        batcher.stats.largest > 1,
        `no batch had more than one scan: ${JSON.stringify(batcher.stats)}`,
      );
      assert(batcher.stats.transactions < scans.length, "every scan had its own transaction");
      assertEquals(batcher.stats.fallbacks, 0);
      // now() is the transaction's start: one value per transaction
      const [{ transactions }] = await admin`select count(distinct recorded_at)::int as transactions
        from core.scans where event_id = ${fx.eventId}` as unknown as [{ transactions: number }];
      assertEquals(
        transactions,
        batcher.stats.transactions,
        "scans recorded in as many transactions",
      );

      answers.forEach((a, i) => assertEquals(a.scan_id, scans[i]!.args.scan_id));
      for (let i = 1; i < codes.length; i++) assertEquals(answers[i]!.result, "admitted");
      const ticket0 = [answers[0]!.result, answers[codes.length]!.result].sort();
      assertEquals(ticket0, ["admitted", "already_used"], "one ticket at two gates at once");

      const rows = await admin`select s.id::text, s.result, s.device_id::text as device
        from core.scans s where s.event_id = ${fx.eventId}`;
      assertEquals(rows.length, scans.length, "every scan recorded once");
      const byId = new Map(rows.map((r) => [r.id, r]));
      scans.forEach((s, i) => {
        const row = byId.get(s.args.scan_id)!;
        assertEquals(row.result, answers[i]!.result);
        assertEquals(row.device, s.device.deviceId, "recorded under its own device");
      });
      const [{ admitted }] = await admin`select count(*)::int as admitted from core.ticket_checkins
        where event_id = ${fx.eventId}` as unknown as [{ admitted: number }];
      assertEquals(admitted, codes.length);

      // the same scans again: the stored answers, nothing new
      const again = await Promise.all(
        scans.map(async (s) =>
          JSON.parse(await batcher.submit(s.device.claims, s.args)) as Decision
        ),
      );
      again.forEach((a, i) => {
        assertEquals(a.replay, true);
        assertEquals(a.result, answers[i]!.result);
      });
    } finally {
      await pool.end();
      await admin.end();
      await closeDb();
    }
  },
});

Deno.test({
  name: "two servers' batches holding the same tickets in opposite orders do not deadlock",
  ...options,
  fn: async () => {
    const admin = await adminSql(2);
    // two server processes, each with its one lane and its own connection
    const pools = [0, 1].map(() =>
      postgres(testAuthenticatorUrl(), { max: 1, onnotice: () => {} })
    );
    try {
      const fx = await makeCheckInEvent(admin, 42, "Group commit lock order");
      const north = await pairDevice(admin, fx, "North", "North phone");
      const south = await pairDevice(admin, fx, "South", "South phone");
      const codes = await Promise.all(fx.tickets.map((t) => qr(t, fx.privateJwk)));
      const shared = codes.slice(2);
      const servers = [
        {
          device: north,
          batcher: new ScanBatcher({ lanes: 1, maxBatch: 64, sql: () => pools[0]! }),
        },
        {
          device: south,
          batcher: new ScanBatcher({ lanes: 1, maxBatch: 64, sql: () => pools[1]! }),
        },
      ];
      const scan = (i: number, code: string) =>
        servers[i]!.batcher.submit(servers[i]!.device.claims, {
          scan_id: crypto.randomUUID(),
          code,
          direction: "in",
          signature_ok: true,
        });
      // a first scan on each server, so the next forty wait and go as one batch (long enough for
      // the two batches to overlap); one server
      // gets the shared tickets in one order, the other in the reverse order
      const firsts = [scan(0, codes[0]!), scan(1, codes[1]!)];
      const batches = [
        shared.map((code) => scan(0, code)),
        [...shared].reverse().map((code) => scan(1, code)),
      ];
      await Promise.all(firsts);
      const answers = await Promise.all(
        batches.map((b) => Promise.all(b.map(async (p) => JSON.parse(await p) as Decision))),
      );

      for (const { batcher } of servers) {
        assertEquals(batcher.stats.largest, shared.length, "the shared tickets went as one batch");
        assertEquals(batcher.stats.fallbacks, 0, "a batch failed (a deadlock) and fell back");
      }
      const reversed = [...answers[1]!].reverse();
      answers[0]!.forEach((a, i) => {
        assertEquals(
          [a.result, reversed[i]!.result].sort(),
          ["admitted", "already_used"],
          `ticket ${i + 2}: one server admits it, the other finds it used`,
        );
      });
    } finally {
      for (const pool of pools) await pool.end();
      await admin.end();
      await closeDb();
    }
  },
});

Deno.test({
  name: "a failing scan in a batch: the others are still decided, it alone gets its error",
  ...options,
  fn: async () => {
    const admin = await adminSql(2);
    const pool = postgres(testAuthenticatorUrl(), { max: 2, onnotice: () => {} });
    try {
      const fx = await makeCheckInEvent(admin, 12, "Group commit fallback");
      const north = await pairDevice(admin, fx, "North", "North phone");
      const south = await pairDevice(admin, fx, "South", "South phone");
      const codes = await Promise.all(fx.tickets.map((t) => qr(t, fx.privateJwk)));
      const batcher = new ScanBatcher({ lanes: 1, sql: () => pool });

      // a scan id North already used, sent again by South: PT409 for that scan only
      const taken = crypto.randomUUID();
      const first = JSON.parse(
        await batcher.submit(north.claims, {
          scan_id: taken,
          code: codes[0]!,
          direction: "in",
          signature_ok: true,
        }),
      ) as Decision;
      assertEquals(first.result, "admitted");

      const blocker = batcher.submit(north.claims, {
        scan_id: crypto.randomUUID(),
        code: codes[1]!,
        direction: "in",
        signature_ok: true,
      });
      // these wait behind the scan above, so they go together
      const good = codes.slice(2).map((code) =>
        batcher.submit(south.claims, {
          scan_id: crypto.randomUUID(),
          code,
          direction: "in",
          signature_ok: true,
        })
      );
      const bad = batcher.submit(south.claims, {
        scan_id: taken,
        code: codes[5]!,
        direction: "in",
        signature_ok: true,
      });
      const settled = await Promise.allSettled([blocker, ...good, bad]);

      assertEquals(batcher.stats.fallbacks, 1, "the batch fell back to one scan per transaction");
      const last = settled.at(-1)!;
      assert(last.status === "rejected", "the reused scan id was accepted");
      const error = last.reason as ApiError;
      assert(error instanceof ApiError, `not an ApiError: ${error}`);
      assertEquals(error.status, 409);
      assert(/already used by another device/.test(error.message), error.message);
      for (const s of settled.slice(0, -1)) {
        assert(s.status === "fulfilled", `a good scan failed: ${s.status}`);
        assertEquals((JSON.parse(s.value) as Decision).result, "admitted");
      }

      const [{ n, tickets }] = await admin`select count(*)::int as n,
        count(distinct ticket_id)::int as tickets from core.scans where event_id = ${fx.eventId}` as unknown as [
        { n: number; tickets: number },
      ];
      assertEquals(n, 12, "each good scan recorded once, the refused one not at all");
      assertEquals(tickets, 12);
      const [{ owner }] = await admin`select device_id::text as owner from core.scans
        where id = ${taken}` as unknown as [{ owner: string }];
      assertEquals(owner, north.deviceId, "the first device keeps its scan id");
    } finally {
      await pool.end();
      await admin.end();
      await closeDb();
    }
  },
});

Deno.test({
  name: "a scan id that is not a uuid is refused before it joins a batch",
  ...options,
  fn: async () => {
    const batcher = new ScanBatcher({
      sql: () => {
        throw new Error("no database should be asked");
      },
    });
    let error: unknown;
    try {
      await batcher.submit({ role: "scanner" }, {
        scan_id: "scan-1",
        code: "MT1.x",
        direction: "in",
        signature_ok: null,
      });
    } catch (e) {
      error = e;
    }
    assert(error instanceof ApiError, `expected an ApiError, got ${error}`);
    assertEquals(error.status, 400);
    assert(/must be a uuid/.test(error.message), error.message);
    assertEquals(batcher.stats.transactions, 0);
    // without a database the scan gets an error, and the next scan one too (the lane lives on)
    const broken = new ScanBatcher({
      lanes: 1,
      sql: () => {
        throw new Error("no connection pool");
      },
    });
    for (let i = 0; i < 2; i++) {
      const failed = await broken.submit({ role: "scanner" }, {
        scan_id: crypto.randomUUID(),
        code: "MT1.x",
        direction: "in",
        signature_ok: null,
      }).then(() => null, (e) => e);
      assert(failed instanceof ApiError, `scan ${i}: expected an ApiError, got ${failed}`);
      assertEquals(failed.status, 500);
    }
    // a setting that is not a number (MUTAMBO_SCAN_LANES=two) must not leave scans waiting forever
    assertEquals(new ScanBatcher({ lanes: Number("two") }).lanes, 2);
    assertEquals(new ScanBatcher({ lanes: 0, maxBatch: 2.5 }).lanes, 1);
    assertEquals(new ScanBatcher({ maxBatch: 2.5 }).maxBatch, 2);
  },
});
