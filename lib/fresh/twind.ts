// twind on the server only: after a page is rendered, `extract` returns the CSS of the classes
// found in its HTML. `extract` snapshots the sheet and restores it afterwards, so the sheet
// never grows across responses. Islands do not ship twind (see README.md).
import { defineConfig, extract, twind, type TwindConfig, virtual } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";

export type { TwindConfig };

export interface CssExtractor {
  /** The HTML with class names as twind resolved them, and the CSS they need. */
  extract(html: string): { html: string; css: string };
}

export function defaultTwindConfig(): TwindConfig {
  // deno-lint-ignore no-explicit-any
  return defineConfig({ presets: [presetTailwind() as any] }) as TwindConfig;
}

export function createCssExtractor(config: TwindConfig = defaultTwindConfig()): CssExtractor {
  const tw = twind(config, virtual());
  return {
    extract: (html) => extract(html, tw),
  };
}
