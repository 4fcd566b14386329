// Service worker of the door scanner (scope /scan/): the page and its assets open with no
// network. The page is network-first (fresh when online, cached when not); island bundles
// are immutable (cache-first); API calls (/scan/api, /rest) are never cached.
const CACHE = "mutambo-scan-v1";
const SHELL = ["/scan/", "/scan/scan.css", "/scan/manifest.webmanifest", "/scan/icon.svg"];

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  const page = await (await cache.match("/scan/")).text();
  const assets = [...new Set(page.match(/\/_frsh\/[^"'\s)]+\.js/g) || [])];
  await cache.addAll(assets);
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

async function pageFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put("/scan/", response.clone());
      const html = await response.clone().text();
      const assets = html.match(/\/_frsh\/[^"'\s)]+\.js/g) || [];
      for (const a of assets) if (!(await cache.match(a))) cache.add(a).catch(() => {});
    }
    return response;
  } catch {
    return (await cache.match("/scan/")) || Response.error();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) {
    if (!request.url.includes("/_frsh/")) {
      fetch(request).then((r) => r.ok && cache.put(request, r)).catch(() => {});
    }
    return hit;
  }
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/scan/api/") || url.pathname.startsWith("/rest/")) return;
  if (
    event.request.mode === "navigate" && (url.pathname === "/scan" || url.pathname === "/scan/")
  ) {
    event.respondWith(pageFirst(event.request));
  } else if (url.pathname.startsWith("/_frsh/") || url.pathname.startsWith("/scan/")) {
    event.respondWith(cacheFirst(event.request));
  }
});
