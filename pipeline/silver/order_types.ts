/**
 * Shapes of the silver order state: current lines, orders and their per-day
 * summaries.
 *
 * @module
 */

import type { LineVersion, OrderLine } from "../contracts/types.ts";

/** The current version of an order line. */
export interface SilverLine {
  line: OrderLine;
  version: LineVersion;
  /** Line value in US cents, with the FX table in force when this version was applied. */
  cents: number;
}

/** One line as the order state sees it. */
export interface OrderLineSummary {
  /** `orderTs`, epoch ms. */
  ts: number;
  customer: string;
  revenue: boolean;
}

/** Per order: its current lines (by `line_no`). */
export interface OrderState {
  lines: Record<string, OrderLineSummary>;
}

/** Value of `silverOrderByDay(day, o)`. */
export interface OrderDay {
  lines: number;
  revenue_lines: number;
}

/** What applying one staged version did. */
export type LineOutcome = "applied" | "same" | "stale";
