import { Head } from "../lib/fresh/mod.ts";

export default function NotFound() {
  return (
    <main class="max-w-5xl mx-auto px-4 py-16 text-center">
      <Head>
        <title>Page not found — Mutambo</title>
      </Head>
      <h1 class="text-2xl font-extrabold">We could not find that page</h1>
      <p class="mt-2 text-slate-600">The link may be old, or the event may have ended.</p>
      <a
        href="/"
        class="inline-block mt-6 rounded-md bg-slate-900 text-white px-4 py-2 font-semibold"
      >
        See upcoming events
      </a>
    </main>
  );
}
