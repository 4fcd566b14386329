// The balance guarantee after the cheaper check (sql/230: one check per ledger transaction, by
// its last entry): an entry added later to a balanced transaction is refused at commit, as are
// a transaction mixing organisations and one posted through post_ledger_rows that is unbalanced.
import assert from "node:assert/strict";
import { adminSql } from "../support/db.ts";
import { one, shop } from "./fixture.ts";

const sql = await adminSql(2);

async function refused(run: () => Promise<unknown>, message: RegExp) {
  await assert.rejects(run, (e: { code?: string; message: string }) => {
    assert.equal(e.code, "23514");
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("the balance is checked once per transaction and still catches every break", async () => {
  const a = await shop(sql, "USD", "Ledger Guard A");
  const b = await shop(sql, "USD", "Ledger Guard B");
  const key = `guard:${crypto.randomUUID()}`;
  const accounts = async (org: string) =>
    one(
      await sql`select core.ledger_accounts_of(${org}, 'USD',
        array['organiser_revenue', 'platform_fees', 'provider_clearing'], array[null, null, 'sandbox']) as ids`,
    ).ids as [string, string, string];
  const [revA, feesA, clearA] = await accounts(a.org);
  // the same four-at-once lookup twice: the same accounts, none created twice
  assert.deepEqual(await accounts(a.org), [revA, feesA, clearA]);

  const tid = one(
    await sql`select core.post_ledger_rows(${a.org}, 'adjustment', ${key}, 'USD',
      array[${clearA}, ${revA}, ${feesA}]::bigint[], array[500, -500, 0]::bigint[], 'guard test') as t`,
  ).t;
  assert.equal(
    one(await sql`select count(*)::int as n from core.ledger_entries where transaction_id = ${tid}`)
      .n,
    2,
    "zero amounts are skipped",
  );
  // replayed: nothing posted
  assert.equal(
    one(
      await sql`select core.post_ledger_rows(${a.org}, 'adjustment', ${key}, 'USD',
        array[${clearA}, ${revA}]::bigint[], array[500, -500]::bigint[], 'guard test') as t`,
    ).t,
    null,
  );
  // a later entry to the committed transaction: it is now the last entry, and refused
  await refused(
    () =>
      sql.begin(async (tx) => {
        await tx`insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
          values (${a.org}, ${tid}, ${revA}, 'USD', -1)`;
        await tx`set constraints all immediate`;
      }),
    /unbalanced in USD: debits and credits differ by -1/,
  );
  // unbalanced through the array poster
  await refused(
    () =>
      sql.begin(async (tx) => {
        await tx`select core.post_ledger_rows(${a.org}, 'adjustment', ${`${key}:2`}, 'USD',
          array[${clearA}, ${revA}]::bigint[], array[500, -499]::bigint[], 'guard test')`;
        await tx`set constraints all immediate`;
      }),
    /unbalanced in USD/,
  );
  // balanced, but one side is another org's account
  const [revB] = await accounts(b.org);
  await refused(
    () =>
      sql.begin(async (tx) => {
        const { id } = one(
          await tx`insert into core.ledger_transactions (org_id, kind, source_key, description)
            values (${a.org}, 'adjustment', ${`${key}:3`}, 'guard test') returning id`,
        );
        await tx`insert into core.ledger_entries (org_id, transaction_id, account_id, currency, amount_minor)
          values (${a.org}, ${id}, ${clearA}, 'USD', 700), (${b.org}, ${id}, ${revB}, 'USD', -700)`;
        await tx`set constraints all immediate`;
      }),
    /mixes organisations/,
  );
});

Deno.test({
  name: "close",
  fn: async () => {
    await sql.end();
  },
  sanitizeOps: false,
  sanitizeResources: false,
});
