import type { LayoutProps } from "../lib/fresh/mod.ts";
import { SiteFooter } from "../components/SiteFooter.tsx";
import { SiteHeader } from "../components/SiteHeader.tsx";

/** Header and footer shared by the buyer pages. */
export default function Layout({ Component, url }: LayoutProps) {
  return (
    <>
      {/* The home page has its own search form; elsewhere the header carries one. */}
      <SiteHeader search={url.pathname !== "/"} query={url.searchParams.get("q") ?? ""} />
      <Component />
      <SiteFooter />
    </>
  );
}
