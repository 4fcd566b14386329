// PostgREST's error shape: every failure is {"code","message","details","hint"} (null where
// absent) with an HTTP status. Errors raised by Postgres keep their SQLSTATE as the code;
// errors found by the endpoint itself use PostgREST's PGRSTnnn codes.
import postgres from "postgres";
import { statusForSqlState } from "./sqlstate.ts";

export interface ErrorBody {
  code: string;
  message: string;
  details: string | null;
  hint: string | null;
}

export interface ApiErrorInit {
  details?: string | null | undefined;
  hint?: string | null | undefined;
  headers?: Record<string, string> | undefined;
}

/** An error with the HTTP status and body the endpoint answers with. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  readonly headers: Record<string, string>;

  constructor(status: number, code: string, message: string, init: ApiErrorInit = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = init.details ?? null;
    this.hint = init.hint ?? null;
    this.headers = init.headers ?? {};
  }

  toJSON(): ErrorBody {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

/** The response for an error; HEAD requests get the status and headers without a body. */
export function errorResponse(error: ApiError, options: { head?: boolean } = {}): Response {
  const headers = new Headers(error.headers);
  headers.set("content-type", "application/json; charset=utf-8");
  return new Response(options.head ? null : JSON.stringify(error.toJSON()), {
    status: error.status,
    headers,
  });
}

/**
 * Turns anything thrown while serving a request into an ApiError. `authenticated` says
 * whether the request carried a valid JWT (it decides 401 or 403 for 42501).
 */
export function toApiError(error: unknown, authenticated: boolean): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof postgres.PostgresError) {
    const status = statusForSqlState(error.code, { authenticated, message: error.message });
    return new ApiError(status, error.code, error.message, {
      details: error.detail ?? null,
      hint: error.hint ?? null,
      headers: status === 401 ? { "www-authenticate": "Bearer" } : {},
    });
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && connectionErrorCodes.has(code)) {
    return new ApiError(503, "PGRST000", "Database connection error. Retrying the connection.", {
      details: error instanceof Error ? error.message : String(error),
    });
  }
  console.error("rest: unexpected error", error);
  return new ApiError(500, "PGRSTX00", "Internal server error");
}

const connectionErrorCodes = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
]);

// The endpoint's own errors, with PostgREST's codes and messages.

export function invalidBody(message: string, details?: string): ApiError {
  return new ApiError(400, "PGRST102", message, { details });
}

export function queryParamError(message: string, details: string): ApiError {
  return new ApiError(400, "PGRST100", message, { details });
}

export function singularityError(rows: number): ApiError {
  return new ApiError(406, "PGRST116", "Cannot coerce the result to a single JSON object", {
    details: `The result contains ${rows} rows`,
  });
}

export function unsupportedMediaType(accept: string): ApiError {
  return new ApiError(406, "PGRST107", `None of these media types are available: ${accept}`);
}

export function invalidRpcMethod(method: string, details?: string): ApiError {
  return new ApiError(405, "PGRST101", `Cannot use the ${method} method on RPC`, { details });
}

export function unsupportedMethod(method: string): ApiError {
  return new ApiError(405, "PGRST117", `Unsupported HTTP method: ${method}`);
}

export function rangeError(details: string, total?: number): ApiError {
  return new ApiError(416, "PGRST103", "Requested range not satisfiable", {
    details,
    headers: total === undefined ? {} : { "content-range": `*/${total}` },
  });
}
