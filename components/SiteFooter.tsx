/** The foot of every buyer page. */
export function SiteFooter() {
  return (
    <footer class="mt-12 border-t border-slate-200 text-sm text-slate-500">
      <div class="max-w-5xl mx-auto px-4 py-6 flex flex-wrap gap-x-6 gap-y-2">
        <span>© Mutambo — tickets for live events across Africa</span>
        <a href="/" class="underline hover:text-slate-700">All events</a>
      </div>
    </footer>
  );
}
