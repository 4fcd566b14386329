import { Head, HttpError, type PageProps } from "../lib/fresh/mod.ts";

/** Shown when a page fails. A 4xx says what was wrong; anything else apologises without details. */
export default function ErrorPage({ error }: PageProps & { error?: unknown }) {
  const status = error instanceof HttpError ? error.status : 500;
  const message = status < 500 && error instanceof Error
    ? error.message
    : "Something went wrong on our side. Please try again in a moment.";
  return (
    <main class="max-w-5xl mx-auto px-4 py-16 text-center">
      <Head>
        <title>{status < 500 ? "Something is not right" : "Sorry"} — Mutambo</title>
      </Head>
      <h1 class="text-2xl font-extrabold">
        {status < 500 ? "Something is not right" : "Sorry, that did not work"}
      </h1>
      <p class="mt-2 text-slate-600">{message}</p>
      <a
        href="/"
        class="inline-block mt-6 rounded-md bg-slate-900 text-white px-4 py-2 font-semibold"
      >
        Back to events
      </a>
    </main>
  );
}
