// Calling the api as the signed-in staff member, and turning refusals into flash messages.
import type { RouteContext } from "../../../lib/fresh/mod.ts";
import { ApiError, rpc } from "../../../lib/rest/mod.ts";
import type { AdminState } from "../../../lib/admin_session.ts";
import { withFlash } from "../../../components/admin/ui.tsx";

export type AdminContext<D = unknown> = RouteContext<D, AdminState>;

export function call<T, D = unknown>(
  ctx: AdminContext<D>,
  fn: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  return rpc<T>(fn, args, { claims: ctx.state.staff.claims });
}

/** Runs an action; redirects back with ?ok=… on success or ?error=… with the API's message. */
export async function act<D>(
  ctx: AdminContext<D>,
  back: string,
  success: string,
  run: () => Promise<unknown>,
): Promise<Response> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      return ctx.redirect(withFlash(back, "error", error.message));
    }
    throw error;
  }
  return ctx.redirect(withFlash(back, "ok", success));
}

/** Form value as text, or undefined when empty (so the API's defaults apply). */
export function opt(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** A money field ("12.50") as minor units, or undefined. */
export function minor(form: FormData, name: string): number | undefined {
  const v = opt(form, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n * 100) : NaN;
}

/** A datetime-local field (Harare time, UTC+2) as ISO, or undefined. */
export function localTime(form: FormData, name: string): string | undefined {
  const v = opt(form, name);
  return v ? new Date(`${v}:00+02:00`).toISOString() : undefined;
}
