// The door scanner: one light page (no site header, no twind), its own stylesheet, a web app
// manifest and a service worker so it opens with no network. Everything happens in the
// Scanner island; the server only renders the shell.
import { Head, type PageProps, type RouteConfig } from "../../lib/fresh/mod.ts";
import Scanner from "../../islands/Scanner.tsx";

export const config: RouteConfig = { skipAppWrapper: true, skipInheritedLayouts: true };

// The page lives at /scan/ (the service worker's scope); /scan is the same page, renamed in
// the address bar so an installed app and a bookmark both start inside the scope.
const boot =
  `if(location.pathname==="/scan")history.replaceState(null,"","/scan/"+location.search);` +
  `if("serviceWorker"in navigator)addEventListener("load",()=>navigator.serviceWorker.register("/scan/sw.js",{scope:"/scan/"}).catch(()=>{}));`;

export default function ScanPage({ url }: PageProps) {
  const pair = (url.searchParams.get("pair") ?? "").slice(0, 12);
  return (
    <>
      <Head>
        <title>Mutambo Scan</title>
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="theme-color" content="#0f172a" />
        <link rel="manifest" href="/scan/manifest.webmanifest" />
        <link rel="icon" href="/scan/icon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/scan/scan.css" />
        <script dangerouslySetInnerHTML={{ __html: boot }} />
      </Head>
      <main class="sc-main">
        <Scanner pairCode={pair} />
      </main>
    </>
  );
}
