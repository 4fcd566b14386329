// The server's connection pool. It logs in as `authenticator`, which holds no privileges of
// its own (NOINHERIT) and switches to an API role per request inside a transaction
// (lib/rest/context.ts). One lazily created pool per process; tests make their own.
import postgres from "postgres";
import { authenticatorDatabaseUrl } from "./config.ts";

export type Sql = postgres.Sql;

export interface PoolOptions {
  /** Connections kept open at most (default 10, or env MUTAMBO_DB_POOL). */
  max?: number;
}

/** A new pool for `url` (default: the authenticator URL of the configured database). */
export function createPool(
  url: string = authenticatorDatabaseUrl(),
  options: PoolOptions = {},
): Sql {
  return postgres(url, {
    max: options.max ?? Number(Deno.env.get("MUTAMBO_DB_POOL") ?? "10"),
    onnotice: () => {},
    // Prepared statements: postgres.js sends an unprepared statement with parameters as a
    // Describe round trip and then the Execute, every time; a prepared one is described once
    // per connection. Statements whose text varies per request (/rest reads) opt out.
    prepare: true,
    connection: { application_name: "mutambo" },
  });
}

let pool: Sql | undefined;

/** The process-wide pool, created on first use. */
export function db(): Sql {
  pool ??= createPool();
  return pool;
}

let scanPool: Sql | undefined;

/**
 * The scanner route's own connections, one per scan lane (lib/scan/batch.ts): the same few
 * backends decide every scan, so their compiled functions and plans stay warm, and pages or
 * exports using the main pool cannot keep a gate waiting for a connection.
 */
export function scanDb(connections: number): Sql {
  scanPool ??= createPool(authenticatorDatabaseUrl(), { max: connections });
  return scanPool;
}

/** Closes the process-wide pools (server shutdown). */
export async function closeDb(): Promise<void> {
  const current = [pool, scanPool];
  pool = scanPool = undefined;
  for (const p of current) if (p) await p.end({ timeout: 5 });
}
