// The organiser's check-in page, called with a staff state built here (the /admin middleware's
// contract): gates, a list, a pairing code with its QR, a paired device and its revocation,
// and the offline conflicts report.
import { renderToString } from "preact-render-to-string";
import { assert, assertEquals } from "../engine/assert.ts";
import { adminSql, testAdminUrl } from "../support/db.ts";
import { closeDb } from "../../lib/db.ts";
import CheckInPage, { handler, type StaffState } from "../../routes/admin/events/[id]/check-in.tsx";
import { makeCheckInEvent, pairDevice } from "./fixture.ts";

Deno.env.set("DATABASE_URL", testAdminUrl());

Deno.test({
  name: "check-in setup page: gates, lists, pairing, devices, conflicts",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const admin = await adminSql(2);
    try {
      const fx = await makeCheckInEvent(admin, 2, "Page");
      const userId = crypto.randomUUID();
      const state: StaffState = {
        staff: {
          userId,
          orgId: fx.orgId,
          role: "event_manager",
          email: "m@example.com",
          name: "M",
          claims: { role: "event_manager", org_id: fx.orgId, sub: userId },
        },
      };
      const url = new URL(`http://localhost/admin/events/${fx.eventId}/check-in`);
      const ctx = (req: Request) => ({
        req,
        url: new URL(req.url),
        params: { id: fx.eventId },
        state,
      });
      const post = async (fields: Record<string, string | string[]>) => {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) form.append(k, x);
        const res = await handler.POST(ctx(new Request(url, { method: "POST", body: form })));
        assertEquals(res.status, 303);
        return new URL(res.headers.get("location")!, url).searchParams;
      };
      const render = async () => {
        const r = await handler.GET(ctx(new Request(url)));
        assert(!(r instanceof Response), "GET renders the page");
        return { html: renderToString(CheckInPage({ data: r.data } as never)), data: r.data };
      };

      assertEquals(
        (await post({ action: "add_gate", name: "East" })).get("ok"),
        'Gate "East" added',
      );
      assert(
        (await post({ action: "add_gate", name: "East" })).get("error")!.includes("already exists"),
      );
      assertEquals(
        (await post({
          action: "save_list",
          name: "Terrace",
          mode: "reentry",
          gate_ids: [fx.gates.North!, fx.gates.South!],
        })).get("ok"),
        'Check-in list "Terrace" saved',
      );
      assert(
        (await post({ action: "pair", gate_id: fx.gates.North!, minutes: "10" })).get("ok")!
          .startsWith("Pairing code"),
      );
      let { html, data } = await render();
      assert(
        html.includes("East") && html.includes("Entry/exit, re-entry"),
        "gates and lists shown",
      );
      const code = data.setup.pairings[0]!.code_display;
      assert(html.includes(code) && html.includes("<svg"), "the pairing code and its QR");
      assert(html.includes(`/scan/?pair=${code}`), "the QR's pairing URL");
      const device = await pairDevice(admin, fx, "South", "South phone");
      ({ html } = await render());
      assert(
        html.includes("South phone") && html.includes(">Revoke<"),
        "the device with a revoke button",
      );
      assertEquals(
        (await post({ action: "revoke", device_id: device.deviceId })).get("ok"),
        "Device revoked: it can no longer scan",
      );
      ({ html } = await render());
      assert(html.includes("Revoked "), "the device shows as revoked");
      assert(html.includes("Offline conflicts (0)"));
      // another org's manager gets a 404
      const other = { staff: { ...state.staff, orgId: crypto.randomUUID() } };
      other.staff.claims = { ...state.staff.claims, org_id: other.staff.orgId };
      const res = await handler.GET({
        req: new Request(url),
        url,
        params: { id: fx.eventId },
        state: other,
      });
      assertEquals((res as Response).status, 404);
    } finally {
      await admin.end();
      await closeDb();
    }
  },
});
