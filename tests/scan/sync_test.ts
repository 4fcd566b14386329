// Online scans through POST /scan/api/scan, offline decisions from the manifest (the same
// module the scanner page runs), and syncs of two devices that admitted the same ticket
// offline: the earliest stands, the later is duplicate_offline and reported, replays change
// nothing. Forged and altered QR codes are refused online and offline.
import { assert, assertEquals } from "../engine/assert.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";
import { type Device, makeCheckInEvent, pairDevice, qr } from "./fixture.ts";
import { closeDb } from "../../lib/db.ts";
import { rpc } from "../../lib/rest/mod.ts";
import { scanHandler, syncHandler } from "../../lib/scan/server.ts";
import { type Manifest, OfflineBook, ticketKey } from "../../lib/scan/offline.ts";
import { generateEventKeyPair, signTicket } from "../../lib/tickets/signing.ts";
import { testApp } from "../support/app.ts";

Deno.env.set("DATABASE_URL", testAdminUrl());

async function post(handler: (r: Request) => Promise<Response>, device: Device, body: unknown) {
  const res = await handler(
    new Request("http://x/scan/api", {
      method: "POST",
      headers: { authorization: `Bearer ${device.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return { status: res.status, body: await res.json() };
}

const scan = (d: Device, code: string, id = crypto.randomUUID()) =>
  post(scanHandler, d, { id, code });

function tamper(code: string, part: number): string {
  const parts = code.split(".");
  const s = parts[part]!;
  parts[part] = (s[0] === "A" ? "B" : "A") + s.slice(1);
  return parts.join(".");
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "scanner routes, offline decisions and sync",
  ...opts,
  fn: async (t) => {
    const admin = await adminSql(2);
    try {
      const fx = await makeCheckInEvent(admin, 12, "Sync");
      const north = await pairDevice(admin, fx, "North", "North 1");
      const south = await pairDevice(admin, fx, "South", "South 1");
      const codes = await Promise.all(fx.tickets.map((tk) => qr(tk, fx.privateJwk)));

      await t.step(
        "through the whole app: the decision time in Server-Timing, no cookie",
        async () => {
          assertEquals(fx.publicJwk.kty, "OKP", "new events sign with Ed25519");
          const app = await testApp();
          const res = await app.handler(
            new Request("http://x/scan/api/scan", {
              method: "POST",
              headers: {
                authorization: `Bearer ${north.token}`,
                "content-type": "application/json",
              },
              body: JSON.stringify({ id: crypto.randomUUID(), code: "MT1.unreadable" }),
            }),
          );
          assertEquals(res.status, 200);
          assertEquals((await res.json()).result, "invalid");
          assert(/^decide;dur=\d+\.\d\d$/.test(res.headers.get("server-timing") ?? ""));
          assertEquals(res.headers.get("set-cookie"), null, "devices get no buyer session");
        },
      );

      await t.step("online: admitted, already used, forged and altered codes refused", async () => {
        const r1 = await scan(north, codes[0]!);
        assertEquals(r1.status, 200);
        assertEquals(r1.body.result, "admitted");
        assertEquals(r1.body.ticket.ticket_type, "Adult");
        const r2 = await scan(south, codes[0]!);
        assertEquals(r2.body.result, "already_used");
        assertEquals(r2.body.used_gate, "North");
        // altered ticket id keeps a well-formed code; the signature no longer matches
        const altered = await scan(north, tamper(codes[1]!, 1));
        assertEquals(altered.body.result, "invalid");
        // a code signed with another key (forged) for a real ticket
        const { privateJwk } = await generateEventKeyPair();
        const forged = await scan(north, await signTicket(fx.tickets[1]!, privateJwk));
        assertEquals(forged.body.result, "invalid");
        assert(/signature/i.test(forged.body.reason), forged.body.reason);
        const [{ n }] =
          await admin`select count(*)::int as n from core.ticket_checkins where ticket_id = ${
            fx.tickets[1]!.id
          }` as unknown as [{ n: number }];
        assertEquals(n, 0, "forged codes admit nobody");
        const junk = await post(scanHandler, { ...north, token: "x.y.z" }, {
          id: crypto.randomUUID(),
          code: codes[2],
        });
        assertEquals(junk.status, 401);
      });

      let book: OfflineBook;
      await t.step(
        "offline: the manifest decides the same way, and forged codes are refused",
        async () => {
          const m = await rpc<Manifest>("scan_manifest", { since_version: 0 }, {
            claims: north.claims,
          });
          assertEquals(m.tickets.n, 12);
          book = new OfflineBook(m);
          assertEquals((await book.decide(codes[0]!, fx.gates.North!)).result, "already_used");
          assertEquals((await book.decide(codes[3]!, fx.gates.North!)).result, "admitted");
          assertEquals(
            (await book.decide(tamper(codes[3]!, 1), fx.gates.North!)).result,
            "invalid",
          );
          assertEquals(
            (await book.decide(tamper(codes[3]!, 5), fx.gates.North!)).result,
            "invalid",
          );
          const { privateJwk } = await generateEventKeyPair();
          assertEquals(
            (await book.decide(await signTicket(fx.tickets[3]!, privateJwk), fx.gates.North!))
              .result,
            "invalid",
          );
          assertEquals((await book.decide("nonsense", fx.gates.North!)).result, "invalid");
          const other = await makeCheckInEvent(admin, 1, "Other");
          assertEquals(
            (await book.decide(await qr(other.tickets[0]!, other.privateJwk), fx.gates.North!))
              .result,
            "wrong_event",
          );
          book.mark(fx.tickets[3]!.id, "admitted", Date.now(), fx.gates.North!);
          assertEquals((await book.decide(codes[3]!, fx.gates.North!)).result, "already_used");
          // a cancelled ticket arrives by incremental sync
          await admin`update core.tickets set status = 'cancelled', cancelled_at = now() where id = ${
            fx.tickets[4]!.id
          }`;
          const inc = await rpc<Manifest>("scan_manifest", { since_version: m.version }, {
            claims: north.claims,
          });
          assertEquals(inc.full, false);
          assertEquals(inc.tickets.n, 1, "only the changed ticket");
          book.apply(inc);
          assertEquals(
            (await book.decide(codes[4]!, fx.gates.North!)).result,
            "cancelled_or_refunded",
          );
          assert(book.tickets.has(ticketKey(fx.tickets[5]!.id)));
        },
      );

      await t.step(
        "two devices admit one ticket offline: earliest stands, whatever the sync order",
        async () => {
          const code = codes[6]!;
          const early = {
            id: crypto.randomUUID(),
            code,
            scanned_at: new Date(Date.now() - 600_000).toISOString(),
            result: "admitted",
          };
          const late = {
            id: crypto.randomUUID(),
            code,
            scanned_at: new Date(Date.now() - 300_000).toISOString(),
            result: "admitted",
          };
          const forged = {
            id: crypto.randomUUID(),
            code: tamper(codes[7]!, 1),
            scanned_at: new Date().toISOString(),
            result: "admitted",
          };
          const s1 = await post(syncHandler, south, { scans: [late] });
          assertEquals(s1.status, 200);
          assertEquals(s1.body.results[0].result, "admitted");
          const s2 = await post(syncHandler, north, { scans: [early, forged] });
          assertEquals(s2.status, 200);
          assertEquals(s2.body.applied, 2);
          const rows =
            await admin`select id, result from core.scans where id in (${early.id}, ${late.id}, ${forged.id})`;
          const by = Object.fromEntries(rows.map((r) => [r.id, r.result]));
          assertEquals(by[early.id], "admitted");
          assertEquals(by[late.id], "duplicate_offline");
          assertEquals(
            by[forged.id],
            "invalid",
            "a forged code admitted offline is recorded invalid",
          );
          const report = await admin.begin(async (tx) => {
            await tx`select set_config('request.jwt.claims', ${
              JSON.stringify({ role: "platform_admin", org_id: fx.orgId })
            }, true)`;
            return (await tx`select api.offline_conflicts(${fx.eventId}) as r`)[0]!.r;
          });
          assertEquals(report.count, 2);
          const dup = report.items.find((i: { result: string }) =>
            i.result === "duplicate_offline"
          );
          assertEquals(dup.scan_id, late.id);
          assertEquals(dup.standing.scan_id, early.id);
          // replays (both devices, again) change nothing
          const [{ before }] =
            await admin`select count(*)::int as before, max(recorded_at) from core.scans where event_id = ${fx.eventId}` as unknown as [
              { before: number },
            ];
          const r1 = await post(syncHandler, south, { scans: [late] });
          const r2 = await post(syncHandler, north, { scans: [early, forged] });
          assertEquals(r1.body.replayed + r2.body.replayed, 3);
          const [{ after }] =
            await admin`select count(*)::int as after from core.scans where event_id = ${fx.eventId}` as unknown as [
              { after: number },
            ];
          assertEquals(after, before);
          const again =
            await admin`select id, result from core.scans where id in (${early.id}, ${late.id})`;
          const now = Object.fromEntries(again.map((r) => [r.id, r.result]));
          assertEquals([now[early.id], now[late.id]], ["admitted", "duplicate_offline"]);
        },
      );

      await t.step("a revoked device is refused with 401", async () => {
        await admin.begin(async (tx) => {
          await tx`select set_config('request.jwt.claims', ${
            JSON.stringify({ role: "platform_admin", org_id: fx.orgId })
          }, true)`;
          await tx`select api.revoke_device(${south.deviceId})`;
        });
        const r = await scan(south, codes[8]!);
        assertEquals(r.status, 401);
        const s = await post(syncHandler, south, { scans: [] });
        assertEquals(s.status, 401);
      });
    } finally {
      await admin.end();
      await closeDb();
    }
  },
});
