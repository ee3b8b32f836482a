/**
 * Dirt: which kinds each source gets, in what proportions, and the tally of
 * what was injected (written to `expected.json` under `dirt`, and checked by
 * the tests against the files themselves).
 *
 * A record is dirtied with probability `--dirty`; a dirtied record gets one
 * kind, drawn by the weights below. "Format" kinds change how a valid record
 * is written (the answer key reads the normalised value); "extra" kinds add
 * records (quarantined junk, duplicates, retries) next to the clean one.
 *
 * @module
 */

import { keyedSampler, type Rng } from "./prng.ts";

/** Event dirt kinds and their weights. */
export const EVENT_DIRT = {
  ts_epoch_s: 6,
  ts_epoch_ms: 6,
  ts_space: 6,
  ts_offset: 6,
  type_case: 5,
  event_name_case_pad: 6,
  user_id_null_token: 5,
  sent_at_skew: 6,
  late: 10,
  retry: 12,
  malformed: 6,
  missing_required: 5,
  invalid_type: 4,
  invalid_value: 3,
  invalid_timestamp: 5,
  future_timestamp: 4,
  unsupported_type: 4,
  too_large: 1,
} as const;

/** An event dirt kind. */
export type EventDirt = keyof typeof EVENT_DIRT;

/** Order-row dirt kinds and their weights. */
export const ORDER_DIRT = {
  price_format: 8,
  quantity_decimal: 5,
  ts_epoch_s: 4,
  ts_epoch_ms: 4,
  ts_space: 4,
  ts_offset: 4,
  ts_date_only: 2,
  status_case: 6,
  sku_case_pad: 6,
  currency_case: 4,
  currency_absent: 3,
  country_null_token: 4,
  country_invalid: 4,
  channel_invalid: 3,
  channel_case: 3,
  discount_absent: 2,
  duplicate_line: 8,
  negative_quantity: 4,
  comma_decimal_price: 4,
  bad_timestamp: 4,
  unknown_currency: 4,
  future_timestamp: 3,
  missing_required: 4,
  broken_row: 4,
} as const;

/** An order-row dirt kind. */
export type OrderDirt = keyof typeof ORDER_DIRT;

/** Inventory-row dirt kinds and their weights. */
export const INVENTORY_DIRT = {
  formula: 12,
  on_hand_text: 6,
  padded_text: 12,
  category_case: 8,
  reorder_null_token: 6,
  unit_cost_text: 6,
  unit_cost_absent: 6,
  repeated_row: 12,
  negative_on_hand: 8,
  invalid_on_hand: 8,
  missing_sku: 8,
  formula_no_cache: 8,
} as const;

/** An inventory-row dirt kind. */
export type InventoryDirt = keyof typeof INVENTORY_DIRT;

/** Injected dirt of one source. */
export interface DirtTally {
  /** Clean records considered for record-level dirt. */
  records: number;
  /** Of those, how many were dirtied. */
  dirtied: number;
  /** Count per kind (record-level and file-level kinds). */
  kinds: Record<string, number>;
}

/** An empty tally. */
export function newDirtTally(): DirtTally {
  return { records: 0, dirtied: 0, kinds: {} };
}

/** Counts one occurrence of `kind`. */
export function countDirt(tally: DirtTally, kind: string, n = 1): void {
  tally.kinds[kind] = (tally.kinds[kind] ?? 0) + n;
}

/**
 * Draws the dirt of one record: `null` (clean, probability 1 − rate) or a kind.
 *
 * @example
 * ```ts
 * const draw = dirtDrawer(EVENT_DIRT);
 * draw(rng, 0.05, tally); // "retry", or null 95% of the time
 * ```
 */
export function dirtDrawer<K extends string>(
  table: Record<K, number>,
): (rng: Rng, rate: number, tally: DirtTally) => K | null {
  const sample = keyedSampler(table);
  return (rng, rate, tally) => {
    tally.records++;
    if (rate <= 0 || rng.next() >= rate) return null;
    tally.dirtied++;
    return sample(rng);
  };
}
