// Venues and their layouts: every version with its status and capacity; create a venue or a
// layout, copy a version into a new draft, publish a draft (the SQL rules decide and their
// messages come back as flash notices), and open a version in the layout designer.
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import {
  btnPrimary,
  btnSecondary,
  card,
  Csrf,
  Field,
  Flash,
  input,
  PageTitle,
  StatusBadge,
  text,
} from "../../components/admin/ui.tsx";
import { act, type AdminContext, call, opt } from "./(_lib)/call.ts";

interface Version {
  id: string;
  version: number;
  status: string;
  capacity?: number;
}
interface Venue {
  id: string;
  name: string;
  city: string;
  country: string;
  layouts: { layout_id: string; name: string; versions: Version[] | null }[];
}
interface Data {
  venues: Venue[];
}

export const handler = {
  async GET(ctx: AdminContext<Data>) {
    const venues = await call<Venue[]>(ctx, "venues");
    const versions = venues.flatMap((v) => v.layouts.flatMap((l) => l.versions ?? []));
    await Promise.all(versions.map(async (x) => {
      const sections = await call<{ capacity: number }[]>(ctx, "layout_sections", {
        layout_version_id: x.id,
      });
      x.capacity = sections.reduce((sum, s) => sum + s.capacity, 0);
    }));
    return page({ venues });
  },
  async POST(ctx: AdminContext<Data>) {
    const form = await ctx.req.formData();
    const action = text(form, "action");
    const back = "/admin/venues";
    if (action === "create_venue") {
      return act(ctx, back, "Venue created", () =>
        call(ctx, "create_venue", {
          name: text(form, "name"),
          city: text(form, "city"),
          country: opt(form, "country")?.toUpperCase() ?? "ZW",
          address: opt(form, "address") ?? null,
        }));
    }
    if (action === "create_layout") {
      let id = "";
      const res = await act(ctx, back, "Layout created with an empty draft version 1", async () => {
        id = await call<string>(ctx, "create_layout", {
          venue_id: text(form, "venue_id"),
          name: text(form, "name"),
        });
      });
      return id ? ctx.redirect(`/admin/venues/${text(form, "venue_id")}/layouts/${id}`) : res;
    }
    if (action === "copy") {
      return act(
        ctx,
        back,
        "Copied into a new draft version",
        () => call(ctx, "copy_layout_version", { layout_version_id: text(form, "version_id") }),
      );
    }
    if (action === "publish") {
      let cap = 0;
      const res = await act(ctx, back, "", async () => {
        cap = await call<number>(ctx, "publish_layout_version", {
          layout_version_id: text(form, "version_id"),
        });
      });
      return cap
        ? ctx.redirect(
          `${back}?ok=${encodeURIComponent(`Published: ${cap.toLocaleString("en")} places`)}`,
        )
        : res;
    }
    return new Response(`Unknown action "${action}"`, { status: 400 });
  },
};

export default function Venues({ data, state, url }: PageProps<Data, AdminState>) {
  const staff = state.staff;
  const canEdit = staff.permissions.manage_venues === true;
  return (
    <>
      <Head>
        <title>Venues · Mutambo admin</title>
      </Head>
      <PageTitle title="Venues" />
      <Flash url={url} />
      <div class="grid gap-4 lg:grid-cols-2">
        {data.venues.map((v) => (
          <section class={card} aria-label={v.name}>
            <h2 class="font-semibold">{v.name}</h2>
            <p class="text-sm text-slate-600">{v.city}, {v.country}</p>
            {v.layouts.map((l) => (
              <div class="mt-3">
                <h3 class="text-sm font-semibold text-slate-800">{l.name}</h3>
                <ul class="mt-1 divide-y divide-slate-100 text-sm">
                  {(l.versions ?? []).map((x) => (
                    <li class="flex flex-wrap items-center gap-2 py-1.5">
                      <a
                        class="font-medium text-sky-800 underline"
                        href={`/admin/venues/${v.id}/layouts/${x.id}`}
                      >
                        Version {x.version}
                      </a>
                      <StatusBadge status={x.status} />
                      <span class="text-slate-600" data-capacity={x.capacity}>
                        {(x.capacity ?? 0).toLocaleString("en")} places
                      </span>
                      {canEdit && (
                        <form method="post" class="ml-auto flex gap-1">
                          <Csrf token={staff.csrf} />
                          <input type="hidden" name="version_id" value={x.id} />
                          {x.status === "draft"
                            ? (
                              <button
                                type="submit"
                                class={btnPrimary}
                                name="action"
                                value="publish"
                              >
                                Publish v{x.version}
                              </button>
                            )
                            : (
                              <button type="submit" class={btnSecondary} name="action" value="copy">
                                Copy v{x.version} to a draft
                              </button>
                            )}
                        </form>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            ))}
            {canEdit && (
              <form method="post" class="mt-3 flex flex-wrap items-end gap-2">
                <Csrf token={staff.csrf} />
                <input type="hidden" name="venue_id" value={v.id} />
                <label class="sr-only" for={`layout-${v.id}`}>New layout name</label>
                <input
                  id={`layout-${v.id}`}
                  class={`${input} max-w-xs`}
                  name="name"
                  placeholder="New layout name"
                  required
                />
                <button type="submit" class={btnSecondary} name="action" value="create_layout">
                  Create layout
                </button>
              </form>
            )}
          </section>
        ))}
      </div>
      {canEdit && (
        <form method="post" class={`${card} mt-6 grid max-w-2xl gap-3 sm:grid-cols-2`}>
          <h2 class="font-semibold sm:col-span-2">New venue</h2>
          <Csrf token={staff.csrf} />
          <Field label="Venue name" name="name">
            <input id="name" name="name" class={input} required />
          </Field>
          <Field label="City" name="city">
            <input id="city" name="city" class={input} required />
          </Field>
          <Field label="Country code" name="country" hint="Two letters, e.g. ZW">
            <input id="country" name="country" class={input} value="ZW" maxLength={2} />
          </Field>
          <Field label="Address" name="address">
            <input id="address" name="address" class={input} />
          </Field>
          <div class="sm:col-span-2">
            <button type="submit" class={btnPrimary} name="action" value="create_venue">
              Create venue
            </button>
          </div>
        </form>
      )}
    </>
  );
}
