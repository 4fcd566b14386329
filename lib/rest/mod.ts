// The public face of the `/rest` endpoint. Routes and pages import from here:
//   restHandler(req, path)      the HTTP endpoint (routes/rest/[...path].ts)
//   rpc(fn, args, { claims })   the same call in-process, for server-rendered pages
//   read(view, query, { claims }) a read of a view in-process
//   signJwt(claims)             a token for the server's own sessions and for tests
// They share one process-wide instance built from lib/config.ts and lib/db.ts; tests build
// their own with createRest({ sql, schema, jwtSecret, preRequest }).
import { jwtSecret } from "../config.ts";
import { db, type Sql } from "../db.ts";
import type { JwtClaims } from "./jwt.ts";
import { type CallOptions, createRest, type Rest } from "./rest.ts";

export { ApiError, type ErrorBody } from "./errors.ts";
export { type JwtClaims, verifyJwt } from "./jwt.ts";
export { type CallOptions, createRest, type Rest, type RestOptions } from "./rest.ts";
export { statusForSqlState } from "./sqlstate.ts";

let instance: { rest: Rest; pool: Sql } | undefined;

/** The process-wide endpoint (authenticator pool, schema `api`, `auth.pre_request`). */
export function rest(): Rest {
  const pool = db(); // a new pool after closeDb(): build a new endpoint around it
  if (instance?.pool !== pool) {
    instance = { rest: createRest({ sql: pool, jwtSecret: jwtSecret() }), pool };
  }
  return instance.rest;
}

export function restHandler(req: Request, path: string): Promise<Response> {
  return rest().handler(req, path);
}

export function rpc<T = unknown>(
  fn: string,
  args: Record<string, unknown> = {},
  options: CallOptions = {},
): Promise<T> {
  return rest().rpc<T>(fn, args, options);
}

export function read<T = Record<string, unknown>>(
  relation: string,
  query: string | URLSearchParams = "",
  options: CallOptions = {},
): Promise<T[]> {
  return rest().read<T>(relation, query, options);
}

export function signJwt(
  claims: JwtClaims,
  options: { expiresIn?: number | null } = {},
): Promise<string> {
  return rest().signJwt(claims, options);
}
