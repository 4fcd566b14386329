// Live dashboard of one event: the first stats are rendered on the server (the page works,
// frozen, without JavaScript); the LiveDashboard island then follows ./live/stream (SSE).
// Access is api.event_live_stats's: view_events in the event's org, money with view_orders.
import { Head, page, type PageProps } from "../../../../lib/fresh/mod.ts";
import { ApiError, type JwtClaims, rpc } from "../../../../lib/rest/mod.ts";
import { formatDateTime } from "../../../../lib/format.ts";
import type { LiveStats } from "../../../../lib/dashboard/types.ts";
import LiveDashboard from "../../../../islands/LiveDashboard.tsx";
import type { OutlineIn } from "../../../../lib/venue_overview.ts";
import { type LivePlan, livePlan } from "../../../../lib/admin/live_plan.ts";

interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: { staff: { claims: JwtClaims } };
}

interface Data {
  stats: LiveStats;
  streamUrl: string;
  plan: LivePlan | null;
}

export const handler = {
  async GET(ctx: Ctx) {
    const eventId = ctx.params.id!;
    try {
      const claims = ctx.state.staff.claims;
      const stats = await rpc<LiveStats>("event_live_stats", {
        event_id: eventId,
        since: new Date(Date.now() - 60 * 60_000).toISOString(),
      }, { claims });
      // The heatmap's venue plan: the sections' shapes (they never move once an event exists).
      const [outlines, event] = await Promise.all([
        rpc<OutlineIn[]>("event_outlines", { event_id: stats.event.id }, { claims }),
        rpc<{ category: string }>("admin_event", { event_id: stats.event.id }, { claims }),
      ]);
      return page<Data>({
        stats,
        streamUrl: `/admin/events/${stats.event.id}/live/stream`,
        plan: livePlan(stats.sections, outlines, event.category),
      });
    } catch (e) {
      if (e instanceof ApiError) {
        return new Response(e.message, {
          status: e.status,
          headers: { "content-type": "text/plain; charset=utf-8" },
        });
      }
      throw e;
    }
  },
};

export default function LivePage({ data }: PageProps<Data>) {
  const e = data.stats.event;
  return (
    <div>
      <Head>
        <title>Live · {e.name}</title>
        <link rel="stylesheet" href="/admin/live.css" />
      </Head>
      <p class="mb-2 text-sm">
        <a href={`/admin/events/${e.id}`} class="text-sky-700 hover:underline">← {e.name}</a>
      </p>
      <h1 class="mb-1 text-2xl font-bold tracking-tight">Live: {e.name}</h1>
      <p class="mb-4 text-sm text-slate-600">
        {formatDateTime(e.starts_at)} · {e.status.replace("_", " ")}{" "}
        · last 60 minutes per minute (UTC)
      </p>
      <LiveDashboard initial={data.stats} streamUrl={data.streamUrl} plan={data.plan} />
    </div>
  );
}
