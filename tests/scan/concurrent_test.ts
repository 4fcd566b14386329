// Two gates (and up to 32 devices) scanning the same ticket at the same instant over real
// connections: exactly one admits, the others are already_used, and every scan is recorded.
// Each call runs the way /rest runs it: one transaction, role and claims, pre-request, api.scan.
import postgres from "postgres";
import { assert, assertEquals } from "../engine/assert.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";
import { makeCheckInEvent, pairDevice, qr } from "./fixture.ts";
import { closeDb } from "../../lib/db.ts";

Deno.env.set("DATABASE_URL", testAdminUrl());

async function scanAs(
  pool: postgres.Sql,
  claims: Record<string, string>,
  code: string,
): Promise<string> {
  return await pool.begin(async (tx) => {
    await tx`select set_config('role', 'scanner', true), set_config('request.jwt.claims', ${
      JSON.stringify(claims)
    }, true)`;
    await tx`select auth.pre_request()`;
    const [row] =
      await tx`select api.scan(scan_id => ${crypto.randomUUID()}, code => ${code}) as r`;
    return (row!.r as { result: string }).result;
  });
}

Deno.test({
  name: "concurrent scans of one ticket: exactly one admits",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const admin = await adminSql(2);
    const pool = postgres(testAdminUrl(), { max: 32, onnotice: () => {} });
    try {
      const fx = await makeCheckInEvent(admin, 40, "Concurrency");
      const devices = [];
      for (let i = 0; i < 32; i++) {
        devices.push(await pairDevice(admin, fx, i % 2 ? "South" : "North", `Phone ${i}`));
      }
      // warm every connection so the race is not decided by connecting
      await Promise.all(devices.map(() => pool`select 1`));
      let t = 0;
      for (const n of [2, 4, 8, 16, 32]) {
        for (let round = 0; round < 3; round++) {
          const ticket = fx.tickets[t++]!;
          const code = await qr(ticket, fx.privateJwk);
          const results = await Promise.all(
            devices.slice(0, n).map((d) => scanAs(pool, d.claims, code)),
          );
          const admitted = results.filter((r) => r === "admitted").length;
          assertEquals(admitted, 1, `${n} devices at once: admitted count`);
          assert(
            results.every((r) => r === "admitted" || r === "already_used"),
            `unexpected ${results}`,
          );
          const [{ count }] =
            await admin`select count(*)::int as count from core.scans where ticket_id = ${ticket.id}` as unknown as [
              { count: number },
            ];
          assertEquals(count, n, "every scan recorded");
        }
      }
    } finally {
      await pool.end();
      await admin.end();
      await closeDb();
    }
  },
});
