// api.scan in one round trip to Postgres, for the hottest path at the gates.
//
// /rest runs a function as BEGIN, set_config(role, claims …), the pre-request hook, the
// function, COMMIT. Through postgres.js that is about six round trips (BEGIN and COMMIT each,
// and every query with parameters first asks Postgres to describe it). Here the same work is
// one simple-protocol query of two statements, which Postgres runs as one implicit
// transaction: the settings are local to it, it commits after the second statement, and an
// error in either rolls both back. The values are written as SQL literals (literal() below);
// the scan id, direction and signature_ok are checked or built here, the claims are the
// server's own signed JWT. api.scan checks the device itself (core.current_device refuses
// what the pre-request hook refuses for scanner tokens), so the hook is not called again.
// api.scan returns jsonb; ::text hands the client Postgres's JSON as it is.
import { db, type Sql } from "../db.ts";
import { ApiError, type JwtClaims } from "../rest/mod.ts";
import { toApiError } from "../rest/errors.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Text as an SQL string literal. The E'' form means the same whatever
 * standard_conforming_strings says; NUL cannot be sent in a query at all.
 */
export function literal(text: string): string {
  if (text.includes("\0")) {
    throw new ApiError(400, "P0001", "A ticket code cannot contain a NUL character");
  }
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export interface ScanArgs {
  scan_id: string;
  code: string;
  direction: "in" | "out";
  signature_ok: boolean | null;
}

/** The statement that sets a scanner device's role and claims for the rest of the transaction. */
export function deviceSettingsSql(claims: JwtClaims): string {
  return `select set_config('role', 'scanner', true), set_config('request.jwt.claims', ${
    literal(JSON.stringify(claims))
  }, true), set_config('request.method', 'POST', true), set_config('request.path', '/scan/api/scan', true)`;
}

/** The statement that decides one scan (its column r is the decision's JSON text). */
export function scanCallSql(args: ScanArgs): string {
  if (!uuidPattern.test(args.scan_id)) {
    throw new ApiError(
      400,
      "P0001",
      `Scan id "${args.scan_id.slice(0, 40)}" must be a uuid made by the device`,
    );
  }
  const direction = args.direction === "out" ? "out" : "in";
  const signatureOk = args.signature_ok === null ? "null" : args.signature_ok ? "true" : "false";
  return `select api.scan(scan_id => '${args.scan_id}', code => ${
    literal(args.code)
  }, direction => '${direction}', signature_ok => ${signatureOk}, notify => false)::text as r`;
}

/** The SQL of one online scan: the device's settings, then the decision. */
function scanSql(claims: JwtClaims, args: ScanArgs): string {
  return `${deviceSettingsSql(claims)};\n${scanCallSql(args)}`;
}

/** Runs api.scan for a scanner device's claims; returns the decision as JSON text. */
export async function callScan(
  claims: JwtClaims,
  args: ScanArgs,
  sql: Sql = db(),
): Promise<string> {
  const query = scanSql(claims, args);
  try {
    const results = await sql.unsafe(query) as unknown as { r: string }[][];
    const row = results[results.length - 1]?.[0];
    if (!row) throw new Error("api.scan returned no row");
    return row.r;
  } catch (e) {
    throw toApiError(e, true);
  }
}
