/**
 * The dashboard's pages: each is a path and a loader that reads gold through
 * the same functions as the read API and returns what to render inside the
 * page frame.
 *
 * @module
 */

import type { ComponentChildren } from "preact";
import type { Config } from "../../config.ts";
import { loadAlerts } from "./alerts.tsx";
import { loadCustomers } from "./customers.tsx";
import { loadOverview } from "./overview.tsx";
import { loadPipeline } from "./pipeline.tsx";
import { loadProducts } from "./products.tsx";
import { loadQuality } from "./quality.tsx";

/** What a page loader gets. */
export interface PageContext {
  kv: Deno.Kv;
  config: Config;
  /** Request time, epoch ms. */
  now: number;
  url: URL;
  /** The session's CSRF token, for the page's forms. */
  csrf: string;
}

/** What a page loader returns. */
export interface PageView {
  title: string;
  /** Controls next to the heading (period picker, range form). */
  tools?: ComponentChildren;
  body: ComponentChildren;
}

/** One page of the navigation. */
export interface PageDef {
  path: string;
  load(ctx: PageContext): Promise<PageView>;
}

/** Every page, in navigation order. */
export const PAGES: PageDef[] = [
  { path: "/", load: loadOverview },
  { path: "/products", load: loadProducts },
  { path: "/customers", load: loadCustomers },
  { path: "/quality", load: loadQuality },
  { path: "/pipeline", load: loadPipeline },
  { path: "/alerts", load: loadAlerts },
];
