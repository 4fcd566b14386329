// Live dashboard of one event: the first stats are rendered on the server (the page works,
// frozen, without JavaScript); the LiveDashboard island then follows ./live/stream (SSE).
// Access is api.event_live_stats's: view_events in the event's org, money with view_orders.
import { Head, page, type PageProps } from "../../../../lib/fresh/mod.ts";
import { ApiError, type JwtClaims, rpc } from "../../../../lib/rest/mod.ts";
import { formatDateTime } from "../../../../lib/format.ts";
import type { LiveStats } from "../../../../lib/dashboard/types.ts";
import LiveDashboard from "../../../../islands/LiveDashboard.tsx";

interface Ctx {
  req: Request;
  url: URL;
  params: Record<string, string>;
  state: { staff: { claims: JwtClaims } };
}

interface Data {
  stats: LiveStats;
  streamUrl: string;
}

export const handler = {
  async GET(ctx: Ctx) {
    const eventId = ctx.params.id!;
    try {
      const stats = await rpc<LiveStats>("event_live_stats", {
        event_id: eventId,
        since: new Date(Date.now() - 60 * 60_000).toISOString(),
      }, { claims: ctx.state.staff.claims });
      return page<Data>({ stats, streamUrl: `/admin/events/${stats.event.id}/live/stream` });
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
    <main class="mx-auto max-w-7xl p-4">
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
      <LiveDashboard initial={data.stats} streamUrl={data.streamUrl} />
    </main>
  );
}
