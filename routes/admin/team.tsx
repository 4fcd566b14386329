// The team: members and roles (api.team); the owner invites, re-roles and removes (the SQL
// refuses everyone else, and keeps at least one owner).
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import {
  btnDanger,
  btnPrimary,
  btnSecondary,
  card,
  Csrf,
  Field,
  Flash,
  input,
  PageTitle,
  td,
  text,
  th,
  withFlash,
} from "../../components/admin/ui.tsx";
import { act, type AdminContext, call } from "./(_lib)/call.ts";

const ROLES = [
  "org_owner",
  "event_manager",
  "promoter",
  "box_office_agent",
  "door_staff",
  "finance",
  "read_only",
];

interface Member {
  user_id: string;
  email: string;
  display_name: string;
  role: string;
  has_password: boolean;
}

export const handler = {
  async GET(ctx: AdminContext<Member[]>) {
    return page(await call<Member[]>(ctx, "team"));
  },
  async POST(ctx: AdminContext<Member[]>) {
    const form = await ctx.req.formData();
    const back = "/admin/team";
    switch (text(form, "action")) {
      case "invite":
        return act(
          ctx,
          back,
          `Invitation sent to ${text(form, "email")}`,
          () =>
            call(ctx, "invite_member", {
              email: text(form, "email"),
              display_name: text(form, "display_name"),
              role: text(form, "role"),
            }),
        );
      case "role":
        return act(
          ctx,
          back,
          "Role changed",
          () =>
            call(ctx, "set_member_role", {
              user_id: text(form, "user_id"),
              role: text(form, "role"),
            }),
        );
      case "remove":
        if (text(form, "confirmed") !== "yes") {
          return ctx.redirect(
            `${back}?confirm_remove=${encodeURIComponent(text(form, "user_id"))}`,
          );
        }
        return act(
          ctx,
          back,
          "Member removed",
          () => call(ctx, "remove_member", { user_id: text(form, "user_id") }),
        );
      default:
        return ctx.redirect(withFlash(back, "error", "Unknown action"));
    }
  },
};

export default function Team({ data, state, url }: PageProps<Member[], AdminState>) {
  const manage = state.staff.permissions.manage_team;
  const csrf = state.staff.csrf;
  const removing = data.find((m) => m.user_id === url.searchParams.get("confirm_remove"));
  return (
    <>
      <Head>
        <title>Team · Mutambo admin</title>
      </Head>
      <PageTitle title="Team" />
      <Flash url={url} />
      {removing && manage && (
        <form method="post" class={`${card} mb-4 border-amber-400 bg-amber-50`}>
          <Csrf token={csrf} />
          <input type="hidden" name="action" value="remove" />
          <input type="hidden" name="user_id" value={removing.user_id} />
          <input type="hidden" name="confirmed" value="yes" />
          <p class="mb-3 font-medium">
            Remove {removing.display_name}{" "}
            ({removing.email}) from the team? They are signed out at once.
          </p>
          <div class="flex gap-2">
            <button type="submit" class={btnDanger}>Yes, remove</button>
            <a href="/admin/team" class={btnSecondary}>No, go back</a>
          </div>
        </form>
      )}
      <div class={`${card} mb-4 overflow-x-auto p-0`}>
        <table class="w-full min-w-[560px]">
          <thead class="border-b border-slate-200 bg-slate-50">
            <tr>
              <th class={th}>Name</th>
              <th class={th}>Role</th>
              <th class={th}></th>
            </tr>
          </thead>
          <tbody>
            {data.map((m) => (
              <tr class="border-b border-slate-100">
                <td class={td}>
                  {m.display_name}
                  <div class="text-xs text-slate-500">
                    {m.email}
                    {!m.has_password && " · invitation not accepted yet"}
                  </div>
                </td>
                <td class={td}>
                  {manage
                    ? (
                      <form method="post" class="flex gap-1">
                        <Csrf token={csrf} />
                        <input type="hidden" name="action" value="role" />
                        <input type="hidden" name="user_id" value={m.user_id} />
                        <label class="sr-only" for={`role-${m.user_id}`}>
                          Role of {m.display_name}
                        </label>
                        <select id={`role-${m.user_id}`} name="role" class={`${input} py-1`}>
                          {ROLES.map((r) => (
                            <option value={r} selected={r === m.role}>
                              {r.replace(/_/g, " ")}
                            </option>
                          ))}
                        </select>
                        <button type="submit" class="text-xs text-sky-700 underline">Save</button>
                      </form>
                    )
                    : m.role.replace(/_/g, " ")}
                </td>
                <td class={td}>
                  {manage && m.user_id !== state.staff.userId && (
                    <form method="post">
                      <Csrf token={csrf} />
                      <input type="hidden" name="action" value="remove" />
                      <input type="hidden" name="user_id" value={m.user_id} />
                      <button type="submit" class="text-xs text-red-700 underline">Remove…</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {manage && (
        <form method="post" class={`${card} grid gap-3 sm:grid-cols-4 sm:items-end`}>
          <Csrf token={csrf} />
          <input type="hidden" name="action" value="invite" />
          <Field label="Email" name="i-e">
            <input id="i-e" name="email" type="email" required class={input} />
          </Field>
          <Field label="Name" name="i-n">
            <input id="i-n" name="display_name" required class={input} />
          </Field>
          <Field label="Role" name="i-r">
            <select id="i-r" name="role" class={input}>
              {ROLES.map((r) => (
                <option value={r} selected={r === "event_manager"}>{r.replace(/_/g, " ")}</option>
              ))}
            </select>
          </Field>
          <button type="submit" class={btnPrimary}>Invite</button>
        </form>
      )}
    </>
  );
}
