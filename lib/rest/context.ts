// One request = one transaction, exactly as PostgREST runs it: BEGIN (READ ONLY when the
// request cannot write), switch role and set the request.* settings transaction-locally,
// call the pre-request function, run the query, COMMIT — or ROLLBACK on any error.
// Serialization failures and deadlocks are retried a few times before they reach the client.
import postgres from "postgres";
import type { Sql } from "../db.ts";
import type { JwtClaims } from "./jwt.ts";

export type Tx = postgres.TransactionSql;

export interface RequestContext {
  /** The request's claims; undefined for anonymous requests. */
  claims: JwtClaims | undefined;
  method: string;
  /** The path below the endpoint, e.g. `/rpc/hold_seats` or `/events`. */
  path: string;
  /** Lowercased header names. */
  headers: Record<string, string>;
  cookies: Record<string, string>;
  readOnly: boolean;
}

export interface RunOptions {
  sql: Sql;
  anonRole: string;
  /** Schemas put on the search_path, the exposed one first (PostgREST: db-schemas + db-extra-search-path). */
  searchPath: string[];
  /** Qualified name of the pre-request function, already checked (`"auth"."pre_request"`), or null. */
  preRequest: string | null;
  /** Attempts after the first when Postgres reports 40001 or 40P01 (default 3). */
  retries?: number;
}

const retryable = new Set(["40001", "40P01"]);

/** Runs `query` inside the request's transaction and returns its result. */
export async function runInRequest<T>(
  context: RequestContext,
  options: RunOptions,
  query: (tx: Tx) => Promise<T>,
): Promise<T> {
  return await retrying(
    options,
    () =>
      options.sql.begin(context.readOnly ? "read only" : "read write", async (tx) => {
        await tx.unsafe(SETTINGS, settingsParams(context, options), { prepare: true });
        if (options.preRequest) await tx.unsafe(`select ${options.preRequest}()`);
        return await query(tx);
      }) as Promise<T>,
  );
}

/**
 * Runs one statement in the request's transaction in a single round trip: BEGIN, the
 * settings, the pre-request function, the statement and COMMIT are written together
 * (pipelined) on one reserved connection. When a step fails, Postgres rejects the steps
 * after it (25P02) and turns the COMMIT into a ROLLBACK, so nothing is half written; the
 * first real error is thrown. The settings and the statement are prepared statements,
 * parsed and planned once per connection.
 */
export async function runStatementInRequest(
  context: RequestContext,
  options: RunOptions,
  text: string,
  params: string[],
): Promise<readonly Record<string, unknown>[]> {
  return await retrying(options, async () => {
    const conn = await options.sql.reserve();
    try {
      const steps = [
        conn.unsafe(context.readOnly ? "begin read only" : "begin"),
        conn.unsafe(SETTINGS, settingsParams(context, options), { prepare: true }),
        ...(options.preRequest ? [conn.unsafe(`select ${options.preRequest}()`)] : []),
        conn.unsafe(text, params, { prepare: true }),
        conn.unsafe("commit"),
      ];
      for (const step of steps) step.execute();
      const settled = await Promise.allSettled(steps);
      const failures = settled.flatMap((r) => r.status === "rejected" ? [r.reason] : []);
      const cause = failures.find((e) => (e as { code?: unknown }).code !== "25P02") ??
        failures[0];
      if (cause !== undefined) throw cause;
      const result = settled[steps.length - 2] as PromiseFulfilledResult<postgres.Row[]>;
      return result.value;
    } finally {
      conn.release();
    }
  });
}

/** Retries `attempt` when Postgres reports a serialization failure or a deadlock. */
async function retrying<T>(options: RunOptions, attempt: () => Promise<T>): Promise<T> {
  const retries = options.retries ?? 3;
  for (let n = 0;; n++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (
        !(error instanceof postgres.PostgresError) || typeof code !== "string" ||
        !retryable.has(code) || n >= retries
      ) {
        throw error;
      }
      // Small jittered backoff: 5–25 ms, growing with each attempt.
      await new Promise((resolve) => setTimeout(resolve, (5 + Math.random() * 20) * (n + 1)));
    }
  }
}

// Transaction-local, as PostgREST sets them; one constant text, so it is prepared once.
const SETTINGS = `select set_config('search_path', $1, true), set_config('role', $2, true),
            set_config('request.jwt.claims', $3, true), set_config('request.method', $4, true),
            set_config('request.path', $5, true), set_config('request.headers', $6, true),
            set_config('request.cookies', $7, true)`;

function settingsParams(context: RequestContext, options: RunOptions): string[] {
  const role = typeof context.claims?.role === "string" && context.claims.role !== ""
    ? context.claims.role
    : options.anonRole;
  const searchPath = options.searchPath.map((s) => `"${s.replaceAll('"', '""')}"`).join(", ");
  return [
    searchPath,
    role,
    JSON.stringify(context.claims ?? {}),
    context.method,
    context.path,
    JSON.stringify(context.headers),
    JSON.stringify(context.cookies),
  ];
}

/** The request's headers as a plain object with lowercased names. */
export function headersObject(headers: Headers): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of headers) result[name.toLowerCase()] = value;
  return result;
}

/** Parses a Cookie header into name → value (first occurrence wins). */
export function parseCookies(header: string | null): Record<string, string> {
  const result: Record<string, string> = {};
  if (!header) return result;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1);
    }
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value when it is not valid percent-encoding
    }
    if (name && !(name in result)) result[name] = value;
  }
  return result;
}
