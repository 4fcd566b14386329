// A new draft event from a published venue layout (api.create_event copies the layout's inventory).
import { Head, page, type PageProps } from "../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../lib/admin_session.ts";
import {
  btnPrimary,
  card,
  Csrf,
  Field,
  Flash,
  input,
  PageTitle,
  text,
  withFlash,
} from "../../../components/admin/ui.tsx";
import { ApiError } from "../../../lib/rest/mod.ts";
import { type AdminContext, call, localTime, opt } from "../(_lib)/call.ts";

interface Venue {
  id: string;
  name: string;
  city: string;
  layouts: {
    layout_id: string;
    name: string;
    versions: { id: string; version: number; status: string }[];
  }[];
}

const CATEGORIES = [
  "football",
  "rugby",
  "cricket",
  "athletics",
  "music",
  "festival",
  "conference",
  "theatre",
  "comedy",
  "sport",
  "other",
];

export const handler = {
  async GET(ctx: AdminContext<Venue[]>) {
    return page(await call<Venue[]>(ctx, "venues"));
  },
  async POST(ctx: AdminContext<Venue[]>) {
    const form = await ctx.req.formData();
    try {
      const id = await call<string>(ctx, "create_event", {
        layout_version_id: text(form, "layout_version_id") || null,
        name: text(form, "name"),
        starts_at: localTime(form, "starts_at") ?? null,
        ends_at: localTime(form, "ends_at") ?? null,
        category: opt(form, "category") ?? "other",
        currency: opt(form, "currency") ?? "USD",
        description: text(form, "description"),
      });
      return ctx.redirect(
        withFlash(
          `/admin/events/${id}`,
          "ok",
          "Event created as a draft. Add ticket types, then publish it.",
        ),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        return ctx.redirect(withFlash("/admin/events/new", "error", error.message));
      }
      throw error;
    }
  },
};

export default function NewEvent({ data, state, url }: PageProps<Venue[], AdminState>) {
  const options = data.flatMap((v) =>
    v.layouts.flatMap((l) =>
      l.versions.filter((x) => x.status === "published").map((x) => ({
        id: x.id,
        label: `${v.name} — ${l.name} (v${x.version})`,
      }))
    )
  );
  return (
    <>
      <Head>
        <title>New event · Mutambo admin</title>
      </Head>
      <PageTitle title="New event" />
      <Flash url={url} />
      <form method="post" class={`${card} grid gap-4 sm:grid-cols-2`}>
        <Csrf token={state.staff.csrf} />
        <div class="sm:col-span-2">
          <Field label="Name" name="name">
            <input id="name" name="name" required minLength={2} maxLength={160} class={input} />
          </Field>
        </div>
        <div class="sm:col-span-2">
          <Field
            label="Venue layout"
            name="layout_version_id"
            hint="Only published layouts can be used."
          >
            <select id="layout_version_id" name="layout_version_id" required class={input}>
              {options.map((o) => <option key={o.id} value={o.id}>{o.label}</option>)}
            </select>
          </Field>
        </div>
        <Field label="Starts (Harare time)" name="starts_at">
          <input id="starts_at" name="starts_at" type="datetime-local" required class={input} />
        </Field>
        <Field label="Ends (optional)" name="ends_at" hint="Default: 3 hours after the start.">
          <input id="ends_at" name="ends_at" type="datetime-local" class={input} />
        </Field>
        <Field label="Category" name="category">
          <select id="category" name="category" class={input}>
            {CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </Field>
        <Field label="Currency" name="currency">
          <select id="currency" name="currency" class={input}>
            {["USD", "ZWG", "ZAR", "BWP", "ZMW", "KES", "NGN", "GHS"].map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </Field>
        <div class="sm:col-span-2">
          <Field label="Description" name="description">
            <textarea id="description" name="description" rows={3} class={input} />
          </Field>
        </div>
        <div class="sm:col-span-2">
          <button type="submit" class={btnPrimary}>Create draft event</button>
        </div>
      </form>
    </>
  );
}
