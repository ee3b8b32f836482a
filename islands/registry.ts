/**
 * Every island of the dashboard: its name (used in the HTML markers and the
 * boot script) and its module. The build bundles exactly these modules, one
 * entry each, plus the boot module; the server wraps these components in
 * markers when a page renders them through `<Island>`.
 *
 * @module
 */

import type { ComponentType } from "preact";
import Chart from "./Chart.tsx";
import LiveCount from "./LiveCount.tsx";

/** Island name → component (server side). */
export const ISLANDS = { Chart, LiveCount } as const;

/** Name of an island. */
export type IslandName = keyof typeof ISLANDS;

/** Island name → module file, relative to this directory (for the build). */
export const ISLAND_FILES: Record<IslandName, string> = {
  Chart: "Chart.tsx",
  LiveCount: "LiveCount.tsx",
};

/** The boot module, relative to this directory. */
export const BOOT_FILE = "boot.ts";

const names = new Map<ComponentType<never>, IslandName>(
  Object.entries(ISLANDS).map(([name, c]) => [c as ComponentType<never>, name as IslandName]),
);

/** The registered name of an island component, or `undefined` when it is not an island. */
export function islandNameOf(component: ComponentType<never>): IslandName | undefined {
  return names.get(component);
}
