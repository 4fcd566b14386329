// Read-only `GET /rest/<view>`: select, horizontal filters, order, limit/offset and Range,
// in PostgREST's query syntax. Every column name is checked against the catalog before it is
// quoted into SQL; every value travels as a parameter.
import { ApiError, queryParamError, rangeError, singularityError } from "./errors.ts";
import type { Tx } from "./context.ts";
import { quoteIdent, type RelationInfo } from "./schema_cache.ts";

export interface SelectItem {
  column: string;
  alias: string;
}

export interface Filter {
  column: string;
  negate: boolean;
  operator: "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "like" | "ilike" | "in" | "is";
  /** One value, or several for `in`. */
  values: string[];
  raw: string;
}

export interface OrderTerm {
  column: string;
  direction: "asc" | "desc" | null;
  nulls: "first" | "last" | null;
}

export interface ReadPlan {
  select: SelectItem[] | "*";
  filters: Filter[];
  order: OrderTerm[];
  offset: number;
  limit: number | null;
}

const reserved = new Set(["select", "order", "limit", "offset", "columns", "on_conflict"]);
const operators = new Set(["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "in", "is"]);
const sqlOperator: Record<string, string> = {
  eq: "=",
  neq: "<>",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<=",
  like: "like",
  ilike: "ilike",
};
const identifier = /^[^\s,.:()"'\\]+$/u;

/** Parses the query string and the Range header into a plan (throws 400/416 ApiErrors). */
export function parseReadPlan(params: URLSearchParams, rangeHeader: string | null): ReadPlan {
  const plan: ReadPlan = { select: "*", filters: [], order: [], offset: 0, limit: null };
  for (const [key, value] of params) {
    if (key === "select") plan.select = parseSelect(value);
    else if (key === "order") plan.order = parseOrder(value);
    else if (key === "limit") plan.limit = parseCount("limit", value);
    else if (key === "offset") plan.offset = parseCount("offset", value);
    else if (reserved.has(key)) continue;
    else if (key === "or" || key === "and" || key.startsWith("not.")) {
      throw queryParamError(
        `"${key}" filters are not supported by this endpoint`,
        "Use one query parameter per column filter; they are combined with AND",
      );
    } else plan.filters.push(parseFilter(key, value));
  }
  if (rangeHeader !== null) {
    const match = /^(?:items=)?\s*(\d+)-(\d*)\s*$/.exec(rangeHeader);
    if (match) {
      const lower = safeNumber("Range", match[1]!);
      const upper = match[2] === "" ? null : safeNumber("Range", match[2]!);
      if (upper !== null && upper < lower) {
        throw rangeError(
          "The lower boundary must be lower than or equal to the upper boundary in the Range header.",
        );
      }
      // The header's range, narrowed by limit/offset from the query string.
      const headerLimit = upper === null ? null : upper - lower + 1;
      const offset = lower + plan.offset;
      const queryEnd = plan.limit === null ? null : plan.offset + plan.limit;
      const ends = [
        headerLimit === null ? null : lower + headerLimit,
        queryEnd === null ? null : lower + queryEnd,
      ]
        .filter((e): e is number => e !== null);
      plan.offset = offset;
      plan.limit = ends.length === 0 ? null : Math.max(0, Math.min(...ends) - offset);
    }
    // Other Range forms are ignored, as PostgREST ignores ranges it cannot parse.
  }
  return plan;
}

function safeNumber(name: string, digits: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) {
    throw queryParamError(`"${name}" is too large: "${digits}"`, `Invalid ${name}`);
  }
  return n;
}

function parseCount(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    if (/^-\d+$/.test(value.trim()) && name === "limit") {
      throw rangeError("Limit should be greater than or equal to zero.");
    }
    throw queryParamError(
      `"${name}" must be a whole number but found "${value}"`,
      `Invalid ${name}`,
    );
  }
  return safeNumber(name, value.trim());
}

function parseSelect(value: string): SelectItem[] | "*" {
  const items: SelectItem[] = [];
  for (const piece of value.split(",")) {
    const text = piece.trim();
    if (text === "*") return "*";
    const colon = text.indexOf(":");
    const alias = colon >= 0 ? text.slice(0, colon).trim() : text;
    const column = colon >= 0 ? text.slice(colon + 1).trim() : text;
    if (!identifier.test(column) || !identifier.test(alias)) {
      throw queryParamError(
        `"select" cannot read "${text}"`,
        "List plain column names, optionally renamed as alias:column; casts and embedding are not supported",
      );
    }
    items.push({ column, alias });
  }
  return items.length === 0 ? "*" : items;
}

function parseOrder(value: string): OrderTerm[] {
  return value.split(",").map((raw) => {
    const parts = raw.trim().split(".");
    const column = parts.shift() ?? "";
    const term: OrderTerm = { column, direction: null, nulls: null };
    for (const modifier of parts) {
      if (modifier === "asc" || modifier === "desc") term.direction = modifier;
      else if (modifier === "nullsfirst") term.nulls = "first";
      else if (modifier === "nullslast") term.nulls = "last";
      else {
        throw queryParamError(
          `"order" cannot use "${raw}"`,
          `Expected column[.asc|.desc][.nullsfirst|.nullslast] but found "${modifier}"`,
        );
      }
    }
    if (!identifier.test(column)) {
      throw queryParamError(`"order" cannot use "${raw}"`, "Expected a column name");
    }
    return term;
  });
}

function parseFilter(column: string, raw: string): Filter {
  const fail = (details: string) => queryParamError(`Failed to parse filter (${raw})`, details);
  if (!identifier.test(column)) {
    throw queryParamError(`Failed to parse filter on "${column}"`, "Expected a column name");
  }
  let rest = raw;
  let negate = false;
  if (rest.startsWith("not.")) {
    negate = true;
    rest = rest.slice(4);
  }
  const dot = rest.indexOf(".");
  const op = dot >= 0 ? rest.slice(0, dot) : rest;
  if (dot < 0 || !operators.has(op)) {
    throw fail(
      `Expected an operator (eq, neq, gt, gte, lt, lte, like, ilike, in, is), optionally after "not.", but found "${op}"`,
    );
  }
  const operand = rest.slice(dot + 1);
  const operator = op as Filter["operator"];
  if (operator === "is") {
    const v = operand.toLowerCase();
    if (!["null", "true", "false", "unknown"].includes(v)) {
      throw fail(`"is" takes null, true, false or unknown but found "${operand}"`);
    }
    return { column, negate, operator, values: [v], raw };
  }
  if (operator === "in") return { column, negate, operator, values: parseList(operand, fail), raw };
  const value = operator === "like" || operator === "ilike"
    ? operand.replaceAll("*", "%")
    : operand;
  return { column, negate, operator, values: [value], raw };
}

/** `(a,"b,c",d)` → ["a", "b,c", "d"]; double quotes protect commas, backslash escapes. */
function parseList(operand: string, fail: (details: string) => ApiError): string[] {
  if (!operand.startsWith("(") || !operand.endsWith(")")) {
    throw fail(`"in" takes a list in parentheses, like in.(1,2,3), but found "${operand}"`);
  }
  const inner = operand.slice(1, -1);
  const values: string[] = [];
  if (inner.trim() === "") return values;
  let current = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (quoted) {
      if (ch === "\\" && i + 1 < inner.length) current += inner[++i];
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (ch === ",") {
      values.push(wasQuoted ? current : current.trim());
      current = "";
      wasQuoted = false;
    } else current += ch;
  }
  if (quoted) throw fail("Unclosed double quote in the list");
  values.push(wasQuoted ? current : current.trim());
  return values;
}

/** Every column the plan names, to check against the catalog. */
export function columnsOf(plan: ReadPlan): string[] {
  const names = new Set<string>();
  if (plan.select !== "*") { for (const s of plan.select) names.add(s.column); }
  for (const f of plan.filters) names.add(f.column);
  for (const o of plan.order) names.add(o.column);
  return [...names];
}

/** Fails with Postgres' 42703 (400) for a column the relation does not have. */
export function checkColumns(plan: ReadPlan, relation: RelationInfo): void {
  for (const column of columnsOf(plan)) {
    if (!relation.columns.has(column)) {
      throw new ApiError(400, "42703", `column ${relation.name}.${column} does not exist`);
    }
  }
}

export interface ReadResult {
  body: string;
  /** Rows in this page. */
  count: number;
  /** All rows matching the filters, when counted (Prefer: count=exact). */
  total: number | null;
}

/** Runs the plan inside the request transaction. */
export async function runRead(
  tx: Tx,
  relation: RelationInfo,
  plan: ReadPlan,
  options: { countExact: boolean; single: boolean },
): Promise<ReadResult> {
  const params: string[] = [];
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  const target = `${quoteIdent(relation.schema)}.${quoteIdent(relation.name)}`;
  const where = plan.filters.map((f) =>
    filterSql(f, relation.columns.get(f.column) ?? "text", param)
  );
  const whereSql = where.length ? ` where ${where.join(" and ")}` : "";
  const columns = plan.select === "*"
    ? "*"
    : plan.select.map((s) => `${quoteIdent(s.column)} as ${quoteIdent(s.alias)}`).join(", ");
  const orderSql = plan.order.length
    ? ` order by ${
      plan.order.map((o) =>
        `${quoteIdent(o.column)}${o.direction ? ` ${o.direction}` : ""}${
          o.nulls ? ` nulls ${o.nulls}` : ""
        }`
      ).join(", ")
    }`
    : "";
  const limitSql = plan.limit === null ? "" : ` limit ${plan.limit}`;
  const offsetSql = plan.offset ? ` offset ${plan.offset}` : "";
  const totalSql = options.countExact
    ? `(select count(*) from ${target}${whereSql})::bigint::text`
    : "null";
  const [row] = await tx.unsafe<
    { body: string; n: number; first: string | null; total: string | null }[]
  >(
    `select coalesce(json_agg(pgrst_row), '[]')::text as body, count(*)::int as n,
            (json_agg(pgrst_row) -> 0)::text as first, ${totalSql} as total
     from (select ${columns} from ${target}${whereSql}${orderSql}${limitSql}${offsetSql}) pgrst_row`,
    params,
    // the text varies with every filter, limit and offset: not worth a prepared statement
    { prepare: false },
  );
  const count = row?.n ?? 0;
  const total = row?.total == null ? null : Number(row.total);
  if (options.single) {
    if (count !== 1) throw singularityError(count);
    return { body: row?.first ?? "null", count, total };
  }
  if (total !== null && plan.offset > total) {
    throw rangeError(
      `An offset of ${plan.offset} was requested, but there are only ${total} rows.`,
      total,
    );
  }
  return { body: row?.body ?? "[]", count, total };
}

/**
 * One filter as SQL. Values are text parameters cast to the column's catalog type, so
 * Postgres parses them (a bad value is its own 22P02) and the driver never reinterprets them.
 */
function filterSql(f: Filter, type: string, param: (value: string) => string): string {
  const column = quoteIdent(f.column);
  const value = (v: string) => `${param(v)}::text::${type}`;
  let sql: string;
  if (f.operator === "is") {
    sql = `${column} is ${f.values[0]}`;
  } else if (f.operator === "in") {
    sql = f.values.length === 0 ? "false" : `${column} in (${f.values.map(value).join(", ")})`;
  } else if (f.operator === "like" || f.operator === "ilike") {
    sql = `${column}::text ${sqlOperator[f.operator]} ${param(f.values[0]!)}::text`;
  } else {
    sql = `${column} ${sqlOperator[f.operator]} ${value(f.values[0]!)}`;
  }
  return f.negate ? `not (${sql})` : sql;
}
