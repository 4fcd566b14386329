// Calling a function of the exposed schema with named arguments, PostgREST's way: the keys
// of the JSON object must be all the function's required parameters plus any of its
// defaulted ones; the values are converted by Postgres itself (json_to_record), so a wrong
// type is Postgres' own 22P02 error. A function whose only parameter is an unnamed json or
// jsonb gets the whole body.
import { ApiError, singularityError } from "./errors.ts";
import { type FunctionInfo, quoteIdent, type SchemaCache } from "./schema_cache.ts";

/** The arguments of a call: a parsed object, the raw JSON text of the body (or null). */
export interface RpcArguments {
  /** Named arguments (GET query parameters are all strings). */
  values: Record<string, unknown> | unknown[] | null;
  /** The body exactly as received, passed as is to a single json/jsonb parameter. */
  raw: string;
}

export interface RpcResult {
  /** JSON text of the result, or null for void functions (204). */
  body: string | null;
}

/** Finds the overload that takes exactly these keys, or throws PostgREST's 404 PGRST202. */
export async function resolveFunction(
  cache: SchemaCache,
  schema: string,
  name: string,
  keys: string[] | null,
): Promise<FunctionInfo> {
  const pick = (candidates: FunctionInfo[]) => {
    const named = keys === null ? [] : candidates.filter((f) => acceptsKeys(f, keys));
    if (named.length > 0) return named;
    return candidates.filter(takesWholeBody);
  };
  let matches = pick(await cache.functions(name));
  if (matches.length === 0) matches = pick(await cache.functions(name, { reload: true }));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new ApiError(
      300,
      "PGRST203",
      `Could not choose the best candidate function between: ${
        matches.map((f) =>
          `${schema}.${name}(${f.params.map((p) => `${p.name} => ${p.type}`).join(", ")})`
        )
          .join(", ")
      }`,
      {
        hint:
          "Try renaming the parameters or the function itself in the database so function overloading can be resolved",
      },
    );
  }
  throw await noFunction(cache, schema, name, keys ?? []);
}

function acceptsKeys(f: FunctionInfo, keys: string[]): boolean {
  if (f.params.some((p) => p.name === "")) return false;
  const names = new Set(f.params.map((p) => p.name));
  return keys.every((k) => names.has(k)) &&
    f.params.every((p) => p.hasDefault || keys.includes(p.name));
}

function takesWholeBody(f: FunctionInfo): boolean {
  const only = f.params[0];
  return f.params.length === 1 && only !== undefined && only.name === "" &&
    (only.type === "json" || only.type === "jsonb");
}

async function noFunction(cache: SchemaCache, schema: string, name: string, keys: string[]) {
  const sorted = [...keys].sort();
  const list = sorted.join(", ");
  const signature = sorted.length === 0 ? " without parameters" : `(${list})`;
  const searched = sorted.length === 0
    ? " without parameters"
    : ` with parameter${sorted.length > 1 ? "s" : ""} ${list}`;
  const overloads = await cache.functions(name);
  let hint: string | null = null;
  if (overloads.length > 0) {
    const first = overloads[0]!;
    hint = `Perhaps you meant to call the function ${schema}.${name}(${
      first.params.map((p) => p.name).sort().join(", ")
    })`;
  } else {
    const similar = (await cache.functionNames()).find((n) => similarity(n, name) >= 0.75);
    if (similar) hint = `Perhaps you meant to call the function ${schema}.${similar}`;
  }
  return new ApiError(
    404,
    "PGRST202",
    `Could not find the function ${schema}.${name}${signature} in the schema cache`,
    {
      details:
        `Searched for the function ${schema}.${name}${searched} or with a single unnamed json/jsonb parameter, but no matches were found in the schema cache.`,
      hint,
    },
  );
}

/** Trigram-free similarity in [0, 1] from the edit distance; enough for a hint. */
function similarity(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  let previous = Array.from({ length: cols }, (_, j) => j);
  for (let i = 1; i < rows; i++) {
    const current = [i];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return 1 - previous[cols - 1]! / Math.max(a.length, b.length, 1);
}

/** The SQL that calls a function with the request's arguments, and how to read its one row. */
export interface FunctionStatement {
  text: string;
  params: string[];
  returns: FunctionInfo["returns"];
}

/**
 * The statement calling `f` (PostgREST's shape: arguments converted by json_to_record, the
 * result aggregated to JSON text in Postgres). Its text depends only on the function and
 * the argument names, so it is prepared once per connection.
 */
export function functionStatement(f: FunctionInfo, args: RpcArguments): FunctionStatement {
  const target = `${quoteIdent(f.schema)}.${quoteIdent(f.name)}`;
  let from: string;
  let params: string[];
  if (takesWholeBody(f)) {
    from = `${target}($1::text::${f.params[0]!.type}) pgrst_row`;
    params = [args.raw];
  } else {
    const keys = Object.keys(args.values ?? {});
    const used = f.params.filter((p) => keys.includes(p.name));
    if (used.length === 0) {
      from = `${target}() pgrst_row`;
      params = [];
    } else {
      const columns = used.map((p) => `${quoteIdent(p.name)} ${p.type}`).join(", ");
      const named = used.map((p) => `${quoteIdent(p.name)} := pgrst_args.${quoteIdent(p.name)}`)
        .join(", ");
      from =
        `json_to_record($1::text::json) as pgrst_args(${columns}), lateral ${target}(${named}) pgrst_row`;
      params = [JSON.stringify(args.values)];
    }
  }
  switch (f.returns) {
    case "void":
      return { text: `select 1 from ${from}`, params, returns: f.returns };
    case "scalar":
    case "composite":
      return {
        text: `select to_json(pgrst_row)::text as body from ${from}`,
        params,
        returns: f.returns,
      };
    case "set":
      return {
        text: `select coalesce(json_agg(pgrst_row), '[]')::text as body, count(*)::int as n,
                (json_agg(pgrst_row) -> 0)::text as first
         from ${from}`,
        params,
        returns: f.returns,
      };
  }
}

/**
 * The response body from the statement's rows. With `single`, a set result must have
 * exactly one row (else 406 PGRST116) and is returned as that object.
 */
export function functionResult(
  statement: FunctionStatement,
  rows: readonly Record<string, unknown>[],
  options: { single?: boolean } = {},
): RpcResult {
  if (statement.returns === "void") return { body: null };
  const row = rows[0] as { body: string | null; n?: number; first?: string | null } | undefined;
  if (statement.returns !== "set") return { body: row?.body ?? "null" };
  if (!row) return { body: "[]" };
  if (options.single) {
    if (row.n !== 1) throw singularityError(row.n ?? 0);
    return { body: row.first ?? null };
  }
  return { body: row.body ?? "[]" };
}
