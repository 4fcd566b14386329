// Group commit for online scans.
//
// Every scan must be durable before the gate sees its answer, so every scan transaction waits
// for its commit's WAL flush. At 1,000 scans/s on two cores those flushes queue behind each
// other and behind the CPU (bench/scan.ts: most busy backends were waiting on WALWrite or
// WALSync), and the slowest scans wait longest. A ScanBatcher keeps at most `lanes`
// transactions in flight. A scan that finds a lane free is sent at once, alone; scans that
// arrive while every lane is busy wait for the next free lane and go together in one
// transaction: one round trip, one commit, one flush for all of them. Nothing else changes:
// each scan is still api.scan under its own device's claims (the same SQL as callScan), decided
// in order inside the transaction (two gates scanning one ticket in one batch: the first
// admits, the second finds it used), and every answer is sent only after the commit.
//
// A batch is one implicit transaction, so an error in any of its scans (a revoked device, a
// scan id of another device) rolls back all of them. Then each scan of the batch is sent again
// alone, so each gets its own answer or its own error, and nothing is half-written. A batch
// that committed but whose answer was lost is replayed the same way: api.scan is idempotent by
// scan id.
//
// Scans in a batch are ordered by their code, which starts with the ticket's id: two batches
// lock the tickets they share in the same order, so they cannot deadlock on QR codes. (An order
// code locks its order's tickets; a deadlock there ends in an error, and the fallback above.)
import { db, type Sql } from "../db.ts";
import type { JwtClaims } from "../rest/mod.ts";
import { toApiError } from "../rest/errors.ts";
import { callScan, deviceSettingsSql, type ScanArgs, scanCallSql } from "./call.ts";

interface Waiting {
  claims: JwtClaims;
  claimsText: string;
  args: ScanArgs;
  call: string;
  resolve: (decision: string) => void;
  reject: (error: unknown) => void;
}

export interface BatcherOptions {
  /** Transactions in flight at most (default 2). */
  lanes?: number;
  /** Scans in one transaction at most (default 32). */
  maxBatch?: number;
  /** The pool to use (default: the process's). */
  sql?: () => Sql;
}

/** What a batcher has done, for tests (the bench counts commits in pg_stat_database instead). */
export interface BatcherStats {
  transactions: number;
  scans: number;
  largest: number;
  fallbacks: number;
}

/** A whole number ≥ 1 (a missing or unusable setting, such as an env var of "two", gives the default). */
function atLeastOne(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : fallback;
}

export class ScanBatcher {
  readonly lanes: number;
  readonly maxBatch: number;
  readonly #sql: () => Sql;
  #queue: Waiting[] = [];
  #busy = 0;
  readonly stats: BatcherStats = { transactions: 0, scans: 0, largest: 0, fallbacks: 0 };

  constructor(options: BatcherOptions = {}) {
    this.lanes = atLeastOne(options.lanes, 2);
    this.maxBatch = atLeastOne(options.maxBatch, 32);
    this.#sql = options.sql ?? db;
  }

  /** Decides one scan (api.scan) for a device; resolves with the decision's JSON text after its commit. */
  submit(claims: JwtClaims, args: ScanArgs): Promise<string> {
    const call = scanCallSql(args); // a bad scan id is refused here, before it joins a batch
    return new Promise((resolve, reject) => {
      const claimsText = JSON.stringify(claims);
      this.#queue.push({ claims, claimsText, args, call, resolve, reject });
      if (this.#busy < this.lanes) this.#lane();
    });
  }

  async #lane(): Promise<void> {
    this.#busy++;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        try {
          await this.#run(batch);
        } catch (e) {
          // no pool, or a bug: every scan of the batch gets the error (an answered one ignores
          // it), and the lane goes on with the next batch instead of dying unhandled
          for (const w of batch) w.reject(toApiError(e, true));
        }
      }
    } finally {
      this.#busy--;
    }
  }

  async #run(batch: Waiting[]): Promise<void> {
    const sql = this.#sql();
    this.stats.transactions++;
    this.stats.scans += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    if (batch.length === 1) {
      const [one] = batch as [Waiting];
      await callScan(one.claims, one.args, sql).then(one.resolve, one.reject);
      return;
    }
    batch.sort((a, b) => (a.args.code < b.args.code ? -1 : a.args.code > b.args.code ? 1 : 0));
    const statements: string[] = [];
    const answerAt: number[] = []; // the statement index of each scan's answer
    let claimsText = "";
    for (const w of batch) {
      if (w.claimsText !== claimsText) {
        statements.push(deviceSettingsSql(w.claims));
        claimsText = w.claimsText;
      }
      answerAt.push(statements.length);
      statements.push(w.call);
    }
    let results: { r: string }[][];
    try {
      results = await sql.unsafe(statements.join(";\n")) as unknown as { r: string }[][];
    } catch {
      // Nothing of the batch was kept (or, if it was, a replay returns the stored answers).
      this.stats.fallbacks++;
      await Promise.all(
        batch.map((w) => callScan(w.claims, w.args, sql).then(w.resolve, w.reject)),
      );
      return;
    }
    batch.forEach((w, i) => {
      const row = results[answerAt[i]!]?.[0];
      if (row) w.resolve(row.r);
      else w.reject(toApiError(new Error("api.scan returned no row"), true));
    });
  }
}
