// SQLSTATE → HTTP status, as PostgREST maps them (docs/references/errors, "HTTP Status Codes").
// Our own SQL raises PTnnn to choose a status explicitly (PT404 → 404, PT409 → 409 …).

export interface SqlStateContext {
  /** The request carried a valid JWT: 42501 is then 403 (forbidden) instead of 401. */
  authenticated: boolean;
  /** The error message; two codes depend on it, as in PostgREST. */
  message?: string;
}

export function statusForSqlState(code: string, context: SqlStateContext): number {
  const message = context.message ?? "";
  switch (code) {
    case "23503": // foreign_key_violation
    case "23505": // unique_violation
      return 409;
    case "25006": // read_only_sql_transaction
      return 405;
    case "21000": // cardinality_violation; pg-safeupdate's refusal is the client's fault
      return message.endsWith("requires a WHERE clause") ? 400 : 500;
    case "22023": // invalid_parameter_value; a JWT naming a role that does not exist
      return /^role .* does not exist$/.test(message) ? 401 : 400;
    case "53400": // configuration_limit_exceeded
      return 500;
    case "57P01": // admin_shutdown
      return 503;
    case "P0001": // raise exception without a code
      return 400;
    case "42883": // undefined_function
    case "42P01": // undefined_table
      return 404;
    case "42P17": // infinite_recursion (e.g. in an RLS policy)
      return 500;
    case "42501": // insufficient_privilege
      return context.authenticated ? 403 : 401;
  }
  if (/^PT\d{3}$/.test(code)) {
    const status = Number(code.slice(2));
    return status >= 100 && status <= 599 ? status : 500;
  }
  const byClass: Record<string, number> = {
    "08": 503, // connection exception
    "09": 500, // triggered action exception
    "0L": 403, // invalid grantor
    "0P": 403, // invalid role specification
    "25": 500, // invalid transaction state
    "28": 403, // invalid authorization specification
    "2D": 500, // invalid transaction termination
    "38": 500, // external routine exception
    "39": 500, // external routine invocation exception
    "3B": 500, // savepoint exception
    "40": 500, // transaction rollback (serialization failures are retried before this)
    "53": 503, // insufficient resources
    "54": 500, // program limit exceeded
    "55": 500, // object not in prerequisite state
    "57": 500, // operator intervention
    "58": 500, // system error
    "F0": 500, // configuration file error
    "HV": 500, // foreign data wrapper error
    "P0": 500, // PL/pgSQL error other than P0001
    "XX": 500, // internal error
  };
  return byClass[code.slice(0, 2)] ?? 400;
}
