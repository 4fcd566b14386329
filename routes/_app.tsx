import type { AppProps } from "../lib/fresh/mod.ts";

/** The HTML document around every page. Pages add their <title> and meta with <Head>. */
export default function App({ Component }: AppProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="theme-color" content="#0f172a" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
      </head>
      <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <Component />
      </body>
    </html>
  );
}
