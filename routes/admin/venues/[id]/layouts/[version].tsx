// The layout designer page. GET renders the page around the LayoutDesigner island;
// GET ?format=json is the layout version for drawing (api.layout_designer); POST takes one
// JSON action from the island, calls the matching api function as the signed-in staff
// member and answers with the fresh layout, or { error } / { errors } with the SQL's words.
import { Head, HttpError, page, type PageProps } from "../../../../../lib/fresh/mod.ts";
import type { AdminState } from "../../../../../lib/admin_session.ts";
import { ApiError } from "../../../../../lib/rest/mod.ts";
import { PageTitle, StatusBadge } from "../../../../../components/admin/ui.tsx";
import { type AdminContext, call } from "../../../(_lib)/call.ts";
import LayoutDesigner from "../../../../../islands/LayoutDesigner.tsx";
import { validateLayout } from "../../../../../lib/designer/layout_json.ts";

interface Data {
  versionId: string;
  venue: string;
  layout: string;
  version: number;
  status: string;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

/** Each island action → the api function and its arguments. */
function plan(a: Record<string, unknown>, lv: string): [string, Record<string, unknown>] | null {
  switch (a.action) {
    case "add_seated":
      return ["build_seated_section", {
        ...(a.pattern as Record<string, unknown>),
        layout_version_id: lv,
        name: a.name,
        price_zone_id: a.zone_id ?? null,
      }];
    case "add_standing":
      return ["add_standing_section", {
        layout_version_id: lv,
        name: a.name,
        capacity: a.capacity,
        price_zone_id: a.zone_id ?? null,
        x: a.x ?? 0,
        y: a.y ?? 0,
      }];
    case "add_zone":
      return ["add_price_zone", {
        layout_version_id: lv,
        name: a.name,
        color: a.color,
        rank: a.rank,
      }];
    case "delete":
      return ["delete_section", { section_id: a.section_id }];
    case "move":
      return ["move_section", {
        section_id: a.section_id,
        dx: a.dx ?? 0,
        dy: a.dy ?? 0,
        rotate_deg: a.rotate_deg ?? 0,
      }];
    case "zone":
      return ["set_section_zone", { section_id: a.section_id, price_zone_id: a.zone_id ?? null }];
    case "seat_zone":
      return ["set_seat_zone", {
        section_id: a.section_id,
        seats: a.seats,
        price_zone_id: a.zone_id ?? null,
      }];
    case "attribute":
      return ["set_seat_attribute", {
        section_id: a.section_id,
        seats: a.seats,
        attribute: a.attribute,
        on: a.on !== false,
      }];
    case "import":
      return ["import_layout", { layout_version_id: lv, layout: a.layout }];
    default:
      return null;
  }
}

export const handler = {
  async GET(ctx: AdminContext<Data>) {
    const lv = ctx.params.version!;
    if (!/^[0-9a-f-]{36}$/.test(lv)) throw new HttpError(404);
    if (ctx.url.searchParams.get("format") === "json") {
      try {
        return json(await call(ctx, "layout_designer", { layout_version_id: lv }));
      } catch (e) {
        if (e instanceof ApiError && e.status < 500) return json({ error: e.message }, e.status);
        throw e;
      }
    }
    const venues = await call<
      {
        id: string;
        name: string;
        layouts: { name: string; versions: { id: string; version: number; status: string }[] }[];
      }[]
    >(ctx, "venues");
    for (const v of venues) {
      for (const l of v.layouts) {
        const x = (l.versions ?? []).find((x) => x.id === lv);
        if (x) {
          return page({
            versionId: lv,
            venue: v.name,
            layout: l.name,
            version: x.version,
            status: x.status,
          });
        }
      }
    }
    throw new HttpError(404);
  },
  async POST(ctx: AdminContext<Data>) {
    const lv = ctx.params.version!;
    let body: Record<string, unknown>;
    try {
      body = await ctx.req.json();
    } catch {
      return json({ error: "The request body is not JSON" }, 400);
    }
    if (typeof body !== "object" || body === null) {
      return json({ error: "Expected an object" }, 400);
    }
    if (body.action === "import") {
      const errors = validateLayout(body.layout);
      if (errors.length) return json({ error: errors[0], errors }, 422);
    }
    const step = plan(body, lv);
    if (!step) return json({ error: `Unknown action ${JSON.stringify(body.action ?? null)}` }, 400);
    try {
      const result = await call(ctx, step[0], step[1]);
      const layout = await call(ctx, "layout_designer", { layout_version_id: lv });
      return json({ ok: true, result, layout });
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) return json({ error: e.message }, e.status);
      throw e;
    }
  },
};

export default function Designer({ data, state }: PageProps<Data, AdminState>) {
  const canEdit = state.staff.permissions.manage_venues === true && data.status === "draft";
  return (
    <>
      <Head>
        <title>{data.venue} · {data.layout} v{data.version} · Mutambo admin</title>
        <link rel="stylesheet" href="/admin/designer.css" />
      </Head>
      <p class="mb-1 text-sm">
        <a class="text-sky-800 underline" href="/admin/venues">Venues</a> / {data.venue}
      </p>
      <PageTitle title={`${data.layout} · version ${data.version}`}>
        <StatusBadge status={data.status} />
      </PageTitle>
      {data.status !== "draft" && (
        <p class="mb-3 text-sm text-slate-600">
          Published versions are frozen: copy this version to a draft on the Venues page to change
          it.
        </p>
      )}
      <LayoutDesigner
        versionId={data.versionId}
        csrf={state.staff.csrf}
        canEdit={canEdit}
      />
    </>
  );
}
