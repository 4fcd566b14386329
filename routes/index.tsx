import { type Handlers, Head, page, type PageProps } from "../lib/fresh/mod.ts";
import { ApiError, rpc } from "../lib/rest/mod.ts";
import { EventCard, type EventCardData } from "../components/EventCard.tsx";

const pageSize = 12;
const categories = [
  "football",
  "rugby",
  "cricket",
  "athletics",
  "sport",
  "music",
  "festival",
  "conference",
  "theatre",
  "comedy",
];

interface Filters {
  q: string;
  city: string;
  category: string;
  from: string;
  to: string;
  page: number;
}

interface HomeData {
  filters: Filters;
  events: EventCardData[];
  hasMore: boolean;
  error: string | null;
}

function readFilters(url: URL): Filters {
  const get = (name: string) => (url.searchParams.get(name) ?? "").trim();
  const pageNumber = Number.parseInt(get("page") || "1", 10);
  return {
    q: get("q"),
    city: get("city"),
    category: get("category"),
    from: get("from"),
    to: get("to"),
    page: Number.isFinite(pageNumber) && pageNumber > 0 ? Math.min(pageNumber, 1000) : 1,
  };
}

// A date picked in the form means that day in Harare (UTC+2, no daylight saving).
function dayStart(day: string, plusDays = 0): string | null {
  if (!day) return null;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) {
    throw new RangeError(`Dates look like 2026-12-31, but found "${day}"`);
  }
  const date = new Date(`${day}T00:00:00+02:00`);
  date.setUTCDate(date.getUTCDate() + plusDays);
  return date.toISOString();
}

export const handler: Handlers<HomeData> = {
  async GET(ctx) {
    const filters = readFilters(ctx.url);
    try {
      const rows = await rpc<EventCardData[]>("list_events", {
        q: filters.q || null,
        city: filters.city || null,
        category: filters.category || null,
        date_from: dayStart(filters.from),
        date_to: dayStart(filters.to, 1),
        limit_count: pageSize + 1,
        offset_count: (filters.page - 1) * pageSize,
      });
      return page({
        filters,
        events: rows.slice(0, pageSize),
        hasMore: rows.length > pageSize,
        error: null,
      });
    } catch (error) {
      if (error instanceof RangeError || (error instanceof ApiError && error.status < 500)) {
        return page({ filters, events: [], hasMore: false, error: error.message }, { status: 400 });
      }
      throw error;
    }
  },
};

function pageHref(filters: Filters, pageNumber: number): string {
  const params = new URLSearchParams();
  for (const key of ["q", "city", "category", "from", "to"] as const) {
    if (filters[key]) params.set(key, filters[key]);
  }
  if (pageNumber > 1) params.set("page", String(pageNumber));
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

export default function Home({ data }: PageProps<HomeData>) {
  const { filters, events, hasMore, error } = data;
  const filtered = Boolean(
    filters.q || filters.city || filters.category || filters.from || filters.to,
  );
  const field = "w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
  return (
    <main class="max-w-5xl mx-auto px-4">
      <Head>
        <title>
          {filters.q ? `“${filters.q}” — Mutambo` : "Mutambo — tickets for live events"}
        </title>
        <meta
          name="description"
          content="Football, rugby, concerts, festivals and conferences: buy tickets in seconds."
        />
      </Head>
      <section class="pt-6 pb-4">
        <h1 class="text-2xl sm:text-3xl font-extrabold tracking-tight">
          {filtered ? "Events matching your search" : "Upcoming events"}
        </h1>
        <p class="text-slate-600">Football, rugby, music, festivals and conferences near you.</p>
      </section>
      <form method="get" action="/" class="grid grid-cols-2 sm:grid-cols-6 gap-2 items-end mb-6">
        <label class="col-span-2 sm:col-span-2 text-xs font-medium text-slate-600">
          Search
          <input
            name="q"
            type="search"
            value={filters.q}
            placeholder="Team, artist, venue"
            class={field}
          />
        </label>
        <label class="text-xs font-medium text-slate-600">
          City
          <input name="city" value={filters.city} placeholder="Any" class={field} />
        </label>
        <label class="text-xs font-medium text-slate-600">
          Category
          <select name="category" class={field}>
            <option value="">Any</option>
            {categories.map((c) => (
              <option value={c} selected={filters.category === c}>
                {c[0]!.toUpperCase() + c.slice(1)}
              </option>
            ))}
          </select>
        </label>
        <label class="text-xs font-medium text-slate-600">
          From
          <input name="from" type="date" value={filters.from} class={field} />
        </label>
        <label class="text-xs font-medium text-slate-600">
          To
          <input name="to" type="date" value={filters.to} class={field} />
        </label>
        <div class="col-span-2 sm:col-span-6 flex gap-3 items-center">
          <button
            type="submit"
            class="rounded-md bg-slate-900 text-white px-4 py-2 text-sm font-semibold"
          >
            Find events
          </button>
          {filtered && <a href="/" class="text-sm underline text-slate-600">Clear filters</a>}
        </div>
      </form>
      {error && (
        <p
          role="alert"
          class="mb-4 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800"
        >
          {error}
        </p>
      )}
      {!error && events.length === 0 && (
        <p class="rounded-md bg-white border border-slate-200 px-4 py-8 text-center text-slate-600">
          {filtered
            ? "No upcoming events match. Try fewer filters."
            : "No events on sale right now. Check back soon."}
        </p>
      )}
      <ul class="grid gap-3 sm:grid-cols-2">
        {events.map((event) => <EventCard key={event.slug} event={event} />)}
      </ul>
      {(filters.page > 1 || hasMore) && (
        <nav class="flex justify-between mt-6 text-sm" aria-label="Pages">
          {filters.page > 1
            ? <a class="underline" href={pageHref(filters, filters.page - 1)}>← Earlier events</a>
            : <span />}
          {hasMore && (
            <a class="underline" href={pageHref(filters, filters.page + 1)}>Later events →</a>
          )}
        </nav>
      )}
    </main>
  );
}
