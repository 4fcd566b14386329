// The PostgREST-compatible endpoint, assembled: an HTTP handler for `/rest/*` and the same
// path for in-process callers (server-rendered routes), so both get the same role switch,
// claims, transaction and errors.
import type { Sql } from "../db.ts";
import {
  headersObject,
  parseCookies,
  type RequestContext,
  runInRequest,
  type RunOptions,
  runStatementInRequest,
} from "./context.ts";
import {
  ApiError,
  errorResponse,
  invalidBody,
  invalidRpcMethod,
  toApiError,
  unsupportedMethod,
} from "./errors.ts";
import { claimsFromAuthorization, type JwtClaims, secretKey, signJwtWith } from "./jwt.ts";
import {
  isPlainObject,
  jsonType,
  objectType,
  readBody,
  wantsCount,
  wantsSingleObject,
} from "./negotiate.ts";
import { checkColumns, columnsOf, parseReadPlan, type ReadPlan, runRead } from "./read.ts";
import { functionResult, functionStatement, resolveFunction } from "./rpc.ts";
import { type FunctionInfo, quoteIdent, SchemaCache } from "./schema_cache.ts";

export interface RestOptions {
  /** A pool logged in as `authenticator`. */
  sql: Sql;
  /** HS256 secret, at least 32 characters (PostgREST's jwt-secret). */
  jwtSecret: string;
  /** The exposed schema (PostgREST's db-schemas), default `api`. */
  schema?: string;
  /** Schemas after the exposed one on the search_path (db-extra-search-path), default `public`. */
  extraSearchPath?: string[];
  /** `schema.function` called before each request (db-pre-request), or null; default `auth.pre_request`. */
  preRequest?: string | null;
  /** Role of requests without a JWT (db-anon-role), default `anon`. */
  anonRole?: string;
  /** Retries of a transaction that failed with 40001/40P01, default 3. */
  retries?: number;
  /** Most rows one read returns, whatever limit the client asks for (db-max-rows); default 1000, null for none. */
  maxRows?: number | null;
}

export interface CallOptions {
  /** Claims of the user the call is made for; omitted means anonymous. */
  claims?: JwtClaims | undefined;
}

export interface Rest {
  /** Serves one request; `path` is what follows `/rest/` (e.g. `rpc/hold_seats`, `events`). */
  handler(req: Request, path: string): Promise<Response>;
  /** Calls `schema.fn` with named arguments; throws ApiError exactly as the HTTP path would answer. */
  rpc<T = unknown>(fn: string, args?: Record<string, unknown>, options?: CallOptions): Promise<T>;
  /** Reads a view with a PostgREST query string (`status=eq.on_sale&order=starts_at`). */
  read<T = Record<string, unknown>>(
    relation: string,
    query?: string | URLSearchParams,
    options?: CallOptions,
  ): Promise<T[]>;
  /** Signs claims with this endpoint's secret (tests, the server's own sessions). */
  signJwt(claims: JwtClaims, options?: { expiresIn?: number | null }): Promise<string>;
  /** Forgets what is known about the schema (after migrations in the same process). */
  reloadSchemaCache(): Promise<void>;
}

const plainName = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function createRest(options: RestOptions): Rest {
  const schema = options.schema ?? "api";
  const key = secretKey(options.jwtSecret);
  const cache = new SchemaCache(options.sql, schema);
  const maxRows = options.maxRows === undefined ? 1000 : options.maxRows;
  const capped = (plan: ReadPlan): ReadPlan =>
    maxRows === null ? plan : { ...plan, limit: Math.min(plan.limit ?? maxRows, maxRows) };
  const run: RunOptions = {
    sql: options.sql,
    anonRole: options.anonRole ?? "anon",
    searchPath: [schema, ...(options.extraSearchPath ?? ["public"])],
    preRequest: qualifiedFunction(
      options.preRequest === undefined ? "auth.pre_request" : options.preRequest,
    ),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
  };

  async function handler(req: Request, path: string): Promise<Response> {
    const method = req.method.toUpperCase();
    const head = method === "HEAD";
    let authenticated = false;
    try {
      const claims = await claimsFromAuthorization(req.headers.get("authorization"), key);
      authenticated = claims !== undefined;
      const segments = path.split("/").filter((s) => s !== "").map(decodeSegment);
      const base = {
        claims,
        method,
        headers: headersObject(req.headers),
        cookies: parseCookies(req.headers.get("cookie")),
      };
      if (segments.length === 2 && segments[0] === "rpc") {
        return await serveRpc(req, segments[1]!, { ...base, path: `/rpc/${segments[1]}` });
      }
      if (segments.length === 1) {
        return await serveRead(req, segments[0]!, { ...base, path: `/${segments[0]}` });
      }
      throw new ApiError(404, "PGRST125", "Invalid path specified in request URL");
    } catch (error) {
      return errorResponse(toApiError(error, authenticated), { head });
    }
  }

  async function serveRpc(
    req: Request,
    name: string,
    base: Omit<RequestContext, "readOnly">,
  ): Promise<Response> {
    const { method } = base;
    const head = method === "HEAD";
    if (method !== "POST" && method !== "GET" && !head) throw invalidRpcMethod(method);
    const single = wantsSingleObject(req.headers.get("accept"));
    let values: unknown;
    let raw: string;
    if (method === "POST") {
      ({ value: values, raw } = await readBody(req));
    } else {
      const args: Record<string, string> = {};
      for (const [k, v] of new URL(req.url).searchParams) args[k] = v;
      values = args;
      raw = JSON.stringify(args);
    }
    const f = await resolveForBody(name, values);
    if (method !== "POST" && f.volatility === "volatile") {
      throw invalidRpcMethod(
        method,
        `The function ${schema}.${name} is VOLATILE: it may write, so call it with POST`,
      );
    }
    const context: RequestContext = {
      ...base,
      readOnly: method !== "POST" || f.volatility !== "volatile",
    };
    const statement = functionStatement(f, {
      values: isPlainObject(values) || Array.isArray(values) ? values : null,
      raw,
    });
    const rows = await runStatementInRequest(context, run, statement.text, statement.params);
    const result = functionResult(statement, rows, { single });
    if (result.body === null) return new Response(null, { status: 204 });
    return new Response(head ? null : result.body, {
      status: 200,
      headers: { "content-type": single ? objectType : jsonType },
    });
  }

  async function resolveForBody(name: string, values: unknown): Promise<FunctionInfo> {
    if (isPlainObject(values)) {
      return await resolveFunction(cache, schema, name, Object.keys(values));
    }
    try {
      return await resolveFunction(cache, schema, name, null);
    } catch (error) {
      if (
        error instanceof ApiError && error.code === "PGRST202" &&
        (await cache.functions(name)).length > 0
      ) {
        throw invalidBody(
          `The body must be a JSON object of named arguments but found ${
            Array.isArray(values) ? "an array" : values === null ? "null" : typeof values
          }`,
          `The function ${schema}.${name} takes named arguments`,
        );
      }
      throw error;
    }
  }

  async function serveRead(
    req: Request,
    name: string,
    base: Omit<RequestContext, "readOnly">,
  ): Promise<Response> {
    const { method } = base;
    const plan = capped(parseReadPlan(new URL(req.url).searchParams, req.headers.get("range")));
    const single = wantsSingleObject(req.headers.get("accept"));
    const relation = await findRelation(name, plan);
    if (method !== "GET" && method !== "HEAD") {
      const error = unsupportedMethod(method);
      error.headers["allow"] = "GET, HEAD";
      throw error;
    }
    const countExact = wantsCount(req.headers.get("prefer"));
    const result = await runInRequest(
      { ...base, readOnly: true },
      run,
      (tx) => runRead(tx, relation, plan, { countExact, single }),
    );
    const lower = plan.offset;
    const range = result.count === 0 ? "*" : `${lower}-${lower + result.count - 1}`;
    const status = result.total !== null && result.count < result.total && !single ? 206 : 200;
    return new Response(method === "HEAD" ? null : result.body, {
      status,
      headers: {
        "content-type": single ? objectType : jsonType,
        "content-range": `${range}/${result.total ?? "*"}`,
        "range-unit": "items",
      },
    });
  }

  async function findRelation(name: string, plan: ReadPlan) {
    const relation = await cache.relation(name, columnsOf(plan));
    if (!relation) {
      throw new ApiError(
        404,
        "PGRST205",
        `Could not find the table '${schema}.${name}' in the schema cache`,
      );
    }
    checkColumns(plan, relation);
    return relation;
  }

  async function rpc<T>(
    fn: string,
    args: Record<string, unknown> = {},
    callOptions: CallOptions = {},
  ) {
    const claims = callOptions.claims;
    // An undefined value means the argument is absent (its default applies), as in JSON.
    args = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    try {
      const f = await resolveFunction(cache, schema, fn, Object.keys(args));
      const context: RequestContext = {
        claims,
        method: "POST",
        path: `/rpc/${fn}`,
        headers: {},
        cookies: {},
        readOnly: f.volatility !== "volatile",
      };
      const raw = JSON.stringify(args);
      const statement = functionStatement(f, { values: args, raw });
      const rows = await runStatementInRequest(context, run, statement.text, statement.params);
      const result = functionResult(statement, rows);
      return (result.body === null ? undefined : JSON.parse(result.body)) as T;
    } catch (error) {
      throw toApiError(error, claims !== undefined);
    }
  }

  async function read<T>(
    relationName: string,
    query: string | URLSearchParams = "",
    callOptions: CallOptions = {},
  ) {
    const claims = callOptions.claims;
    try {
      const plan = capped(parseReadPlan(new URLSearchParams(query), null));
      const relation = await findRelation(relationName, plan);
      const context: RequestContext = {
        claims,
        method: "GET",
        path: `/${relationName}`,
        headers: {},
        cookies: {},
        readOnly: true,
      };
      const result = await runInRequest(
        context,
        run,
        (tx) => runRead(tx, relation, plan, { countExact: false, single: false }),
      );
      return JSON.parse(result.body) as T[];
    } catch (error) {
      throw toApiError(error, claims !== undefined);
    }
  }

  return {
    handler,
    rpc,
    read,
    signJwt: (claims, signOptions = {}) => signJwtWith(claims, options.jwtSecret, signOptions),
    reloadSchemaCache: async () => {
      await cache.reload();
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `auth.pre_request` → `"auth"."pre_request"`; refuses anything that is not two plain names. */
function qualifiedFunction(name: string | null): string | null {
  if (name === null || name === "") return null;
  const parts = name.split(".");
  if (parts.length > 2 || !parts.every((p) => plainName.test(p))) {
    throw new Error(`Expected the pre-request function as schema.function but found "${name}"`);
  }
  return parts.map(quoteIdent).join(".");
}
