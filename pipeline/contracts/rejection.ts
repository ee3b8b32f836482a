/**
 * Picks the one reason a record is quarantined for: "the first that applies"
 * of shared/spec/sources.md, by reason code (the order of `REASON_CODES`),
 * then by the field's position in the source's column or field order.
 *
 * @module
 */

import { REASON_CODES, type ReasonCode, type Rejection } from "./types.ts";

/** One rule that failed for one field. */
export interface FieldFailure {
  field: string;
  reason: ReasonCode;
  message: string;
}

/**
 * The failure that wins: lowest reason-code rank, then the field listed first
 * in `fieldOrder` (unlisted fields after listed ones, in the order reported).
 *
 * @example
 * ```ts
 * firstRejection(
 *   [{ field: "sku", reason: "invalid_value", message: "m1" }, { field: "quantity", reason: "invalid_type", message: "m2" }],
 *   ["sku", "quantity"],
 * ); // { reason: "invalid_type", field: "quantity", message: "m2" }
 * ```
 */
export function firstRejection(
  failures: readonly FieldFailure[],
  fieldOrder: readonly string[],
): Rejection | null {
  let best: FieldFailure | null = null;
  let bestRank = Infinity;
  for (const f of failures) {
    const fieldRank = fieldOrder.indexOf(f.field);
    const rank = REASON_CODES.indexOf(f.reason) * 10_000 +
      (fieldRank === -1 ? fieldOrder.length : fieldRank);
    if (rank < bestRank) {
      best = f;
      bestRank = rank;
    }
  }
  return best && { reason: best.reason, field: best.field, message: best.message };
}

/**
 * Builds a `Normalised` failure from a rejection.
 *
 * @example
 * ```ts
 * reject({ reason: "malformed", message: "Event is not a JSON object" });
 * ```
 */
export function reject(rejection: Rejection): { ok: false; rejection: Rejection } {
  return { ok: false, rejection };
}
