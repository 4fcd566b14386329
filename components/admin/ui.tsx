// Small server-only building blocks of the admin pages: headings, notices, form fields,
// buttons and tables with one look. No interactivity here (no JS shipped).
import type { ComponentChildren } from "preact";
import { ApiError } from "../../lib/rest/mod.ts";

export const btn =
  "inline-flex items-center justify-center gap-1 rounded-md px-3 py-2 text-sm font-semibold focus:outline-none focus:ring-2 focus:ring-amber-400 disabled:opacity-50";
export const btnPrimary = `${btn} bg-slate-900 text-white hover:bg-slate-700`;
export const btnSecondary =
  `${btn} bg-white text-slate-900 border border-slate-300 hover:bg-slate-100`;
export const btnDanger = `${btn} bg-red-700 text-white hover:bg-red-600`;
export const input =
  "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm focus:outline-none focus:border-amber-500 focus:ring-1 focus:ring-amber-500";
export const card = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm";
export const th =
  "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
export const td = "px-3 py-2 text-sm align-top";

export function PageTitle(
  { title, children }: { title: string; children?: ComponentChildren },
) {
  return (
    <div class="mb-4 flex flex-wrap items-center justify-between gap-3">
      <h1 class="text-2xl font-bold tracking-tight">{title}</h1>
      {children && <div class="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}

export function Notice(
  { kind = "info", children }: { kind?: "info" | "error" | "success"; children: ComponentChildren },
) {
  const tone = kind === "error"
    ? "border-red-300 bg-red-50 text-red-800"
    : kind === "success"
    ? "border-emerald-300 bg-emerald-50 text-emerald-800"
    : "border-sky-300 bg-sky-50 text-sky-800";
  return (
    <p
      role={kind === "error" ? "alert" : "status"}
      class={`mb-4 rounded-md border px-3 py-2 text-sm ${tone}`}
    >
      {children}
    </p>
  );
}

export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function Field(
  { label, name, children, hint }: {
    label: string;
    name: string;
    hint?: string;
    children: ComponentChildren;
  },
) {
  return (
    <div class="flex flex-col gap-1">
      <label for={name} class="text-sm font-medium text-slate-700">{label}</label>
      {children}
      {hint && <p class="text-xs text-slate-500">{hint}</p>}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const tone: Record<string, string> = {
    draft: "bg-slate-200 text-slate-800",
    published: "bg-emerald-100 text-emerald-800",
    on_sale: "bg-emerald-100 text-emerald-800",
    sold_out: "bg-amber-100 text-amber-800",
    ended: "bg-slate-100 text-slate-600",
    cancelled: "bg-red-100 text-red-800",
    paid: "bg-emerald-100 text-emerald-800",
    pending_payment: "bg-amber-100 text-amber-800",
    expired: "bg-slate-100 text-slate-600",
    refund_pending: "bg-orange-100 text-orange-800",
    refunded: "bg-slate-200 text-slate-700",
    valid: "bg-emerald-100 text-emerald-800",
  };
  return (
    <span
      class={`inline-block whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ${
        tone[status] ?? "bg-slate-100 text-slate-700"
      }`}
    >
      {status.replace(/_/g, " ")}
    </span>
  );
}

/** The message of an API error for the page, or rethrows anything unexpected. */
export function apiMessage(error: unknown): { status: number; message: string } {
  if (error instanceof ApiError) return { status: error.status, message: error.message };
  throw error;
}

/** Reads a form field as trimmed text ("" when absent). */
export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}

/** The redirect target with a flash message in the query (?ok=… or ?error=…). */
export function withFlash(path: string, kind: "ok" | "error", message: string): string {
  const url = new URL(path, "http://x");
  url.searchParams.set(kind, message);
  return url.pathname + url.search;
}

export function Flash({ url }: { url: URL }) {
  const ok = url.searchParams.get("ok");
  const error = url.searchParams.get("error");
  return (
    <>
      {ok && <Notice kind="success">{ok}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
    </>
  );
}
