/**
 * Read functions of the KPI API and the dashboard, and the answer shapes.
 *
 * @module
 */

export * from "./kpis.ts";
export type * from "./types.ts";
