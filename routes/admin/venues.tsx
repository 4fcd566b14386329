// Venues and their layouts (read-only here; the layout designer comes later).
import { Head, page, type PageProps } from "../../lib/fresh/mod.ts";
import type { AdminState } from "../../lib/admin_session.ts";
import { card, PageTitle, StatusBadge } from "../../components/admin/ui.tsx";
import { type AdminContext, call } from "./(_lib)/call.ts";

interface Venue {
  id: string;
  name: string;
  city: string;
  country: string;
  layouts: {
    layout_id: string;
    name: string;
    versions: { id: string; version: number; status: string }[];
  }[];
}

export const handler = {
  async GET(ctx: AdminContext<Venue[]>) {
    return page(await call<Venue[]>(ctx, "venues"));
  },
};

export default function Venues({ data }: PageProps<Venue[], AdminState>) {
  return (
    <>
      <Head>
        <title>Venues · Mutambo admin</title>
      </Head>
      <PageTitle title="Venues" />
      <div class="grid gap-4 md:grid-cols-2">
        {data.map((v) => (
          <div class={card}>
            <h2 class="font-semibold">{v.name}</h2>
            <p class="text-sm text-slate-600">{v.city}, {v.country}</p>
            <ul class="mt-2 text-sm">
              {v.layouts.map((l) => (
                <li>
                  {l.name}: {l.versions.map((x) => (
                    <span class="mr-2">
                      v{x.version} <StatusBadge status={x.status} />
                    </span>
                  ))}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
    </>
  );
}
