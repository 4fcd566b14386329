/** The bar at the top of every buyer page: the wordmark and a search box that works without JS. */
export function SiteHeader({ query = "", search = true }: { query?: string; search?: boolean }) {
  return (
    <header class="bg-slate-900 text-white">
      <div class="max-w-5xl mx-auto px-4 py-3 flex items-center gap-4">
        <a href="/" class="text-xl font-extrabold tracking-tight shrink-0">
          mutambo<span class="text-amber-400">.</span>
        </a>
        {search && (
          <form action="/" method="get" role="search" class="flex-1 flex justify-end">
            <label for="site-search" class="sr-only">Search events</label>
            <input
              id="site-search"
              name="q"
              type="search"
              value={query}
              placeholder="Team, artist or event"
              class="w-full max-w-xs rounded-md bg-slate-800 border border-slate-700 px-3 py-1.5 text-sm placeholder-slate-400 focus:outline-none focus:border-amber-400"
            />
          </form>
        )}
      </div>
    </header>
  );
}
