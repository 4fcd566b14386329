import type { LayoutProps, RouteConfig } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { Csrf } from "../../components/admin/ui.tsx";

export const config: RouteConfig = { skipInheritedLayouts: true };

const NAV: { href: string; label: string; permission: string }[] = [
  { href: "/admin/events", label: "Events", permission: "view_events" },
  { href: "/admin/orders", label: "Orders", permission: "view_orders" },
  { href: "/admin/venues", label: "Venues", permission: "view_events" },
  { href: "/admin/team", label: "Team", permission: "view_events" },
  { href: "/admin/finance", label: "Finance", permission: "view_finance" },
  { href: "/admin/audit", label: "Audit", permission: "view_audit" },
  { href: "/admin/outbox", label: "Failed messages", permission: "manage_integrations" },
];

/** The admin frame: top bar with org switcher and sign-out, a nav that wraps on small screens. */
export default function AdminLayout({ Component, state, url }: LayoutProps<unknown, AdminState>) {
  const staff = state.staff;
  if (!staff) {
    return (
      <div class="min-h-screen bg-slate-100">
        <header class="bg-slate-900 text-white">
          <div class="mx-auto max-w-6xl px-4 py-3 text-xl font-extrabold tracking-tight">
            mutambo<span class="text-amber-400">.</span>{" "}
            <span class="text-sm font-medium text-slate-300">admin</span>
          </div>
        </header>
        <main class="mx-auto max-w-md px-4 py-10">
          <Component />
        </main>
      </div>
    );
  }
  const links = NAV.filter((item) => staff.permissions[item.permission]);
  return (
    <div class="min-h-screen bg-slate-100">
      <header class="bg-slate-900 text-white">
        <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2">
          <a href="/admin" class="text-xl font-extrabold tracking-tight">
            mutambo<span class="text-amber-400">.</span>{" "}
            <span class="text-sm font-medium text-slate-300">admin</span>
          </a>
          {staff.orgs.length > 1
            ? (
              <form method="post" action="/admin/switch-org" class="flex items-center gap-1">
                <Csrf token={staff.csrf} />
                <label for="org-switch" class="sr-only">Organisation</label>
                <select
                  id="org-switch"
                  name="org_id"
                  class="max-w-[14rem] rounded bg-slate-800 border border-slate-600 px-2 py-1 text-sm"
                >
                  {staff.orgs.map((o) => (
                    <option value={o.org_id} selected={o.org_id === staff.orgId}>
                      {o.org_name}
                    </option>
                  ))}
                </select>
                <button
                  type="submit"
                  class="rounded bg-slate-700 px-2 py-1 text-xs font-semibold hover:bg-slate-600"
                >
                  Switch
                </button>
              </form>
            )
            : <span class="text-sm text-slate-300">{staff.orgName}</span>}
          <div class="ml-auto flex items-center gap-3 text-sm">
            <span class="hidden sm:inline text-slate-300">
              {staff.name} · <span data-testid="role">{staff.role.replace(/_/g, " ")}</span>
            </span>
            <form method="post" action="/admin/logout">
              <Csrf token={staff.csrf} />
              <button
                type="submit"
                class="rounded border border-slate-600 px-2 py-1 text-xs font-semibold hover:bg-slate-800"
              >
                Sign out
              </button>
            </form>
          </div>
        </div>
        <nav aria-label="Admin" class="border-t border-slate-800">
          <ul class="mx-auto flex max-w-6xl gap-1 overflow-x-auto px-2">
            {links.map((item) => {
              const active = url.pathname.startsWith(item.href);
              return (
                <li>
                  <a
                    href={item.href}
                    aria-current={active ? "page" : undefined}
                    class={`block whitespace-nowrap px-3 py-2 text-sm font-medium border-b-2 ${
                      active
                        ? "border-amber-400 text-white"
                        : "border-transparent text-slate-300 hover:text-white"
                    }`}
                  >
                    {item.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main class="mx-auto max-w-6xl px-4 py-6">
        <Component />
      </main>
    </div>
  );
}
