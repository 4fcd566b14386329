-- The balance check is a deferred constraint trigger: it runs at COMMIT, as whatever role
-- the request switched to (a buyer paying, the payment service, a box-office agent), and
-- those roles may not read ledger rows. It must read them as the engine does.
alter function core.tg_ledger_entries__balanced() security definer;
alter function core.tg_ledger_entries__balanced() set search_path = pg_catalog, core, pg_temp;
