// What the endpoint knows about the exposed schema: its functions (parameters, return
// shape, volatility) and its relations (columns). Read from the catalog once per process and
// read again when a request names something the cache does not know (a new function or
// column appears without a restart, like PostgREST after `NOTIFY pgrst`).
import type { Sql } from "../db.ts";

export type Volatility = "volatile" | "stable" | "immutable";

/** How a function's result is turned into JSON. */
export type ReturnShape = "void" | "scalar" | "composite" | "set";

export interface FunctionParam {
  /** Empty for an unnamed parameter. */
  name: string;
  /** The type as SQL text from the catalog (format_type), e.g. `integer`, `api.seat_status`. */
  type: string;
  hasDefault: boolean;
}

export interface FunctionInfo {
  schema: string;
  name: string;
  params: FunctionParam[];
  volatility: Volatility;
  returns: ReturnShape;
}

export interface RelationInfo {
  schema: string;
  name: string;
  /** Column name → its type as SQL text (format_type), for casting filter values. */
  columns: Map<string, string>;
}

interface Snapshot {
  functions: Map<string, FunctionInfo[]>;
  relations: Map<string, RelationInfo>;
}

export class SchemaCache {
  #sql: Sql;
  #schema: string;
  #snapshot: Snapshot | undefined;
  #loading: Promise<Snapshot> | undefined;

  constructor(sql: Sql, schema: string) {
    this.#sql = sql;
    this.#schema = schema;
  }

  /** The functions named `name` (overloads), reloading the catalog once if none is known. */
  async functions(name: string, options: { reload?: boolean } = {}): Promise<FunctionInfo[]> {
    let snapshot = await this.#current();
    let found = snapshot.functions.get(name);
    if (!found || options.reload) {
      snapshot = await this.reload();
      found = snapshot.functions.get(name);
    }
    return found ?? [];
  }

  /** The function names of the schema (for "did you mean" hints). */
  async functionNames(): Promise<string[]> {
    return [...(await this.#current()).functions.keys()];
  }

  /** The relation `name`, reloading once when it or one of `columns` is unknown. */
  async relation(name: string, columns: Iterable<string> = []): Promise<RelationInfo | undefined> {
    const wanted = [...columns];
    const fits = (r: RelationInfo | undefined) => r && wanted.every((c) => r.columns.has(c));
    let relation = (await this.#current()).relations.get(name);
    if (!fits(relation)) relation = (await this.reload()).relations.get(name);
    return relation;
  }

  /** Reads the catalog again (concurrent callers share one read). */
  reload(): Promise<Snapshot> {
    this.#loading ??= this.#load().then(
      (snapshot) => {
        this.#snapshot = snapshot;
        this.#loading = undefined;
        return snapshot;
      },
      (error) => {
        this.#loading = undefined;
        throw error;
      },
    );
    return this.#loading;
  }

  async #current(): Promise<Snapshot> {
    return this.#snapshot ?? await this.reload();
  }

  async #load(): Promise<Snapshot> {
    const [functionRows, relationRows] = await Promise.all([
      this.#sql<FunctionRow[]>`
        select p.proname as name,
          p.provolatile as volatility,
          p.proretset as returns_set,
          (rt.oid = 'pg_catalog.void'::regtype) as returns_void,
          (rt.typrelid <> 0 or rt.oid = 'pg_catalog.record'::regtype) as returns_composite,
          p.pronargdefaults::int as n_defaults,
          coalesce((
            select json_agg(json_build_object('name', coalesce(a.name, ''),
                                              'type', format_type(a.type, null))
                            order by a.ord)
            from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargmodes,
                        p.proargnames) with ordinality as a(type, mode, name, ord)
            where coalesce(a.mode, 'i') in ('i', 'b', 'v')
          ), '[]')::text as params
        from pg_catalog.pg_proc p
        join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        join pg_catalog.pg_type rt on rt.oid = p.prorettype
        where n.nspname = ${this.#schema} and p.prokind = 'f'`,
      this.#sql<RelationRow[]>`
        select c.relname as name,
          coalesce(json_object_agg(a.attname, format_type(a.atttypid, null))
                   filter (where a.attnum is not null), '{}')::text as columns
        from pg_catalog.pg_class c
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        left join pg_catalog.pg_attribute a
          on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = ${this.#schema} and c.relkind in ('r', 'v', 'm', 'f', 'p')
        group by c.relname`,
    ]);
    const functions = new Map<string, FunctionInfo[]>();
    for (const row of functionRows) {
      const raw = JSON.parse(row.params) as { name: string; type: string }[];
      const firstDefault = raw.length - row.n_defaults;
      const info: FunctionInfo = {
        schema: this.#schema,
        name: row.name,
        params: raw.map((p, i) => ({ name: p.name, type: p.type, hasDefault: i >= firstDefault })),
        volatility: row.volatility === "v"
          ? "volatile"
          : row.volatility === "s"
          ? "stable"
          : "immutable",
        returns: row.returns_set
          ? "set"
          : row.returns_void
          ? "void"
          : row.returns_composite
          ? "composite"
          : "scalar",
      };
      functions.set(row.name, [...(functions.get(row.name) ?? []), info]);
    }
    const relations = new Map<string, RelationInfo>();
    for (const row of relationRows) {
      relations.set(row.name, {
        schema: this.#schema,
        name: row.name,
        columns: new Map(Object.entries(JSON.parse(row.columns) as Record<string, string>)),
      });
    }
    return { functions, relations };
  }
}

interface FunctionRow {
  name: string;
  volatility: string;
  returns_set: boolean;
  returns_void: boolean;
  returns_composite: boolean;
  n_defaults: number;
  params: string;
}

interface RelationRow {
  name: string;
  /** JSON object of column name → type. */
  columns: string;
}

/** A double-quoted SQL identifier. Only ever applied to names checked against the catalog. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
