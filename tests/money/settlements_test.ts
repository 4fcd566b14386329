// Settlement reports: the CSV reader and each provider's format (BOM, CRLF, quotes,
// thousands separators, errors naming the line), and end to end over real HTTP on loopback:
// a finance user uploads a crafted Paystack file with every exception kind (missing,
// duplicate, amount mismatch, unknown) to /admin/finance, sees them listed, and a re-import
// of the same file changes nothing; the trial balance still sums to zero.
import assert from "node:assert/strict";
import { parseSettlement, SettlementFileError } from "../../lib/payments/settlements/mod.ts";
import { readCsvRecords } from "../../lib/payments/settlements/csv.ts";
import { majorToMinor } from "../../lib/payments/settlements/amounts.ts";
import { sandboxSettlementCsv } from "../../lib/payments/settlements/sandbox.ts";
import { closeDb } from "../../lib/db.ts";
import { adminApp, DEMO_PASSWORD, DOOR, OWNER } from "../admin/support.ts";
import { adminSql } from "../support/db.ts";

Deno.test("csv: BOM, CRLF, quoted commas, quotes and line breaks, blank lines", () => {
  const text = '\uFEFFa,b,c\r\n1,"x, ""y""",3\r\n\r\n"multi\nline",2,\n';
  assert.deepEqual(readCsvRecords(text), [
    { line: 1, fields: ["a", "b", "c"] },
    { line: 2, fields: ["1", 'x, "y"', "3"] },
    { line: 4, fields: ["multi\nline", "2", ""] },
  ]);
  assert.throws(() => readCsvRecords('a,b\n1,"open\n'), /Line 2: A quoted field is never closed/);
  assert.throws(() => readCsvRecords('a,b\n1,x"y\n'), /Line 2: A quote/);
});

Deno.test("amounts: exact minor units, thousands separators, no silent rounding", () => {
  const at = { line: 7, column: "gross" };
  assert.equal(majorToMinor("1,234.50", "USD", at), 123450);
  assert.equal(majorToMinor("1 234 567.8", "ZAR", at), 123456780);
  assert.equal(majorToMinor("-12.00", "USD", at), -1200);
  assert.equal(majorToMinor("(3.10)", "USD", at), -310);
  assert.equal(majorToMinor("0.29", "USD", at), 29); // 0.29 * 100 is 28.999… in floats
  assert.equal(majorToMinor("1500", "UGX", at), 1500);
  assert.throws(() => majorToMinor("12.345", "USD", at), /Line 7: gross "12.345" has more than 2/);
  assert.throws(() => majorToMinor("twelve", "USD", at), /Line 7: gross "twelve" is not an amount/);
});

Deno.test("sandbox format: written and read back the same; net must add up", async () => {
  const lines = [
    {
      type: "payment" as const,
      reference: "K7QW2M4X",
      intent_id: "pi_1",
      gross_minor: 123450,
      fee_minor: 345,
      net_minor: 123105,
      currency: "USD",
      settled_at: "2026-03-01T10:00:00.000Z",
      payout_id: "po_1",
    },
    {
      type: "refund" as const,
      reference: 're_"odd", ref',
      intent_id: "pi_1",
      gross_minor: -500,
      fee_minor: 0,
      net_minor: -500,
      currency: "USD",
      settled_at: "2026-03-02T10:00:00.000Z",
      payout_id: null,
    },
  ];
  const parsed = await parseSettlement("sandbox", sandboxSettlementCsv(lines));
  assert.deepEqual(parsed.lines, lines);
  assert.equal(parsed.periodFrom, "2026-03-01");
  assert.equal(parsed.periodTo, "2026-03-02");
  await assert.rejects(
    parseSettlement(
      "sandbox",
      "type,intent_id,reference,currency,gross,fee,net,settled_at\n" +
        "payment,pi_1,K7,USD,10.00,0.30,9.00,2026-03-01\n",
    ),
    (e: Error) => e instanceof SettlementFileError && /^Line 2: net "9.00"/.test(e.message),
  );
  await assert.rejects(
    parseSettlement("sandbox", "type,reference\npayment,x\n"),
    /Line 1: The header lacks the columns "intent_id"/,
  );
  await assert.rejects(
    parseSettlement(
      "sandbox",
      "type,intent_id,reference,currency,gross,fee,settled_at\ngift,pi,K7,USD,1,0,2026-03-01\n",
    ),
    /Line 2: Type "gift"/,
  );
});

Deno.test("stripe format: itemized payout reconciliation rows", async () => {
  const csv = [
    "balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,description,payment_intent_id,charge_id,automatic_payout_id",
    'txn_1,2026-03-01 10:00:00,2026-03-03 00:00:00,zar,"1,500.00",43.80,"1,456.20",charge,ch_1,"Order K7, 2 tickets",pi_A,ch_1,po_9',
    "txn_2,2026-03-02 10:00:00,2026-03-03 00:00:00,zar,-500.00,-14.60,-485.40,refund,re_1,,pi_A,ch_1,po_9",
    "txn_3,2026-03-03 00:00:00,2026-03-03 00:00:00,zar,-970.80,0.00,-970.80,payout,po_9,,,,po_9",
  ].join("\r\n");
  const { lines } = await parseSettlement("stripe", csv);
  assert.deepEqual(
    lines.map((l) => [l.type, l.reference, l.intent_id, l.gross_minor, l.fee_minor]),
    [
      ["payment", "pi_A", "pi_A", 150000, 4380],
      ["refund", "re_1", "pi_A", -50000, 0],
      ["payout", "po_9", null, -97080, 0],
    ],
  );
  assert.equal(lines[0]!.currency, "ZAR");
  assert.equal(lines[0]!.settled_at, "2026-03-03T00:00:00.000Z");
  await assert.rejects(
    parseSettlement("stripe", csv.replace("charge,ch_1", "transfer,ch_1")),
    /Line 2: Reporting category "transfer"/,
  );
});

Deno.test("flutterwave format: settlement transactions in major units", async () => {
  const csv = "settlement_id,id,tx_ref,flw_ref,charged_amount,app_fee,merchant_fee," +
    "stampduty_charge,settlement_amount,currency,status,transaction_date\n" +
    "41497,984411,MTB-K7-1a2b,FLW-MOCK-1,10140,190,0,0,9950,NGN,successful,2019-12-30\n" +
    "41497,984412,MTB-K8-3c4d,FLW-MOCK-2,2826.96,2508.96,0,0,318,NGN,successful,2019-12-30\n" +
    "41497,984413,MTB-K9-5e6f,FLW-MOCK-3,100,2,0,0,98,NGN,failed,2019-12-30\n";
  const { lines } = await parseSettlement("flutterwave", csv);
  assert.deepEqual(lines.map((l) => [l.intent_id, l.gross_minor, l.fee_minor, l.payout_id]), [
    ["MTB-K7-1a2b", 1014000, 19000, "41497"],
    ["MTB-K8-3c4d", 282696, 250896, "41497"],
  ]);
  await assert.rejects(
    parseSettlement("flutterwave", csv.replace(",9950,", ",9960,")),
    /Line 2: settlement_amount "9960"/,
  );
});

// ---------------------------------------------------------------------------------------
// End to end over HTTP: the demo org's owner (view_finance) uploads a crafted Paystack file

/** A cookie-keeping client over real HTTP that can post multipart forms. */
function client(origin: string) {
  const cookies = new Map<string, string>();
  let csrf = "";
  async function send(path: string, init: RequestInit = {}) {
    const r = await fetch(new URL(path, origin), {
      ...init,
      redirect: "manual",
      headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") },
    });
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (/Max-Age=0/i.test(line)) cookies.delete(pair!.slice(0, eq));
      else cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return r;
  }
  return {
    get csrf() {
      return csrf;
    },
    async get(path: string) {
      const r = await send(path);
      const html = await r.clone().text();
      csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? csrf;
      return r;
    },
    post(path: string, body: URLSearchParams | FormData) {
      return send(path, { method: "POST", body });
    },
  };
}

async function signInHttp(origin: string, email: string) {
  const c = client(origin);
  await c.get("/admin/login");
  const r = await c.post(
    "/admin/login",
    new URLSearchParams({ _csrf: c.csrf, email, password: DEMO_PASSWORD, next: "/admin" }),
  );
  await r.body?.cancel();
  assert.equal(r.status, 303, `signing in as ${email}`);
  await (await c.get("/admin/finance")).body?.cancel();
  return c;
}

// deno-lint-ignore no-explicit-any
function one(rows: readonly any[]): any {
  if (rows.length !== 1) throw new Error(`Expected one row but found ${rows.length}`);
  return rows[0];
}

function flash(r: Response): { ok: string | null; error: string | null } {
  const u = new URL(r.headers.get("location") ?? "/", "http://x");
  return { ok: u.searchParams.get("ok"), error: u.searchParams.get("error") };
}

Deno.test("finance page: upload, every exception kind, re-import changes nothing", async () => {
  const app = await adminApp();
  const sql = await adminSql(2);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.handler);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  try {
    const { org } = one(
      await sql`
      select m.org_id as org from core.memberships m join core.users u on u.id = m.user_id
      where u.email = ${OWNER} limit 1`,
    );
    const run = crypto.randomUUID().slice(0, 8);
    // four paid Paystack orders of a fresh event in the owner's org
    const paid = await sql.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', ${
        JSON.stringify({ role: "platform_admin", org_id: org })
      }, true)`;
      const { v } = one(await tx`select api.create_venue(${`Recon ${run}`}, 'Harare') as v`);
      const { l } = one(await tx`select api.create_layout(${v}, 'Main') as l`);
      const { z } = one(await tx`select api.add_price_zone(${l}, 'All', '#6b7280', 1) as z`);
      await tx`select api.add_standing_section(${l}, 'Field', 100, ${z})`;
      await tx`select api.publish_layout_version(${l})`;
      const { e } = one(
        await tx`select api.create_event(layout_version_id => ${l},
        name => ${`Recon Match ${run}`}, starts_at => now() + interval '9 days',
        category => 'football') as e`,
      );
      const { t } = one(
        await tx`select api.create_ticket_type(event_id => ${e}, name => 'Entry',
        price_minor => 125000) as t`,
      );
      await tx`select api.set_event_status(${e}, 'on_sale')`;
      const out = [];
      for (let i = 0; i < 4; i++) {
        const { h } = one(
          await tx`select api.hold_tickets(event_id => ${e},
          items => ${tx.json([{ ticket_type_id: t, quantity: 1 }])},
          session_id => ${`recon-${run}-${i}`}) ->> 'token' as h`,
        );
        const { id } = one(
          await tx`select api.create_order(hold_token => ${h},
          buyer_email => 'recon@example.com') ->> 'id' as id`,
        );
        const [o] = await tx`select code, total_minor::int as total, currency from core.orders
          where id = ${id}`;
        const intent = `${o!.code}-${run}${i}`;
        await tx`select api.record_payment_attempt(${id}, 'paystack', ${intent}, ${o!.total},
          ${o!.currency})`;
        await tx`select api.apply_payment_event('paystack', ${`charge.success:${run}${i}`},
          ${intent}, 'succeeded')`;
        out.push({ intent, total: o!.total as number, currency: o!.currency as string });
      }
      return out;
    });
    const [a, b, c, d] = paid as [typeof paid[0], typeof paid[0], typeof paid[0], typeof paid[0]];
    // d succeeded a week ago and no line covers it: missing
    await sql`update core.payments set succeeded_at = now() - interval '7 days'
      where intent_id = ${d.intent}`;
    const n = (x: number) => `"${x.toLocaleString("en-US")}"`; // quoted, thousands separators
    const file = "\uFEFFSettlement ID,ID,Reference,Amount,Fees,Currency,Status,Paid At\r\n" +
      `ST1,1,${a.intent},${n(a.total)},1975,${a.currency},success,2026-03-01T09:00:00Z\r\n` +
      `ST1,2,${a.intent},${n(a.total)},1975,${a.currency},success,2026-03-01T09:05:00Z\r\n` +
      `ST1,3,${b.intent},${n(b.total - 100)},1975,${b.currency},success,2026-03-01T09:10:00Z\r\n` +
      `ST1,4,UNKNOWN-${run},5000,75,${c.currency},success,2026-03-01T09:15:00Z\r\n` +
      `ST1,5,${c.intent},${c.total},1975,${c.currency},success,2026-03-01T09:20:00Z\r\n` +
      `ST1,6,NOT-SETTLED-${run},5000,75,${c.currency},failed,2026-03-01T09:25:00Z\r\n`;

    const owner = await signInHttp(origin, OWNER);
    const upload = async (text: string, provider = "paystack") => {
      const form = new FormData();
      form.set("_csrf", owner.csrf);
      form.set("provider", provider);
      form.set("report", new File([text], `paystack-${run}.csv`, { type: "text/csv" }));
      const r = await owner.post("/admin/finance", form);
      await r.body?.cancel();
      assert.equal(r.status, 303);
      return flash(r);
    };
    const ledgerCount = async () =>
      (await sql`select count(*)::int as n from core.ledger_transactions where org_id = ${org}`)[0]!
        .n as number;

    const first = await upload(file);
    assert.equal(first.error, null);
    assert.match(first.ok!, /Imported 5 lines of paystack-.*: 2 matched, 3 exceptions/);
    const afterFirst = await ledgerCount();

    const page = await owner.get("/admin/finance");
    assert.equal(page.status, 200);
    const html = await page.text();
    const kinds = (ref: string) =>
      [...html.matchAll(/data-kind="([a-z_]+)"[^]*?<\/tr>/g)]
        .filter((m) => m[0].includes(ref))
        .map((m) => m[1]);
    assert.deepEqual(kinds(a.intent), ["duplicate"]);
    assert.deepEqual(kinds(b.intent), ["amount_mismatch"]);
    assert.deepEqual(kinds(`UNKNOWN-${run}`), ["unknown_payment"]);
    assert.deepEqual(kinds(`NOT-SETTLED-${run}`), []);
    assert.ok(html.includes(`Recon Match ${run}`), "finance summary lists the event");
    assert.match(html, /data-testid="balance-total"/);
    const [dCode] = d.intent.split("-");
    assert.ok(
      [...html.matchAll(/data-kind="missing"[^]*?<\/tr>/g)].some((m) => m[0].includes(dCode!)),
      "the unsettled payment is missing",
    );

    // the same file again: nothing changes
    const lines = async () =>
      (await sql`select count(*)::int as n, count(*) filter (where status = 'matched')::int as m
        from core.settlement_lines where org_id = ${org}`)[0]!;
    const before = await lines();
    const again = await upload(file);
    assert.match(again.ok!, /was imported before; nothing changed/);
    assert.deepEqual(await lines(), before);
    assert.equal(await ledgerCount(), afterFirst);

    // fees were posted once per matched line
    const [fees] = await sql`select count(*)::int as n from core.ledger_transactions
      where org_id = ${org} and source_key like 'settlement_fee:%'
        and source_key in (select 'settlement_fee:' || id from core.settlement_lines
                           where reference in (${a.intent}, ${c.intent}))`;
    assert.equal(fees!.n, 2);

    // the trial balance sums to zero per currency
    const unbalanced = await sql`select a.currency, sum(e.amount_minor) as s
      from core.ledger_entries e join core.ledger_accounts a on a.id = e.account_id
      where a.org_id = ${org} group by 1 having sum(e.amount_minor) <> 0`;
    assert.deepEqual([...unbalanced], []);

    // a bad file names the line and imports nothing
    const bad = await upload(file.replace(`${c.total},1975`, `${c.total},19.75`));
    assert.match(bad.error!, /Line 6: fees "19.75" is not a whole number of minor units/);
    const unknownProvider = await upload(file, "mpesa");
    assert.match(unknownProvider.error!, /Provider "mpesa" has no settlement format/);
    assert.deepEqual(await lines(), before);

    // who may see finance is decided in SQL: door staff get a 403
    const door = await signInHttp(origin, DOOR);
    const refused = await door.get("/admin/finance");
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
  } finally {
    await server.shutdown();
    await sql.end();
    await closeDb();
  }
});
